// ROHM BH1750 ambient light over I2C at 0x23 (ADDR low) or 0x5C (ADDR high): power on
// (0x01), measurement time register MTreg (0x40 | high 3 bits, 0x60 | low 5 bits; 69 by
// default, 31..254), one-time high-resolution mode (0x20: 120 ms, at most 180 ms, at MTreg 69,
// longer in proportion; then it powers down), two bytes. lx = count / 1.2 x 69 / MTreg
// (datasheet: 0x8390 at MTreg 69 is 28,067 lx). A lower MTreg reaches brighter light
// (65535 counts: 54,612 lx at 69, 121,557 lx at 31), a higher one resolves dimmer.
import type { SensorConfig } from '../../shared/node-config.ts';
import { i2cBus } from './i2c.ts';
import type { Done, Driver } from './types.ts';

export function bh1750(config: SensorConfig): Driver {
  const addr = config.address || 0x23;
  const mtreg = config.mtreg || 69;
  const at = 'BH1750 at 0x' + addr.toString(16);
  return {
    read: function (done: Done) {
      const bus = i2cBus(config.sda, config.scl);
      bus.writeTo(addr, 0x01);
      bus.writeTo(addr, 0x40 | (mtreg >> 5));
      bus.writeTo(addr, 0x60 | (mtreg & 31));
      bus.writeTo(addr, 0x20);
      setTimeout(
        function () {
          let data: Uint8Array;
          try {
            data = bus.readFrom(addr, 2);
          } catch (e) {
            return done(at + ': ' + e);
          }
          const counts = (data[0] << 8) | data[1];
          if (counts === 0xffff) return done(at + ': saturated (brighter than ' + Math.round((65535 / 1.2) * (69 / mtreg)) + ' lx): lower "mtreg"');
          done(undefined, { illuminance: (counts / 1.2) * (69 / mtreg) });
        },
        Math.ceil((180 * mtreg) / 69),
      );
    },
  };
}
