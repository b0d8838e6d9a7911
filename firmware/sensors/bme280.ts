// Bosch BME280 (temperature, humidity, pressure) and BMP280 (no humidity) over I2C, in
// forced mode: one measurement per read (compensation in bme280-math.ts).

import type { SensorConfig } from '../../shared/node-config.ts';
import { calibration, compensateH, compensateP, compensateT, type Calibration } from './bme280-math.ts';
import { i2cBus, readReg } from './i2c.ts';
import { hex, type Done, type Driver, type Values } from './types.ts';

export function bme280(s: SensorConfig): Driver {
  const addr = s.address || 0x76;
  let bus: I2CBus | undefined;
  let cal: Calibration | undefined;
  let hum = false;
  return {
    read: function (done: Done) {
      if (!bus) bus = i2cBus(s.sda, s.scl);
      const b = bus;
      if (!cal) {
        const id = readReg(b, addr, 0xd0, 1)[0];
        if (id !== 0x60 && id !== 0x58) return done('no BME280/BMP280 at ' + hex(addr) + ' (chip id ' + hex(id) + ')');
        hum = id === 0x60;
        cal = calibration(readReg(b, addr, 0x88, 26), hum ? readReg(b, addr, 0xe1, 7) : undefined);
      }
      if (hum) b.writeTo(addr, 0xf2, 1);
      b.writeTo(addr, 0xf4, 0x25); // temperature and pressure x1, forced mode
      setTimeout(function () {
        const d = readReg(b, addr, 0xf7, hum ? 8 : 6);
        const adcT = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4);
        if (adcT === 0x80000) return done('BME280 at ' + hex(addr) + ' returned no measurement');
        const t = compensateT(adcT, cal!);
        const v: Values = { temperature: t[0], pressure: compensateP((d[0] << 12) | (d[1] << 4) | (d[2] >> 4), t[1], cal!) / 100 };
        if (hum) v['humidity'] = compensateH((d[6] << 8) | d[7], t[1], cal!);
        else if (s.type === 'bme280' && (!s.measurements || s.measurements.indexOf('humidity') >= 0)) {
          return done('chip at ' + hex(addr) + ' is a BMP280: no humidity');
        }
        done(undefined, v);
      }, 12);
    },
  };
}
