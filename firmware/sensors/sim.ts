// Plausible readings for boards without sensors and for demos: a seeded random walk that
// drifts around a typical value (Park-Miller generator, exact in doubles).
import { getMeasurement } from '../../shared/measurements.ts';
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

/** Typical value and step per reading: code, not a table, so it stays in flash. */
function typical(m: string): number[] {
  if (m === 'temperature') return [21, 0.1];
  if (m === 'humidity') return [45, 0.5];
  if (m === 'pressure') return [1013, 0.3];
  if (m === 'illuminance') return [300, 20];
  if (m === 'carbon_dioxide') return [600, 15];
  if (m === 'pm1') return [5, 0.8];
  if (m === 'pm25') return [8, 1];
  if (m === 'pm10') return [15, 1.5];
  if (m === 'distance') return [150, 20];
  if (m === 'voltage') return [3.3, 0.01];
  if (m === 'battery') return [90, 0.2];
  if (m === 'signal_strength') return [-60, 1];
  return [0, 1];
}

export function sim(s: SensorConfig, node: string): Driver {
  const m = s.measurement!;
  let x = s.seed === undefined ? 1 : s.seed;
  if (s.seed === undefined) for (let i = 0; i < node.length; i++) x = (x * 31 + node.charCodeAt(i) + m.length) % 2147483646;
  x = (x % 2147483646) + 1;
  let v = typical(m)[0];
  let on = false;
  // Only numbers stay in this closure (one per sensor); the catalogue entry and the typical
  // pair are looked up again on each read, so they do not stay in RAM.
  return {
    read: function (done: Done) {
      x = (x * 16807) % 2147483647;
      const r = x / 2147483647;
      const spec = getMeasurement(m)!;
      if (spec.kind === 'binary') {
        if (r < 0.2) on = !on;
        return done(undefined, one(m, on));
      }
      const t = typical(m);
      v += (r - 0.5) * 2 * t[1] + (t[0] - v) * 0.05;
      if (v < spec.min) v = spec.min;
      if (v > spec.max) v = spec.max;
      done(undefined, one(m, v));
    },
  };
}
