// Winsen MH-Z19B / MH-Z19C on a UART at 9600 8N1: 9-byte commands FF 01 cmd data 00 00 00 00
// and answers FF cmd ..., each ending in a checksum: 0xFF minus the sum of bytes 1..7, plus 1.
// Read (FF 01 86 00 00 00 00 00 79): FF 86 HH LL ..., CO2 = HH x 256 + LL ppm (datasheet:
// FF 86 02 60 47 00 00 00 D1 is 608 ppm). ABC, the automatic baseline correction, on
// (FF 01 79 A0 00 00 00 00 E6) or off (FF 01 79 00 00 00 00 00 86) at start when the config
// says; zero-point calibration (FF 01 87 00 00 00 00 00 78) by command, at 400 ppm only.
// Like the PMS5003: answers wait in Espruino's serial buffer, no listener between reads.
import type { SensorConfig } from '../../shared/node-config.ts';
import { ask, uart } from './uart.ts';
import type { Done, Driver } from './types.ts';

export function mhz19(config: SensorConfig): Driver {
  const port = uart(config, 9600);
  if (config.abc !== undefined) port.write(config.abc ? '\xff\x01\x79\xa0\x00\x00\x00\x00\xe6' : '\xff\x01\x79\x00\x00\x00\x00\x00\x86');
  return {
    read: function (done: Done) {
      ask(
        port,
        '\xff\x01\x86\x00\x00\x00\x00\x00\x79',
        config,
        'MH-Z19',
        100,
        function (buffer) {
          let error = '';
          let i = 0;
          for (;;) {
            i = buffer.indexOf('\xff\x86', i);
            if (i < 0 || i + 9 > buffer.length) break;
            let sum = 0;
            for (let j = i + 1; j < i + 8; j++) sum += buffer.charCodeAt(j);
            if (((0xff - (sum & 0xff) + 1) & 0xff) === buffer.charCodeAt(i + 8)) {
              done(undefined, { carbon_dioxide: (buffer.charCodeAt(i + 2) << 8) | buffer.charCodeAt(i + 3) });
              return true;
            }
            error = 'MH-Z19: checksum mismatch';
            i++;
          }
          return error;
        },
        done,
      );
    },
    cal: function (ppm, done) {
      if (ppm !== 400) return done('MH-Z19 sets its zero point to 400 ppm only: send {"calibrate":400} after 20 minutes in fresh outdoor air');
      port.write('\xff\x01\x87\x00\x00\x00\x00\x00\x78');
      done(undefined, 'MH-Z19 zero point set to 400 ppm');
    },
  };
}
