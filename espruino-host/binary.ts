// Espruino strings are 8-bit: every conversion between program values and bytes goes
// through here so the rules (latin1, numbers are single bytes, arrays flatten) live in one place.

/** Bytes of a binary string (chars 0..255; higher chars keep their low byte, as on an 8-bit build). */
export function bytesOfBinaryString(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** A binary string holding exactly these bytes. */
export function binaryStringOfBytes(bytes: ArrayLike<number>): string {
  let text = '';
  // Chunked: String.fromCharCode.apply has an argument-count limit.
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, i, i + 8192) as number[]);
  }
  return text;
}

function isTypedArrayLike(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/**
 * Flattens data the way Espruino's I2C/OneWire/E.toUint8Array accept it: numbers are one
 * byte, strings are their char codes, arrays and typed arrays are walked, `{data, count}`
 * repeats `data`. Works on values from any realm (the program's context included).
 */
export function flattenBytes(...values: unknown[]): number[] {
  const out: number[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'number' || typeof value === 'boolean') out.push(Number(value) & 0xff);
    else if (typeof value === 'string') for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) & 0xff);
    else if (isTypedArrayLike(value)) {
      const view = ArrayBuffer.isView(value)
        ? new Uint8Array(Array.prototype.slice.call(value as ArrayLike<number>) as number[])
        : new Uint8Array(value as unknown as ArrayBuffer);
      for (const b of view) out.push(b & 0xff);
    } else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value && typeof value === 'object' && 'data' in value) {
      const { data, count } = value as { data: unknown; count?: number };
      for (let i = 0; i < (count ?? 1); i++) visit(data);
    } else if (value !== undefined && value !== null) out.push(Number(value) & 0xff);
  };
  for (const value of values) visit(value);
  return out;
}

/** Storage.write() data: strings as-is, arrays/typed arrays as bytes, numbers as one byte, objects as JSON (measured). */
export function storageBytes(data: unknown): Uint8Array {
  if (typeof data === 'string') return bytesOfBinaryString(data);
  if (typeof data === 'number') return Uint8Array.of(data & 0xff);
  if (isTypedArrayLike(data) || Array.isArray(data)) return Uint8Array.from(flattenBytes(data));
  return bytesOfBinaryString(JSON.stringify(data) ?? String(data));
}
