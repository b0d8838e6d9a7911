// Sensirion SHT3x over I2C: single shot, high repeatability, no clock stretching.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import { hex, type Done, type Driver } from './types.ts';

export function sht3x(config: SensorConfig): Driver {
  const addr = config.address || 0x44;
  return {
    read: function (done: Done) {
      const bus = i2cBus(config.sda, config.scl);
      bus.writeTo(addr, [0x24, 0x00]);
      setTimeout(function () {
        const data = bus.readFrom(addr, 6);
        if (crc8(data, 0, 2) !== data[2] || crc8(data, 3, 2) !== data[5]) return done('SHT3x at ' + hex(addr) + ': CRC mismatch');
        done(undefined, {
          temperature: -45 + (175 * ((data[0] << 8) | data[1])) / 65535,
          humidity: (100 * ((data[3] << 8) | data[4])) / 65535,
        });
      }, 20);
    },
  };
}
