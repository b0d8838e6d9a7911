// Bosch BME280 (temperature, humidity, pressure) and BMP280 (no humidity) over I2C, in
// forced mode: one measurement per read (compensation in bme280-math.ts).

import type { SensorConfig } from '../../shared/node-config.ts';
import { calibration, compensateH, compensateP, compensateT, type Calibration } from './bme280-math.ts';
import { i2cBus } from './i2c.ts';
import type { Done, Driver, Values } from './types.ts';

export function bme280(s: SensorConfig): Driver {
  const addr = s.address || 0x76;
  let cal: Calibration | undefined;
  let hum = false;
  return {
    read: function (done: Done) {
      const b = i2cBus(s.sda, s.scl);
      const at = ' at 0x' + addr.toString(16);
      // Reads `n` bytes from register `r` (a helper only while reading: top-level ones cost RAM for good).
      function reg(r: number, n: number): Uint8Array {
        b.writeTo(addr, r);
        return b.readFrom(addr, n);
      }
      if (!cal) {
        const id = reg(0xd0, 1)[0];
        if (id !== 0x60 && id !== 0x58) return done('no BME280/BMP280' + at + ' (chip id 0x' + id.toString(16) + ')');
        hum = id === 0x60;
        cal = calibration(reg(0x88, 26), hum ? reg(0xe1, 7) : undefined);
      }
      if (hum) b.writeTo(addr, 0xf2, 1);
      b.writeTo(addr, 0xf4, 0x25); // temperature and pressure x1, forced mode
      setTimeout(function () {
        let d: Uint8Array;
        try {
          d = reg(0xf7, hum ? 8 : 6);
        } catch (e) {
          return done('BME280' + at + ': ' + e);
        }
        const adcT = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4);
        if (adcT === 0x80000) return done('BME280' + at + ' returned no measurement');
        const t = compensateT(adcT, cal!);
        const v: Values = { temperature: t[0], pressure: compensateP((d[0] << 12) | (d[1] << 4) | (d[2] >> 4), t[1], cal!) / 100 };
        if (hum) v['humidity'] = compensateH((d[6] << 8) | d[7], t[1], cal!);
        else if (s.type === 'bme280' && (!s.measurements || s.measurements.indexOf('humidity') >= 0)) {
          return done('chip' + at + ' is a BMP280: no humidity');
        }
        done(undefined, v);
      }, 12);
    },
  };
}
