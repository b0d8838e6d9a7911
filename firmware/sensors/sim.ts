// Plausible readings for boards without sensors and for demos: a seeded random walk that
// drifts around a typical value (Park-Miller generator, exact in doubles).
import { getMeasurement } from '../../shared/measurements.ts';
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

// typical value, step per reading
const TYPICAL: { [m: string]: number[] } = {
  temperature: [21, 0.1],
  humidity: [45, 0.5],
  pressure: [1013, 0.3],
  illuminance: [300, 20],
  carbon_dioxide: [600, 15],
  pm25: [8, 1],
  pm10: [15, 1.5],
  voltage: [3.3, 0.01],
  battery: [90, 0.2],
  signal_strength: [-60, 1],
};

export function sim(s: SensorConfig, node: string): Driver {
  const m = s.measurement!;
  const spec = getMeasurement(m)!;
  let x = s.seed === undefined ? 1 : s.seed;
  if (s.seed === undefined) for (let i = 0; i < node.length; i++) x = (x * 31 + node.charCodeAt(i) + m.length) % 2147483646;
  x = (x % 2147483646) + 1;
  const t = TYPICAL[m] || [0, 1];
  let v = t[0];
  let on = false;
  function rnd(): number {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  }
  return {
    read: function (done: Done) {
      if (spec.kind === 'binary') {
        if (rnd() < 0.2) on = !on;
        return done(undefined, one(m, on));
      }
      v += (rnd() - 0.5) * 2 * t[1] + (t[0] - v) * 0.05;
      if (v < spec.min) v = spec.min;
      if (v > spec.max) v = spec.max;
      done(undefined, one(m, v));
    },
  };
}
