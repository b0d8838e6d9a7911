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

export function htu21d(config: SensorConfig): Driver {
  return {
    read: function (done: Done) {
      const bus = i2cBus(config.sda, config.scl);
      const values: Values = {};
      // Temperature first, then humidity (unless only temperature is published).
      function measure(command: number, waitMs: number): void {
        try {
          bus.writeTo(0x40, command);
        } catch (e) {
          done('no HTU21D at 0x40: ' + e);
          return;
        }
        setTimeout(function () {
          let data: Uint8Array;
          try {
            data = bus.readFrom(0x40, 3);
          } catch (e) {
            return done('HTU21D at 0x40: ' + e);
          }
          if (crc8(data, 0, 2, 0) !== data[2]) return done('HTU21D at 0x40: CRC mismatch');
          const raw = ((data[0] << 8) | data[1]) & 0xfffc;
          if (command === 0xf3) {
            values['temperature'] = -46.85 + (175.72 * raw) / 65536;
            if (!config.measurements || config.measurements.indexOf('humidity') >= 0) return measure(0xf5, 30);
          } else {
            const humidity = -6 + (125 * raw) / 65536;
            values['humidity'] = Math.min(100, Math.max(0, humidity));
          }
          done(undefined, values);
        }, waitMs);
      }
      measure(0xf3, 55);
    },
  };
}
