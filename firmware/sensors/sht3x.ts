// Sensirion SHT3x over I2C: single shot, high repeatability, no clock stretching.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import { hex, type Done, type Driver } from './types.ts';

export function sht3x(s: SensorConfig): Driver {
  const addr = s.address || 0x44;
  return {
    read: function (done: Done) {
      const b = i2cBus(s.sda, s.scl);
      b.writeTo(addr, [0x24, 0x00]);
      setTimeout(function () {
        const d = b.readFrom(addr, 6);
        if (crc8(d, 0, 2) !== d[2] || crc8(d, 3, 2) !== d[5]) return done('SHT3x at ' + hex(addr) + ': CRC mismatch');
        done(undefined, {
          temperature: -45 + (175 * ((d[0] << 8) | d[1])) / 65535,
          humidity: (100 * ((d[3] << 8) | d[4])) / 65535,
        });
      }, 20);
    },
  };
}
