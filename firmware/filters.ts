// Per-measurement publish filters from the sensor's config: moving average, delta,
// throttle and heartbeat. Pure: the caller keeps one FilterState per measurement.
import type { SensorFilters } from '../shared/node-config.ts';

export interface FilterState {
  /** Recent samples, for the moving average. */
  h?: number[];
  /** Last published value and when (seconds). */
  v?: number | boolean;
  t?: number;
}

/**
 * The value to publish at time `now`, or undefined when the filters hold it back. A change
 * of a binary value always passes (`change` marks an input's edge, which bypasses throttle).
 */
export function filterValue(
  f: SensorFilters | undefined,
  st: FilterState,
  value: number | boolean,
  now: number,
  change?: boolean,
): number | boolean | undefined {
  let v = value;
  if (f && typeof v === 'number' && f.average && f.average > 1) {
    if (!st.h) st.h = [];
    const h = st.h;
    h.push(v);
    if (h.length > f.average) h.shift();
    let sum = 0;
    for (let i = 0; i < h.length; i++) sum += h[i];
    v = sum / h.length;
  }
  if (f && st.t !== undefined && !change) {
    const age = now - st.t;
    if (f.throttle && age < f.throttle) return undefined;
    const beat = f.heartbeat && age >= f.heartbeat;
    if (!beat && f.delta !== undefined && typeof v === 'number' && Math.abs(v - (st.v as number)) < f.delta) return undefined;
  }
  st.v = v;
  st.t = now;
  return v;
}
