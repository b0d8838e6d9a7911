import { describe, expect, it } from 'vitest';
import { checkEspruinoSafety } from '../tools/toolchain/espruino-check.ts';
import { bundleForEspruino, EspruinoBuildError } from '../tools/toolchain/espruino-bundle.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('Espruino-safety check', () => {
  it.each([
    ['var m = new Map();', 'Map'],
    ['var s = new Set([1]);', 'Set'],
    ['var k = Symbol("x");', 'Symbol'],
    ['var a = Array.from("ab");', 'Array.from'],
    ['Object.freeze({});', 'Object.freeze'],
    ['var n = Number.isInteger(1);', 'Number.isInteger'],
    ['var t = Math.trunc(1.5);', 'Math.trunc'],
    ['p.finally(function () {});', '.finally()'],
    ['Promise.race([]);', 'Promise.race'],
    ['[[1]].flat();', '.flat()'],
    ['"a".trimStart();', '.trimStart()'],
    ['setImmediate(function () {});', 'setImmediate'],
    ['var a = [1, , 2];', 'holes'],
    ['a.length = 0;', '.length'],
    ['outer: for (;;) { break outer; }', 'label'],
    ['function f(a) { if (a) { var i = 5; } i = 7; }', "'var i' is declared inside a block"],
    ['function f() { for (var i = 0; i < 2; i++) {} }', "'var i' is declared inside a block"],
    ['f(); function f() {}', "'f' is used before its function declaration"],
    ['function g() { h(); function h() {} }', "'h' is used before"],
    ['var x = require("mqtt");', 'not a module built into Espruino'],
    ['var x = require(name);', 'literal module name'],
    ['var r = /ab?c/;', "'?' quantifier"],
    ['var r = /a{2,3}/;', '{n,m}'],
    ['var r = /(?:ab)/;', '(?...)'],
    ['var r = /\\bword/;', 'backspace'],
    ['var r = /(ab)+/;', 'quantifier on a group'],
    ['var s = "\u00b0C";', 'non-ASCII'],
    ['function f() { return arguments.length; }', 'arguments'],
    ['var x = __spreadArray([], a);', '__spreadArray'],
    ['var x = Array.prototype.slice.call(a);', 'Array.prototype'],
    ['let x = 1;', 'does not parse as ES5'],
    ['var f = (a) => a;', 'does not parse as ES5'],
    ['var o = { ...a };', 'does not parse as ES5'],
    ['var v = a?.b;', 'does not parse as ES5'],
    ['async function f() {}', 'does not parse as ES5'],
    ['class A {}', 'does not parse as ES5'],
    ['export var a = 1;', 'does not parse as ES5'],
  ])('flags %j', (code, expected) => {
    const problems = checkEspruinoSafety(code);
    expect(problems.join('\n')).toContain(expected);
  });

  it.each([
    'function f() {} f();',
    'var s = "\\u00b0C"; var r = /ab*c/; var m = {}; m.map = 1;',
    'var W = require("Wifi"); var S = require("Storage"); var n = require("net");',
    'var a = [1, 2].find(function (x) { return x > 1; }); var p = Promise.all([]);',
    'var f = function () { return g(); }; function g() { return 1; }',
    'var o = { at: 1 }; o.size = 2; var str = "abc".lastIndexOf("c");',
  ])('passes %j', (code) => {
    expect(checkEspruinoSafety(code)).toEqual([]);
  });
});

describe('shared/ built the way the firmware is', () => {
  it('bundles to Espruino-safe ES5', async () => {
    const code = await bundleForEspruino({ entry: 'shared/index.ts', globalName: 'roomlinkShared' });
    expect(checkEspruinoSafety(code)).toEqual([]);
    expect(code).not.toMatch(/\b(import|export)\b\s/);
  });

  it('refuses TypeScript that needs unsafe helpers, naming the construct', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-build-'));
    const cases: [string, string][] = [
      ['export function f(...xs: number[]) { return xs; }', 'arguments'],
      ['export function f(a: number[]) { return [...a, 1]; }', 'array or call spread'],
      ['class A {} export class B extends A {}', 'class extends'],
      ['export async function f() { return 1; }', 'async/await'],
      ['export function f(o: {a: number}) { const { a } = o; return { ...o, a }; }', 'object spread'],
      ['export const m = new Map<string, number>();', 'Map'],
    ];
    for (const [source, expected] of cases) {
      const entry = join(dir, `case${cases.findIndex((c) => c[0] === source)}.ts`);
      writeFileSync(entry, source);
      const error = await bundleForEspruino({ entry }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, source).toBeInstanceOf(EspruinoBuildError);
      expect((error as Error).message, source).toContain(expected);
    }
  });

  it('moves every var to the top of its function, so a var in a skipped block still exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-build-'));
    const entry = join(dir, 'vars.ts');
    // What a minifier may produce from two loops: the second reuses the first one's `var`.
    writeFileSync(
      entry,
      'export function f(a: boolean): number { if (a) { for (var i = 0; i < 2; i++) {} } for (i = 0; i < 3; i++) {} return i; }\nexport function g(o: {[k: string]: number}) { var n = 0; for (var k in o) n += o[k]; return n; }\n',
    );
    const code = await bundleForEspruino({ entry, globalName: 'lib' });
    expect(checkEspruinoSafety(code)).toEqual([]);
    const lib = new Function(`${code}; return lib;`)() as { f(a: boolean): number; g(o: object): number };
    expect(lib.f(false)).toBe(3);
    expect(lib.g({ a: 1, b: 2 })).toBe(3);
    expect(code).toMatch(/function f\(a\) \{\s*var i;/);
  });

  it('moves function declarations before their use and keeps require literal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-build-'));
    const entry = join(dir, 'main.ts');
    writeFileSync(entry, 'const S = require("Storage");\nrun();\nfunction run() { S.write("x", helper()); }\nfunction helper() { return "1"; }\n');
    const code = await bundleForEspruino({ entry });
    expect(code).toContain('require("Storage")');
    expect(code).not.toContain('__require');
    expect(code.indexOf('function run')).toBeLessThan(code.indexOf('run();'));
    expect(checkEspruinoSafety(code)).toEqual([]);
  });
});
