// A binary input (PIR motion, door contact): debounced by setWatch, reported on every
// change through `changed` and with each round of readings.
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

export function binary(s: SensorConfig, changed: (measurement: string, value: boolean) => void): Driver {
  const inv = !!s.invert;
  // "pullup": false for a pin with an external pull-up (ESP32 GPIO 34-39 have none inside).
  pinMode(s.pin!, s.pullup === false ? 'input' : 'input_pullup');
  let state = !!digitalRead(s.pin!) !== inv;
  setWatch(
    function (e) {
      const v = !!e.state !== inv;
      if (v === state) return;
      state = v;
      changed(s.measurement!, v);
    },
    s.pin!,
    { repeat: true, edge: 'both', debounce: s.debounce === undefined ? 50 : s.debounce },
  );
  return {
    read: function (done: Done) {
      done(undefined, one(s.measurement!, state));
    },
  };
}
