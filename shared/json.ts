// JSON text that is pure ASCII: non-ASCII characters go out as \uXXXX escapes. Espruino's
// strings are 8-bit, so a raw "\u00b0" would leave the board as the Latin-1 byte 0xB0, not
// the UTF-8 that MQTT payloads and Home Assistant expect; an escape is the same on both.

/** A JSON string literal (with quotes) for `text`, ASCII only. */
export function jsonString(text: string): string {
  // Declared inside: on Espruino each top-level function or constant costs RAM for good.
  function hex4(c: number): string {
    return '\\u' + ('000' + c.toString(16)).slice(-4);
  }
  let out = '"';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 32 && c < 127 && c !== 34 && c !== 92) continue;
    out += text.slice(from, i);
    from = i + 1;
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else out += hex4(c);
  }
  return out + text.slice(from) + '"';
}

/** JSON for plain data (objects, arrays, strings, finite numbers, booleans, null), ASCII only. */
export function asciiJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return value === value && value !== Infinity && value !== -Infinity ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(asciiJson(value[i]));
    return '[' + items.join(',') + ']';
  }
  const o = value as { [key: string]: unknown };
  const keys = Object.keys(o);
  const fields: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (o[keys[i]] === undefined || typeof o[keys[i]] === 'function') continue;
    fields.push(jsonString(keys[i]) + ':' + asciiJson(o[keys[i]]));
  }
  return '{' + fields.join(',') + '}';
}
