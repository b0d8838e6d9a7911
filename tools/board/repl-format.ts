// How the REPL shows a command's value after "=" (Espruino 2v29): strings quoted, objects
// with bare keys where they are identifiers ({ freeBytes: 1, "a-b": 2 }), arrays as
// [ 1, 2 ], functions as function () { ... }. Kept on one line; the real REPL wraps long ones.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function render(value: unknown, seen: Set<unknown>): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'function () { ... }';
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return '~';
  seen.add(value);
  try {
    if (ArrayBuffer.isView(value)) {
      const name = Object.prototype.toString.call(value).slice(8, -1);
      return `new ${name}([${Array.prototype.join.call(value, ', ')}])`;
    }
    if (Array.isArray(value)) return value.length === 0 ? '[  ]' : `[ ${value.map((v) => render(v, seen)).join(', ')} ]`;
    if (typeof (value as { message?: unknown }).message === 'string') return String(value);
    const keys = Object.keys(value);
    if (keys.length === 0) return '{  }';
    return `{ ${keys.map((k) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${render((value as Record<string, unknown>)[k], seen)}`).join(', ')} }`;
  } finally {
    seen.delete(value);
  }
}

export function formatReplValue(value: unknown): string {
  return render(value, new Set());
}
