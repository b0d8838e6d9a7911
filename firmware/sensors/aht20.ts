// Aosong AHT20 over I2C: calibrate if needed, trigger, read 6 bytes and the CRC.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import { hex, type Done, type Driver } from './types.ts';

export function aht20(config: SensorConfig): Driver {
  const addr = config.address || 0x38;
  return {
    read: function (done: Done) {
      const bus = i2cBus(config.sda, config.scl);
      if (!(bus.readFrom(addr, 1)[0] & 0x08)) bus.writeTo(addr, [0xbe, 0x08, 0x00]);
      bus.writeTo(addr, [0xac, 0x33, 0x00]);
      setTimeout(function () {
        const data = bus.readFrom(addr, 7);
        if (data[0] & 0x80) return done('AHT20 at ' + hex(addr) + ' still busy');
        if (crc8(data, 0, 6) !== data[6]) return done('AHT20 at ' + hex(addr) + ': CRC mismatch');
        const rawHumidity = (data[1] << 12) | (data[2] << 4) | (data[3] >> 4);
        const rawTemperature = ((data[3] & 15) << 16) | (data[4] << 8) | data[5];
        done(undefined, { temperature: (rawTemperature / 1048576) * 200 - 50, humidity: (rawHumidity / 1048576) * 100 });
      }, 80);
    },
  };
}
