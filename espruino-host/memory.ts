// An estimate of the Espruino variable blocks (14 bytes each on the ESP32 build) that the
// program holds. For spotting growth between two versions or over time, not an exact figure.
//
// The model, after Espruino's storage of variables:
//  - an object, array, function or Date: 1 block;
//  - each property (array elements included): 1 block for its name, and its value is
//    stored inline in that block when it is an integer that fits 32 bits, a boolean,
//    null or undefined; a non-integer number costs 1 more block;
//  - a string: 1 block holds its first 6 chars, every further 12 chars take 1 more;
//    names longer than 6 chars spill over the same way;
//  - typed arrays: 1 block for the view, 1 for the ArrayBuffer, plus its bytes as a string;
//  - function code is not counted: code from .bootcde stays in flash. A closure's captured
//    variables are invisible from JavaScript, so state held only in closures is not counted.
// Walks everything reachable from the program's global object; objects and properties that
// existed before the program started (the built-ins) are skipped, while properties the
// program adds to a built-in object are counted.

export const BLOCK_BYTES = 14;

export interface MemoryEstimate {
  blocks: number;
  strings: number;
  objects: number;
  bytes: number;
}

const INLINE_CHARS = 6;
const CHARS_PER_BLOCK = 12;

function stringBlocks(length: number): number {
  return 1 + Math.ceil(Math.max(0, length - INLINE_CHARS) / CHARS_PER_BLOCK);
}

/** Own property names (string keys, enumerable or not) of the built-ins, taken before the program runs. */
export type Baseline = Map<object, Set<string>>;

export function takeBaseline(root: object): Baseline {
  const baseline: Baseline = new Map();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const obj = stack.pop()!;
    if (baseline.has(obj)) continue;
    const keys = new Set<string>(safeKeys(obj));
    baseline.set(obj, keys);
    for (const key of keys) {
      const value = safeGet(obj, key);
      if (value !== null && (typeof value === 'object' || typeof value === 'function')) stack.push(value);
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto) stack.push(proto);
  }
  return baseline;
}

function safeKeys(obj: object): string[] {
  try {
    return Object.getOwnPropertyNames(obj);
  } catch {
    return [];
  }
}

function safeGet(obj: object, key: string): unknown {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(obj, key);
    // Getters are not run: their value is computed, not stored.
    return descriptor && 'value' in descriptor ? descriptor.value : undefined;
  } catch {
    return undefined;
  }
}

function isInline(value: unknown): boolean {
  if (value === null || value === undefined || typeof value === 'boolean') return true;
  return typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff;
}

export function estimateMemory(root: object, baseline: Baseline): MemoryEstimate {
  const seen = new Set<object>();
  let blocks = 0;
  let strings = 0;
  let objects = 0;

  const visitValue = (value: unknown, stack: object[]) => {
    if (isInline(value)) return;
    if (typeof value === 'number') blocks += 1;
    else if (typeof value === 'string') {
      blocks += stringBlocks(value.length);
      strings++;
    } else if (typeof value === 'object' || typeof value === 'function') stack.push(value as object);
  };

  const stack: object[] = [root];
  while (stack.length > 0) {
    const obj = stack.pop()!;
    if (seen.has(obj)) continue;
    seen.add(obj);
    const builtinKeys = baseline.get(obj);
    if (!builtinKeys) {
      objects++;
      blocks += 1;
      if (ArrayBuffer.isView(obj)) {
        blocks += 1 + Math.ceil(obj.byteLength / CHARS_PER_BLOCK);
        continue;
      }
      const proto = Object.getPrototypeOf(obj);
      if (proto) stack.push(proto);
    }
    for (const key of safeKeys(obj)) {
      if (builtinKeys?.has(key)) continue;
      if (typeof obj === 'function' && (key === 'length' || key === 'name' || (key === 'prototype' && isEmptyPrototype(obj)))) continue;
      if (Array.isArray(obj) && key === 'length') continue;
      blocks += key.length > INLINE_CHARS ? stringBlocks(key.length) : 1;
      visitValue(safeGet(obj, key), stack);
    }
  }
  return { blocks, strings, objects, bytes: blocks * BLOCK_BYTES };
}

/** A function's automatic `prototype` (only `constructor`) costs nothing until it is used. */
function isEmptyPrototype(fn: object): boolean {
  const proto = safeGet(fn, 'prototype');
  return !proto || (typeof proto === 'object' && safeKeys(proto).every((k) => k === 'constructor'));
}
