// Maxim DS18B20 on a 1-Wire pin (one device per pin): convert, wait 750 ms, read the
// scratchpad and check its CRC.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crcMaxim } from './crc.ts';
import type { Done, Driver } from './types.ts';

export function ds18b20(s: SensorConfig): Driver {
  let ow: OneWire | undefined;
  const where = 'DS18B20 on GPIO ' + s.pin;
  return {
    read: function (done: Done) {
      if (!ow) ow = new OneWire(s.pin!);
      const w = ow;
      if (!w.reset()) return done('no ' + where);
      w.skip();
      w.write(0x44, true);
      setTimeout(function () {
        if (!w.reset()) return done('no ' + where);
        w.skip();
        w.write(0xbe);
        const d = w.read(9) as Uint8Array;
        if (crcMaxim(d, 8) !== d[8]) return done(where + ': CRC mismatch');
        done(undefined, { temperature: (((d[1] << 24) >> 16) | d[0]) / 16 });
      }, 750);
    },
  };
}
