// Maxim DS18B20 on a 1-Wire pin (one device per pin): convert, wait 750 ms, read the
// scratchpad and check its CRC.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crcMaxim } from './crc.ts';
import type { Done, Driver } from './types.ts';

export function ds18b20(config: SensorConfig): Driver {
  let oneWire: OneWire | undefined;
  const where = 'DS18B20 on GPIO ' + config.pin;
  return {
    read: function (done: Done) {
      if (!oneWire) oneWire = new OneWire(config.pin!);
      const wire = oneWire;
      if (!wire.reset()) return done('no ' + where);
      wire.skip();
      wire.write(0x44, true);
      setTimeout(function () {
        if (!wire.reset()) return done('no ' + where);
        wire.skip();
        wire.write(0xbe);
        const data = wire.read(9) as Uint8Array;
        if (crcMaxim(data, 8) !== data[8]) return done(where + ': CRC mismatch');
        done(undefined, { temperature: (((data[1] << 24) >> 16) | data[0]) / 16 });
      }, 750);
    },
  };
}
