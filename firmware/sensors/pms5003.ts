// Plantower PMS5003 / PMS7003 on a UART at 9600 8N1, in passive mode: each read asks for one
// frame and takes PM1.0, PM2.5 and PM10 "under atmospheric environment" from the answer:
// 42 4D, length 28, 13 big-endian words, then a checksum that is the sum of all the bytes
// before it. Commands, from the datasheet: 42 4D E1 00 00 01 70 passive mode, 42 4D E2 00 00
// 01 71 read, 42 4D E4 00 00 01 73 sleep, 42 4D E4 00 01 01 74 wake. The fan needs 30 s after
// power-up or waking before values hold; readings more than a minute apart let fan and
// laser sleep in between, woken 35 s before the next reading is due.
// Received bytes wait in Espruino's serial buffer (no 'data' listener, nothing kept in RAM
// between reads); a read drops what came unasked, asks, and scans the answer for a whole
// frame, skipping garbage, torn frames and command answers (length 4).
import type { SensorConfig } from '../../shared/node-config.ts';
import { ask, uart } from './uart.ts';
import type { Done, Driver } from './types.ts';

export function pms5003(config: SensorConfig): Driver {
  const port = uart(config, 9600);
  // When the fan last started (power-up: now), whether it sleeps, when the last read began.
  let woke = getTime();
  let asleep = false;
  let prev = 0;
  port.write([0x42, 0x4d, 0xe1, 0, 0, 1, 0x70]);
  return {
    read: function (done: Done) {
      const now = getTime();
      const gap = prev ? now - prev : 0;
      prev = now;
      if (asleep) {
        port.write([0x42, 0x4d, 0xe4, 0, 1, 1, 0x74]);
        asleep = false;
        woke = now;
      }
      if (now - woke < 30) return done('PMS5003 fan settling: values in ' + Math.ceil(30 - (now - woke)) + ' s');
      // The answer takes 33 ms on the wire after the sensor's own delay: look at 150 ms, then every 300 ms.
      ask(
        port,
        [0x42, 0x4d, 0xe2, 0, 0, 1, 0x71],
        config,
        'PMS5003',
        150,
        function (buffer) {
          let error = '';
          let i = 0;
          for (;;) {
            i = buffer.indexOf('BM', i);
            if (i < 0 || i + 4 > buffer.length) break;
            const len = (buffer.charCodeAt(i + 2) << 8) | buffer.charCodeAt(i + 3);
            if (len !== 28 && len !== 4) {
              error = 'PMS5003: corrupted frame (length ' + len + ')';
              i++;
              continue;
            }
            if (i + 4 + len > buffer.length) break;
            let sum = 0;
            for (let j = i; j < i + 2 + len; j++) sum += buffer.charCodeAt(j);
            if (sum !== ((buffer.charCodeAt(i + 2 + len) << 8) | buffer.charCodeAt(i + 3 + len))) {
              error = 'PMS5003: checksum mismatch';
              i++;
              continue;
            }
            if (len === 28) {
              done(undefined, {
                pm1: (buffer.charCodeAt(i + 10) << 8) | buffer.charCodeAt(i + 11),
                pm25: (buffer.charCodeAt(i + 12) << 8) | buffer.charCodeAt(i + 13),
                pm10: (buffer.charCodeAt(i + 14) << 8) | buffer.charCodeAt(i + 15),
              });
              if (gap < 60) return true;
              port.write([0x42, 0x4d, 0xe4, 0, 0, 1, 0x73]);
              asleep = true;
              setTimeout(
                function () {
                  if (!asleep) return;
                  port.write([0x42, 0x4d, 0xe4, 0, 1, 1, 0x74]);
                  asleep = false;
                  woke = getTime();
                },
                (gap - 35) * 1000,
              );
              return true;
            }
            i += 4 + len;
          }
          return error;
        },
        done,
      );
    },
  };
}
