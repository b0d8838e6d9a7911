// Aosong AHT20 over I2C: calibrate if needed, trigger, read 6 bytes and the CRC.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import { hex, type Done, type Driver } from './types.ts';

export function aht20(s: SensorConfig): Driver {
  const addr = s.address || 0x38;
  return {
    read: function (done: Done) {
      const b = i2cBus(s.sda, s.scl);
      if (!(b.readFrom(addr, 1)[0] & 0x08)) b.writeTo(addr, [0xbe, 0x08, 0x00]);
      b.writeTo(addr, [0xac, 0x33, 0x00]);
      setTimeout(function () {
        const d = b.readFrom(addr, 7);
        if (d[0] & 0x80) return done('AHT20 at ' + hex(addr) + ' still busy');
        if (crc8(d, 0, 6) !== d[6]) return done('AHT20 at ' + hex(addr) + ': CRC mismatch');
        const h = (d[1] << 12) | (d[2] << 4) | (d[3] >> 4);
        const t = ((d[3] & 15) << 16) | (d[4] << 8) | d[5];
        done(undefined, { temperature: (t / 1048576) * 200 - 50, humidity: (h / 1048576) * 100 });
      }, 80);
    },
  };
}
