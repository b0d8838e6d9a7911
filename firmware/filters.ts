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
  filters: SensorFilters | undefined,
  state: FilterState,
  value: number | boolean,
  now: number,
  change?: boolean,
): number | boolean | undefined {
  let filtered = value;
  if (filters && typeof filtered === 'number' && filters.average && filters.average > 1) {
    if (!state.h) state.h = [];
    const history = state.h;
    history.push(filtered);
    if (history.length > filters.average) history.shift();
    let sum = 0;
    for (let i = 0; i < history.length; i++) sum += history[i];
    filtered = sum / history.length;
  }
  if (filters && state.t !== undefined && !change) {
    const age = now - state.t;
    if (filters.throttle && age < filters.throttle) return undefined;
    const beat = filters.heartbeat && age >= filters.heartbeat;
    if (!beat && filters.delta !== undefined && typeof filtered === 'number' && Math.abs(filtered - (state.v as number)) < filters.delta) return undefined;
  }
  state.v = filtered;
  state.t = now;
  return filtered;
}
