import { describe, expect, it } from 'vitest';
import { parse } from 'acorn';
import { generate } from 'astring';
import { moveBootOnly, moveOnDemand } from '../tools/toolchain/boot-only.ts';
import { minifyForEspruino, placeBootOnly } from '../tools/toolchain/espruino-bundle.ts';

/** The parsed program, typed as the toolchain's passes take it. */
function program(code: string): Parameters<typeof moveBootOnly>[0] {
  return parse(code, { ecmaVersion: 5, sourceType: 'script' }) as unknown as Parameters<typeof moveBootOnly>[0];
}

/** Runs `moveBootOnly` on an IIFE with `inner` as its body; returns what moved and the code after. */
function move(inner: string): { moved: string[]; code: string } {
  const p = program(`(function () {\n${inner}\n})();`);
  const moved = moveBootOnly(p, 'start');
  return { moved: moved.sort(), code: generate(p) };
}

describe('boot-only functions (tools/toolchain/boot-only.ts)', () => {
  it('moves into start() what only start() calls, directly or through a function moved', () => {
    const { moved, code } = move(`
      var config;
      function check(c) { return helper(c) ? c : undefined; }
      function helper(c) { return typeof c === 'object'; }
      function tick() { config.n++; }
      function start() { config = check({ n: 0 }); setInterval(tick, 1000); }
      start();`);
    expect(moved).toEqual(['check', 'helper']);
    // Still where the program can see them, and the program still runs the same.
    const run = new Function('setInterval', `${code}; return 1;`);
    expect(run(() => 0)).toBe(1);
    expect(code.indexOf('function helper')).toBeGreaterThan(code.indexOf('function start'));
  });

  it('leaves a function used as a value, called at runtime, or making a lasting closure', () => {
    const { moved } = move(`
      function passed() {}
      function runtime() {}
      function makesClosure(x) { return function () { return x; }; }
      function usesForEach(a) { a.forEach(function (x) { return x; }); }
      function tick() { runtime(); }
      function start() { setTimeout(passed, 1); runtime(); makesClosure(1); usesForEach([1]); setInterval(tick, 1); }
      start();`);
    expect(moved).toEqual(['usesForEach']);
  });

  it('does not move a function whose free name start() would shadow', () => {
    const { moved } = move(`
      var n = 1;
      function usesN() { return n; }
      function start() { var n = 2; return usesN(); }
      start();`);
    expect(moved).toEqual([]);
  });

  it('refuses a start() that makes a closure outliving it, which would keep every function moved', () => {
    expect(() => move('function start() { setTimeout(function () {}, 1); } start();')).toThrow(/could outlive it/);
    // Callbacks of array methods and functions it only calls are fine.
    expect(() => move('function start() { [1].forEach(function (x) {}); function h() {} h(); } start();')).not.toThrow();
  });

  it("marks start()'s calls of top-level functions so terser does not inline them into it", async () => {
    const source = `// banner
(function () {
  var sock;
  function connect() { sock = { on: function (fn) { return fn; } }; }
  function check(c) { return c > 0; }
  function start() { if (!check(Math.random())) return void setTimeout(start, 10); connect(); }
  start();
})();`;
    const placed = placeBootOnly(source, 'start');
    expect(placed).toContain('/*@__NOINLINE__*/ connect()');
    const minified = await minifyForEspruino(placed, [], undefined, {}, 'start');
    // connect() makes a closure: had terser put it inside start(), the check would fail the build.
    expect(minified).toMatch(/function start\(\)/);
  });
  it('moves into an on-demand host what only it calls, though the host keeps a closure for a while', () => {
    const p = program(`(function () {
      var streaming;
      function chunk(i) { return i < 2 ? title(i) : undefined; }
      function title(i) { return 'piece ' + i; }
      function shared(x) { return x; }
      function discover() { var n = shared(0); streaming = function () { return chunk(n++); }; }
      function tick() { var x = shared(streaming) && streaming(); if (x) print(x); }
      function start() { discover(); setInterval(tick, 1); }
      start();
    })();`);
    moveBootOnly(p, 'start');
    expect(moveOnDemand(p, 'discover').sort()).toEqual(['chunk', 'title']);
    const code = generate(p);
    expect(code.indexOf('function title')).toBeGreaterThan(code.indexOf('function discover'));
    // The producer still reaches what moved: the program prints the same pieces.
    const printed: unknown[] = [];
    const ticks: Array<() => void> = [];
    new Function('print', 'setInterval', code)(
      (x: unknown) => printed.push(x),
      (fn: () => void) => ticks.push(fn),
    );
    for (let i = 0; i < 3; i++) ticks[0]!();
    expect(printed).toEqual(['piece 0', 'piece 1']);
  });
});
