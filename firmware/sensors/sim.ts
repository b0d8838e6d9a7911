// Plausible readings for boards without sensors and for demos: a seeded random walk that
// drifts around a typical value (Park-Miller generator, exact in doubles).
import { getMeasurement } from '../../shared/measurements.ts';
import type { SensorConfig } from '../../shared/node-config.ts';
import { one, type Done, type Driver } from './types.ts';

/** Typical value and step per reading: code, not a table, so it stays in flash. */
function typical(measurement: string): number[] {
  if (measurement === 'temperature') return [21, 0.1];
  if (measurement === 'humidity') return [45, 0.5];
  if (measurement === 'pressure') return [1013, 0.3];
  if (measurement === 'illuminance') return [300, 20];
  if (measurement === 'carbon_dioxide') return [600, 15];
  if (measurement === 'pm1') return [5, 0.8];
  if (measurement === 'pm25') return [8, 1];
  if (measurement === 'pm10') return [15, 1.5];
  if (measurement === 'distance') return [150, 20];
  if (measurement === 'voltage') return [3.3, 0.01];
  if (measurement === 'battery') return [90, 0.2];
  if (measurement === 'signal_strength') return [-60, 1];
  return [0, 1];
}

export function sim(config: SensorConfig, node: string): Driver {
  const measurement = config.measurement!;
  let seed = config.seed === undefined ? 1 : config.seed;
  if (config.seed === undefined) for (let i = 0; i < node.length; i++) seed = (seed * 31 + node.charCodeAt(i) + measurement.length) % 2147483646;
  seed = (seed % 2147483646) + 1;
  let value = typical(measurement)[0];
  let on = false;
  // Only numbers stay in this closure (one per sensor); the catalogue entry and the typical
  // pair are looked up again on each read, so they do not stay in RAM.
  return {
    read: function (done: Done) {
      seed = (seed * 16807) % 2147483647;
      const random = seed / 2147483647;
      const spec = getMeasurement(measurement)!;
      if (spec.kind === 'binary') {
        if (random < 0.2) on = !on;
        return done(undefined, one(measurement, on));
      }
      const range = typical(measurement);
      value += (random - 0.5) * 2 * range[1] + (range[0] - value) * 0.05;
      if (value < spec.min) value = spec.min;
      if (value > spec.max) value = spec.max;
      done(undefined, one(measurement, value));
    },
  };
}
