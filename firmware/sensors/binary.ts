// A binary input (PIR motion, door contact): debounced by setWatch, reported on every
// change through `changed` and with each round of readings.
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

export function binary(config: SensorConfig, changed: (measurement: string, value: boolean) => void): Driver {
  const inv = !!config.invert;
  // "pullup": false for a pin with an external pull-up (ESP32 GPIO 34-39 have none inside).
  pinMode(config.pin!, config.pullup === false ? 'input' : 'input_pullup');
  let state = !!digitalRead(config.pin!) !== inv;
  setWatch(
    function (e) {
      const value = !!e.state !== inv;
      if (value === state) return;
      state = value;
      changed(config.measurement!, value);
    },
    config.pin!,
    { repeat: true, edge: 'both', debounce: config.debounce === undefined ? 50 : config.debounce },
  );
  return {
    read: function (done: Done) {
      done(undefined, one(config.measurement!, state));
    },
  };
}
