// Bosch BME280 (temperature, humidity, pressure) and BMP280 (no humidity) over I2C, in
// forced mode: one measurement per read (compensation in bme280-math.ts).

import type { SensorConfig } from '../../shared/node-config.ts';
import { calibration, compensateH, compensateP, compensateT, type Calibration } from './bme280-math.ts';
import { i2cBus } from './i2c.ts';
import type { Done, Driver, Values } from './types.ts';

export function bme280(config: SensorConfig): Driver {
  const addr = config.address || 0x76;
  let cal: Calibration | undefined;
  let hum = false;
  return {
    read: function (done: Done) {
      const bus = i2cBus(config.sda, config.scl);
      const at = ' at 0x' + addr.toString(16);
      // Reads `count` bytes from `register` (a helper only while reading: top-level ones cost RAM for good).
      function reg(register: number, count: number): Uint8Array {
        bus.writeTo(addr, register);
        return bus.readFrom(addr, count);
      }
      if (!cal) {
        const id = reg(0xd0, 1)[0];
        if (id !== 0x60 && id !== 0x58) return done('no BME280/BMP280' + at + ' (chip id 0x' + id.toString(16) + ')');
        hum = id === 0x60;
        cal = new Int32Array(calibration(reg(0x88, 26), hum ? reg(0xe1, 7) : undefined));
      }
      if (hum) bus.writeTo(addr, 0xf2, 1);
      bus.writeTo(addr, 0xf4, 0x25); // temperature and pressure x1, forced mode
      setTimeout(function () {
        let data: Uint8Array;
        try {
          data = reg(0xf7, hum ? 8 : 6);
        } catch (e) {
          return done('BME280' + at + ': ' + e);
        }
        const adcT = (data[3] << 12) | (data[4] << 4) | (data[5] >> 4);
        if (adcT === 0x80000) return done('BME280' + at + ' returned no measurement');
        const temperatureAndFine = compensateT(adcT, cal!);
        const values: Values = {
          temperature: temperatureAndFine[0],
          pressure: compensateP((data[0] << 12) | (data[1] << 4) | (data[2] >> 4), temperatureAndFine[1], cal!) / 100,
        };
        if (hum) values['humidity'] = compensateH((data[6] << 8) | data[7], temperatureAndFine[1], cal!);
        else if (config.type === 'bme280' && (!config.measurements || config.measurements.indexOf('humidity') >= 0)) {
          return done('chip' + at + ' is a BMP280: no humidity');
        }
        done(undefined, values);
      }, 12);
    },
  };
}
