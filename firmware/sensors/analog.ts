// An analog input: analogRead (0..1) x scale + offset, e.g. a light sensor or a battery
// divider.
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

export function analog(config: SensorConfig): Driver {
  return {
    read: function (done: Done) {
      const scale = config.scale === undefined ? 1 : config.scale;
      done(undefined, one(config.measurement!, analogRead(config.pin!) * scale + (config.offset || 0)));
    },
  };
}
