// How file bytes travel inside a REPL line: as a JS expression that evaluates to the same
// binary string on the board, ASCII-only so nothing on the line is a control byte.
// Two encodings, measured on Espruino 2v29 (Linux port) with 60 KB uploads:
//   - a string literal with \xNN escapes for anything outside printable ASCII: 1.05x the
//     bytes for minified JS (only quotes and backslashes grow), ~3x for random binary;
//   - atob("base64"): 1.37x for anything.
// Upload time grows with the bytes sent (the console is a 115200-baud UART on an ESP32), so
// each chunk takes whichever is shorter: literals for the firmware text, base64 for binary.

export interface EncodedChunk {
  offset: number;
  length: number;
  /** The JS expression, e.g. "abc\x00" or atob("..."). */
  expression: string;
}

function literalCost(byte: number): number {
  if (byte === 0x22 || byte === 0x5c) return 2; // \" and \\
  return byte >= 0x20 && byte <= 0x7e ? 1 : 4; // \xNN
}

/** A double-quoted JS string literal holding exactly these bytes (as 8-bit chars). */
export function stringLiteral(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

export function base64Expression(bytes: Uint8Array): string {
  return `atob("${Buffer.from(bytes).toString('base64')}")`;
}

const ATOB_OVERHEAD = 'atob("")'.length;

/**
 * Splits `bytes` into chunks whose expression is at most `budget` characters, each in its
 * shorter encoding. `budget` bounds the line length, and so what the board must buffer.
 */
export function encodeChunks(bytes: Uint8Array, budget: number): EncodedChunk[] {
  if (budget < 16) throw new Error('chunk budget too small');
  const chunks: EncodedChunk[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    // Longest prefix that fits as a literal.
    let literalBytes = 0;
    let cost = 2;
    while (literalBytes < remaining) {
      const next = cost + literalCost(bytes[offset + literalBytes]!);
      if (next > budget) break;
      cost = next;
      literalBytes++;
    }
    const base64Bytes = Math.min(remaining, Math.floor((budget - ATOB_OVERHEAD) / 4) * 3);
    const slice = bytes.subarray(offset, offset + Math.max(literalBytes, base64Bytes));
    const expression = literalBytes >= base64Bytes ? stringLiteral(slice) : base64Expression(slice);
    chunks.push({ offset, length: slice.length, expression });
    offset += slice.length;
  }
  return chunks;
}
