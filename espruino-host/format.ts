// How console.log/print render values on Espruino (checked on 2v29): strings raw, arrays as
// `[ 1, "a" ]`, objects as `{ "a": 1 }`, typed arrays as `new Uint8Array([1, 2])`, errors via
// toString. Espruino wraps long objects over several lines; this keeps them on one line.

function isErrorLike(value: object): boolean {
  return typeof (value as { message?: unknown }).message === 'string' && '__espruinoName' in value;
}

function render(value: unknown, nested: boolean, seen: Set<unknown>): string {
  if (typeof value === 'string') return nested ? JSON.stringify(value) : value;
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'function () {…}';
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '~';
  seen.add(value);
  try {
    if (isErrorLike(value)) return String(value);
    if (ArrayBuffer.isView(value)) {
      const name = Object.prototype.toString.call(value).slice(8, -1);
      return `new ${name}([${Array.prototype.join.call(value, ', ')}])`;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return '[  ]';
      return `[ ${value.map((v) => render(v, true, seen)).join(', ')} ]`;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return '{  }';
    return `{ ${keys.map((k) => `${JSON.stringify(k)}: ${render((value as Record<string, unknown>)[k], true, seen)}`).join(', ')} }`;
  } finally {
    seen.delete(value);
  }
}

/** One console.log line (without the line end). */
export function formatLogLine(args: unknown[]): string {
  return args.map((a) => render(a, false, new Set())).join(' ');
}

/** Text for an uncaught value: "Uncaught Error: boom", "Uncaught str". */
export function formatUncaught(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toString?: unknown }).toString === 'function' && 'message' in value) {
    return `Uncaught ${String(value)}`;
  }
  return `Uncaught ${render(value, false, new Set())}`;
}
