// Commands a node accepts, on `roomlink/<node>/set` (JSON payload) and through the REPL
// entry point roomlinkCommand(...): one key per command. The hub checks a command before
// sending it; the firmware checks it again on arrival. Runs on Espruino: plain code.

export type NodeCommand =
  | { interval: number }
  | { identify: true }
  | { reboot: true }
  | { info: true }
  /** CO2 sensors (scd4x, mhz19): forced recalibration to this many ppm (fresh outdoor air: ~420). */
  | { calibrate: number };

export type CommandCheck = { ok: true; command: NodeCommand } | { ok: false; error: string };

/** Validates a command object: exactly one of interval (1..86400 s), identify, reboot, info, calibrate (300..5000 ppm). */
export function checkCommand(raw: unknown): CommandCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'command must be a JSON object such as {"interval":60}' };
  }
  const o = raw as { [key: string]: unknown };
  const keys = Object.keys(o);
  if (keys.length !== 1) return { ok: false, error: 'command must have exactly one key: interval, identify, reboot, info or calibrate' };
  const key = keys[0];
  const v = o[key];
  if (key === 'interval') {
    if (typeof v !== 'number' || !(v >= 1 && v <= 86400)) return { ok: false, error: 'interval: must be 1..86400 seconds' };
    return { ok: true, command: { interval: v } };
  }
  if (key === 'calibrate') {
    if (typeof v !== 'number' || !(v >= 300 && v <= 5000) || Math.floor(v) !== v)
      return { ok: false, error: 'calibrate: must be the CO2 the sensor sees now, 300..5000 ppm (fresh outdoor air: about 420)' };
    return { ok: true, command: { calibrate: v } };
  }
  // Written out, not a table: on Espruino a top-level array would stay in RAM for good.
  if (key === 'identify' || key === 'reboot' || key === 'info') {
    if (v !== true) return { ok: false, error: key + ': must be true' };
    return { ok: true, command: o as NodeCommand };
  }
  return { ok: false, error: 'unknown command (use interval, identify, reboot, info or calibrate)' };
}

/** A command from text (an MQTT payload): JSON, then checkCommand. */
export function parseCommand(text: string): CommandCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (_) {
    return { ok: false, error: 'command is not JSON' };
  }
  return checkCommand(raw);
}
