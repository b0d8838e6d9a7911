// Seeded, slowly drifting values for simulated sensors: a slow sine (period of hours)
// plus a smaller, faster one and a little seeded noise, so readings look alive but stay
// plausible and are reproducible for a given seed.

/** mulberry32: small, fast, good enough for simulation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** value(t) around `center` within ±`amplitude`, clamped to [min, max]. */
export function drifting(options: { seed: number; center: number; amplitude: number; min?: number; max?: number; now?: () => number }): () => number {
  const random = seededRandom(options.seed);
  const phase1 = random() * Math.PI * 2;
  const phase2 = random() * Math.PI * 2;
  const period1 = 3 * 3600 + random() * 3 * 3600; // 3–6 h
  const period2 = 10 * 60 + random() * 20 * 60; // 10–30 min
  const now = options.now ?? (() => Date.now() / 1000);
  return () => {
    const t = now();
    const slow = Math.sin((2 * Math.PI * t) / period1 + phase1) * 0.7;
    const fast = Math.sin((2 * Math.PI * t) / period2 + phase2) * 0.25;
    const noise = (random() - 0.5) * 0.1;
    const value = options.center + options.amplitude * (slow + fast + noise);
    return Math.min(options.max ?? Infinity, Math.max(options.min ?? -Infinity, value));
  };
}
