// An analog input: analogRead (0..1) x scale + offset, e.g. a light sensor or a battery
// divider.
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

export function analog(s: SensorConfig): Driver {
  return {
    read: function (done: Done) {
      const scale = s.scale === undefined ? 1 : s.scale;
      done(undefined, one(s.measurement!, analogRead(s.pin!) * scale + (s.offset || 0)));
    },
  };
}
