// TE HTU21D and Silicon Labs Si7021 over I2C at 0x40, no-hold master mode: trigger 0xF3
// (temperature, up to 50 ms at 14 bit) or 0xF5 (humidity, 16 ms on the HTU21D, about 23 ms
// on the Si7021), then read MSB, LSB (its two low bits are status) and a CRC-8 (poly 0x31,
// init 0x00). T = -46.85 + 175.72 x S/65536 C, RH = -6 + 125 x S/65536 % (HTU21D datasheet:
// 0x683A is 24.7 C, 0x4E85 is 32.3 %RH; CRC of 0x683A is 0x7C). Read too early, the sensor
// does not acknowledge.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import type { Done, Driver, Values } from './types.ts';

export function htu21d(s: SensorConfig): Driver {
  return {
    read: function (done: Done) {
      const b = i2cBus(s.sda, s.scl);
      const v: Values = {};
      // Temperature first, then humidity (unless only temperature is published).
      function measure(c: number, ms: number): void {
        try {
          b.writeTo(0x40, c);
        } catch (e) {
          done('no HTU21D at 0x40: ' + e);
          return;
        }
        setTimeout(function () {
          let d: Uint8Array;
          try {
            d = b.readFrom(0x40, 3);
          } catch (e) {
            return done('HTU21D at 0x40: ' + e);
          }
          if (crc8(d, 0, 2, 0) !== d[2]) return done('HTU21D at 0x40: CRC mismatch');
          const x = ((d[0] << 8) | d[1]) & 0xfffc;
          if (c === 0xf3) {
            v['temperature'] = -46.85 + (175.72 * x) / 65536;
            if (!s.measurements || s.measurements.indexOf('humidity') >= 0) return measure(0xf5, 30);
          } else {
            const h = -6 + (125 * x) / 65536;
            v['humidity'] = Math.min(100, Math.max(0, h));
          }
          done(undefined, v);
        }, ms);
      }
      measure(0xf3, 55);
    },
  };
}
