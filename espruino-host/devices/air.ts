// A simulated room for CO2, particle and presence sensors. The air: a drifting baseline
// (CO2 ~450-700 ppm, PM2.5 ~3-10 µg/m³) and, now and then, someone cooking: over about 4
// minutes CO2 rises by 500-1,300 ppm and PM2.5 by 30-160 µg/m³, then both fall back with a
// time constant of about 10 minutes (PM faster than CO2, which only leaves with the air).
// Episodes are seeded: the first 60-120 s after start, then on average every 15 minutes.
// The occupant: comes and goes (minutes), moving or sitting still at 0.8-3.5 m.
import { drifting, seededRandom } from './drift.ts';

export interface AirValues {
  co2: number; // ppm
  pm1: number; // µg/m³
  pm25: number;
  pm10: number;
  /** Whether a cooking episode is rising right now. */
  cooking: boolean;
}

interface Episode {
  start: number; // s
  co2: number; // ppm at the peak
  pm25: number; // µg/m³ at the peak
}

const RISE_S = 240;

/** How much of an episode's peak remains `t` seconds after it began (0..1). */
function shape(t: number, decayS: number): number {
  if (t < 0) return 0;
  if (t < RISE_S) return t / RISE_S;
  return Math.exp(-(t - RISE_S) / decayS);
}

export function indoorAir(options: { seed: number; now?: () => number; meanGapS?: number; firstAfterS?: number }): () => AirValues {
  const now = options.now ?? (() => Date.now() / 1000);
  const random = seededRandom(options.seed);
  const co2Base = drifting({ seed: options.seed + 1, center: 560, amplitude: 110, now });
  const pmBase = drifting({ seed: options.seed + 2, center: 6, amplitude: 3, min: 1, now });
  const meanGap = options.meanGapS ?? 900;
  const episodes: Episode[] = [];
  let next = now() + (options.firstAfterS ?? 60 + random() * 60);
  return () => {
    const t = now();
    while (next <= t) {
      episodes.push({ start: next, co2: 500 + random() * 800, pm25: 30 + random() * 130 });
      next += RISE_S + -Math.log(1 - random()) * meanGap;
    }
    // Episodes long gone no longer count.
    while (episodes.length > 0 && t - episodes[0]!.start > 4 * 3600) episodes.shift();
    let co2 = co2Base();
    let pm25 = pmBase();
    let cooking = false;
    for (const e of episodes) {
      co2 += e.co2 * shape(t - e.start, 900);
      pm25 += e.pm25 * shape(t - e.start, 420);
      if (t - e.start < RISE_S) cooking = true;
    }
    return { co2, pm1: pm25 * 0.7, pm25, pm10: pm25 * 1.35 + 2, cooking };
  };
}

/** Someone who comes and goes: a target for a presence radar, or none. */
export function occupant(options: { seed: number; now?: () => number }): () => { moving?: number; still?: number } {
  const now = options.now ?? (() => Date.now() / 1000);
  const random = seededRandom(options.seed);
  const distance = drifting({ seed: options.seed + 3, center: 210, amplitude: 130, min: 60, max: 600, now });
  let here = random() < 0.5;
  let until = now() + 30 + random() * 120;
  return () => {
    const t = now();
    while (t >= until) {
      here = !here;
      until += here ? 60 + random() * 300 : 60 + random() * 420;
    }
    if (!here) return {};
    const d = distance();
    // Sitting still most of the time, moving now and then.
    return Math.sin(t / 17) > 0.6 ? { moving: d } : { still: d };
  };
}
