// Strictness: the standard built-ins that Espruino 2v29 does not have are removed from the
// program's context, so code that relies on them fails on the host as it would on a board.
// The list was produced by checking `typeof` of every standard global, static and (through an
// instance, since Espruino hides prototypes) method of Node 20 on the real interpreter.
// Kept, knowingly: RegExp.prototype flag getters (V8's own String.replace needs them),
// Function.prototype.arguments/caller (V8-restricted), each function's own `name`, and the
// non-configurable typed-array prototype constant BYTES_PER_ELEMENT.
import vm from 'node:vm';

/** Paths (from the context's global) that do not exist on Espruino. `%TypedArray%` is the shared typed-array parent. */
export const MISSING_ON_ESPRUINO: readonly string[] = [
  // globals
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'Symbol',
  'Proxy',
  'Reflect',
  'BigInt',
  'BigInt64Array',
  'BigUint64Array',
  'SharedArrayBuffer',
  'Atomics',
  'Intl',
  'WebAssembly',
  'RangeError',
  'EvalError',
  'URIError',
  'AggregateError',
  'Iterator',
  'encodeURI',
  'decodeURI',
  'escape',
  'unescape',
  // Node-only or newer globals a vm context may carry
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'structuredClone',
  'TextEncoder',
  'TextDecoder',
  'URL',
  // Object
  'Object.getOwnPropertySymbols',
  'Object.hasOwn',
  'Object.is',
  'Object.preventExtensions',
  'Object.seal',
  'Object.freeze',
  'Object.isExtensible',
  'Object.isFrozen',
  'Object.isSealed',
  'Object.groupBy',
  'Object.prototype.isPrototypeOf',
  'Object.prototype.propertyIsEnumerable',
  'Object.prototype.toLocaleString',
  // Array
  'Array.from',
  'Array.of',
  'Array.fromAsync',
  'Array.prototype.at',
  'Array.prototype.copyWithin',
  'Array.prototype.findLast',
  'Array.prototype.findLastIndex',
  'Array.prototype.lastIndexOf',
  'Array.prototype.keys',
  'Array.prototype.entries',
  'Array.prototype.values',
  'Array.prototype.flat',
  'Array.prototype.flatMap',
  'Array.prototype.reduceRight',
  'Array.prototype.toLocaleString',
  'Array.prototype.toReversed',
  'Array.prototype.toSorted',
  'Array.prototype.toSpliced',
  'Array.prototype.with',
  // String
  'String.fromCodePoint',
  'String.raw',
  'String.prototype.at',
  'String.prototype.codePointAt',
  'String.prototype.isWellFormed',
  'String.prototype.toWellFormed',
  'String.prototype.localeCompare',
  'String.prototype.matchAll',
  'String.prototype.normalize',
  'String.prototype.search',
  'String.prototype.trimStart',
  'String.prototype.trimLeft',
  'String.prototype.trimEnd',
  'String.prototype.trimRight',
  'String.prototype.toLocaleLowerCase',
  'String.prototype.toLocaleUpperCase',
  'String.prototype.anchor',
  'String.prototype.big',
  'String.prototype.blink',
  'String.prototype.bold',
  'String.prototype.fixed',
  'String.prototype.fontcolor',
  'String.prototype.fontsize',
  'String.prototype.italics',
  'String.prototype.link',
  'String.prototype.small',
  'String.prototype.strike',
  'String.prototype.sub',
  'String.prototype.sup',
  // Number
  'Number.isFinite',
  'Number.isInteger',
  'Number.isNaN',
  'Number.isSafeInteger',
  'Number.parseFloat',
  'Number.parseInt',
  'Number.MAX_SAFE_INTEGER',
  'Number.MIN_SAFE_INTEGER',
  'Number.EPSILON',
  'Number.prototype.toExponential',
  'Number.prototype.toPrecision',
  'Number.prototype.toLocaleString',
  // Math
  'Math.acosh',
  'Math.asinh',
  'Math.atanh',
  'Math.cbrt',
  'Math.expm1',
  'Math.clz32',
  'Math.cosh',
  'Math.fround',
  'Math.hypot',
  'Math.imul',
  'Math.log1p',
  'Math.log2',
  'Math.log10',
  'Math.sinh',
  'Math.tanh',
  'Math.trunc',
  // Date
  'Date.UTC',
  'Date.prototype.toDateString',
  'Date.prototype.toTimeString',
  'Date.prototype.toGMTString',
  'Date.prototype.setUTCDate',
  'Date.prototype.setUTCFullYear',
  'Date.prototype.setUTCHours',
  'Date.prototype.setUTCMilliseconds',
  'Date.prototype.setUTCMinutes',
  'Date.prototype.setUTCMonth',
  'Date.prototype.setUTCSeconds',
  'Date.prototype.getYear',
  'Date.prototype.setYear',
  'Date.prototype.toLocaleString',
  'Date.prototype.toLocaleDateString',
  'Date.prototype.toLocaleTimeString',
  // Error
  'Error.captureStackTrace',
  'Error.stackTraceLimit',
  // RegExp legacy statics
  'RegExp.input',
  'RegExp.$_',
  'RegExp.lastMatch',
  'RegExp.$&',
  'RegExp.lastParen',
  'RegExp.$+',
  'RegExp.leftContext',
  'RegExp.$`',
  'RegExp.rightContext',
  "RegExp.$'",
  'RegExp.$1',
  'RegExp.$2',
  'RegExp.$3',
  'RegExp.$4',
  'RegExp.$5',
  'RegExp.$6',
  'RegExp.$7',
  'RegExp.$8',
  'RegExp.$9',
  'RegExp.prototype.compile',
  // Promise (the prelude replaces Promise; listed so the test checks the replacement too)
  'Promise.allSettled',
  'Promise.any',
  'Promise.race',
  'Promise.withResolvers',
  'Promise.prototype.finally',
  // Binary data
  'ArrayBuffer.isView',
  'ArrayBuffer.prototype.slice',
  'ArrayBuffer.prototype.resize',
  'ArrayBuffer.prototype.transfer',
  'ArrayBuffer.prototype.transferToFixedLength',
  'DataView.prototype.getBigInt64',
  'DataView.prototype.setBigInt64',
  'DataView.prototype.getBigUint64',
  'DataView.prototype.setBigUint64',
  '%TypedArray%.from',
  '%TypedArray%.of',
  '%TypedArray%.prototype.at',
  '%TypedArray%.prototype.copyWithin',
  '%TypedArray%.prototype.entries',
  '%TypedArray%.prototype.keys',
  '%TypedArray%.prototype.values',
  '%TypedArray%.prototype.findLast',
  '%TypedArray%.prototype.findLastIndex',
  '%TypedArray%.prototype.lastIndexOf',
  '%TypedArray%.prototype.reduceRight',
  '%TypedArray%.prototype.toLocaleString',
  '%TypedArray%.prototype.toReversed',
  '%TypedArray%.prototype.toSorted',
  '%TypedArray%.prototype.with',
  ...['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'].map(
    (t) => `${t}.BYTES_PER_ELEMENT`,
  ),
];

/** Getter-only properties on prototypes (ArrayBuffer.prototype.maxByteLength/resizable) are removed too. */
const MISSING_ACCESSORS = ['ArrayBuffer.prototype.maxByteLength', 'ArrayBuffer.prototype.resizable', 'ArrayBuffer.prototype.detached'];

/** Resolves the object that owns the last segment of `path` inside the context, or undefined. */
export function ownerOf(context: vm.Context, path: string): { owner: Record<string, unknown>; key: string } | undefined {
  const parts = path.split('.');
  const key = parts.pop()!;
  let owner: unknown = vm.runInContext('this', context);
  for (const part of parts) {
    if (owner === null || owner === undefined) return undefined;
    owner = part === '%TypedArray%' ? Object.getPrototypeOf(vm.runInContext('Uint8Array', context)) : (owner as Record<string, unknown>)[part];
  }
  if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) return undefined;
  return { owner: owner as Record<string, unknown>, key };
}

/**
 * Non-configurable constants (Number.EPSILON, Uint8Array.BYTES_PER_ELEMENT, ...) cannot be
 * deleted: their constructor is replaced by an in-realm wrapper that shares the original
 * prototype (so instanceof and methods are unchanged) and carries every other static.
 */
const WRAP_CONSTRUCTOR = `(function (Orig, omit) {
  var Wrapped = function () {
    return new.target ? new Orig(...arguments) : Orig(...arguments);
  };
  Object.defineProperty(Wrapped, 'name', { value: Orig.name });
  Object.getOwnPropertyNames(Orig).forEach(function (key) {
    if (key === 'prototype' || key === 'length' || key === 'name' || omit.indexOf(key) >= 0) return;
    Object.defineProperty(Wrapped, key, Object.getOwnPropertyDescriptor(Orig, key));
  });
  Wrapped.prototype = Orig.prototype;
  Object.defineProperty(Orig.prototype, 'constructor', { value: Wrapped, writable: true, configurable: true, enumerable: false });
  Object.setPrototypeOf(Wrapped, Object.getPrototypeOf(Orig));
  return Wrapped;
})`;

/** Deletes every missing built-in from a fresh context. */
export function removeMissingBuiltins(context: vm.Context): void {
  const global = vm.runInContext('this', context) as Record<string, unknown>;
  const stuck = new Map<string, string[]>();
  for (const path of [...MISSING_ON_ESPRUINO, ...MISSING_ACCESSORS]) {
    const found = ownerOf(context, path);
    if (!found || !(found.key in found.owner)) continue;
    if (Reflect.deleteProperty(found.owner, found.key)) continue;
    const ctorName = path.split('.')[0]!;
    if (path.split('.').length === 2 && typeof global[ctorName] === 'function') {
      stuck.set(ctorName, [...(stuck.get(ctorName) ?? []), found.key]);
    }
    // Non-configurable prototype constants (Uint8Array.prototype.BYTES_PER_ELEMENT) stay.
  }
  const wrap = vm.runInContext(WRAP_CONSTRUCTOR, context) as (orig: unknown, omit: string[]) => unknown;
  for (const [name, keys] of stuck) global[name] = wrap(global[name], keys);
}
