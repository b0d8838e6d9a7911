// The host Espruino runtime against behaviour measured on Espruino 2v29: strict built-ins,
// Storage, net on real sockets, timers, watches, deep sleep, WiFi and output.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MISSING_ON_ESPRUINO } from '../espruino-host/globals.ts';
import { EventLoop } from '../espruino-host/loop.ts';
import { EspruinoRuntime, type EspruinoRuntimeOptions } from '../espruino-host/runtime.ts';
import { freePort, waitFor } from '../bench/helpers/wait.ts';

interface Harness {
  rt: EspruinoRuntime;
  dir: string;
  /** Everything printed so far. */
  output(): string;
  waitForOutput(text: string, timeoutMs?: number): Promise<string>;
}

const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function start(options: Partial<EspruinoRuntimeOptions> = {}, dir?: string, beforeBoot?: (rt: EspruinoRuntime) => void): Harness {
  const storageDir = dir ?? mkdtempSync(join(tmpdir(), 'roomlink-espruino-'));
  let printed = '';
  const rt = new EspruinoRuntime({ storageDir, onOutput: (t) => (printed += t), ...options });
  cleanups.push(() => rt.stop());
  if (!dir) cleanups.push(() => rmSync(storageDir, { recursive: true, force: true }));
  beforeBoot?.(rt);
  rt.boot();
  return {
    rt,
    dir: storageDir,
    output: () => printed,
    waitForOutput: (text, timeoutMs = 5000) => waitFor(`output ${JSON.stringify(text)}`, () => (printed.includes(text) ? printed : undefined), timeoutMs),
  };
}

/** `typeof` of a built-in path, evaluated in the program's context. */
function typeofExpression(path: string): string {
  const parts = path.split('.');
  const index = (obj: string, key: string) => `${obj}[${JSON.stringify(key)}]`;
  if (parts[0] === '%TypedArray%') {
    return parts[1] === 'prototype' ? `typeof ${index('new Uint8Array(1)', parts[2]!)}` : `typeof ${index('Uint8Array', parts[1]!)}`;
  }
  if (parts.length === 1) return `typeof ${parts[0]}`;
  const root = parts[0]!;
  const owner = parts.slice(0, -1).join('.');
  return `typeof ${root} === "undefined" ? "undefined" : typeof ${index(owner, parts.at(-1)!)}`;
}

describe('strict built-ins', () => {
  const h = () => start();

  it.each(MISSING_ON_ESPRUINO.map((path) => [path]))('%s is missing, as on Espruino', (path) => {
    expect(h().rt.run(typeofExpression(path))).toBe('undefined');
  });

  it.each([
    ['Promise.prototype.then via an instance', 'typeof Promise.resolve(1).then', 'function'],
    ['Promise.all', 'typeof Promise.all', 'function'],
    ['JSON round trip', 'JSON.stringify(JSON.parse("{\\"a\\":[1,2]}"))', '{"a":[1,2]}'],
    ['Object.assign', 'JSON.stringify(Object.assign({a:1},{b:2}))', '{"a":1,"b":2}'],
    ['Object.keys/values/entries', 'JSON.stringify([Object.keys({a:1}),Object.values({a:1}),Object.entries({a:1})])', '[["a"],[1],[["a",1]]]'],
    [
      'typed arrays',
      'var u = new Uint8Array([1,2,300]); u instanceof Uint8Array && u.length === 3 && u[2] === 44 && new DataView(u.buffer).getUint8(1) === 2',
      true,
    ],
    ['Number still converts', 'Number("5") === 5 && new Number(5) instanceof Number && Number.MAX_VALUE > 1e300', true],
    ['array methods', '[3,1,2].sort().concat([4]).filter(function(x){return x>1}).map(function(x){return x*2}).join()', '4,6,8'],
    ['string methods', '"7".padStart(3,"0") + "ab".repeat(2) + " x ".trim()', '007ababx'],
    ['Array.isArray', 'Array.isArray([])', true],
  ])('%s works', (_name, code, expected) => {
    expect(h().rt.run(code)).toBe(expected);
  });

  it('removes only what is listed: a present method stays callable after the strictness pass', () => {
    expect(h().rt.run('[1,2,3].includes(2) && [1,2].find(function(x){return x>1}) === 2')).toBe(true);
  });

  it('E.CRC32 gives the values measured on the interpreter', () => {
    const { rt } = h();
    expect(rt.run('E.CRC32("abc")')).toBe(891568578);
    expect(rt.run('E.CRC32("hello world")')).toBe(222957957);
    expect(rt.run('E.CRC32([1,2,3])')).toBe(1438416925);
  });

  it('errors have no name property but print as "TypeError: ..."', () => {
    const { rt } = h();
    expect(rt.run('var e = new TypeError("t"); [typeof e.name, String(e), String(new Error("x")), String(new InternalError("i"))].join("|")')).toBe(
      'undefined|TypeError: t|Error: x|InternalError: i',
    );
  });

  it('Object.defineProperty ignores enumerable:false, as on Espruino', () => {
    expect(h().rt.run('var o = {}; Object.defineProperty(o, "x", {value: 1, enumerable: false}); Object.keys(o).join()')).toBe('x');
  });

  it('emit() delivers later, from the event queue', async () => {
    const { rt, waitForOutput, output } = h();
    rt.run('var o = {}; o.on("x", function (a, b) { print("got", a, b); }); o.emit("x", 1, 2); print("after emit");');
    await waitForOutput('got 1 2');
    expect(output()).toBe('after emit\r\ngot 1 2\r\n');
  });

  it('promise reactions run from the event queue and unhandled rejections print Uncaught', async () => {
    const { rt, waitForOutput, output } = h();
    rt.run('Promise.resolve(1).then(function (v) { print("then", v); }); print("sync"); Promise.reject(new Error("rej"));');
    await waitForOutput('Unhandled promise rejection');
    expect(output()).toContain('sync\r\nthen 1\r\n');
    expect(output()).toContain('Uncaught Error: Unhandled promise rejection: Error: rej\r\n');
  });

  it('require() has only the board built-ins', () => {
    const linux = start();
    expect(linux.rt.run('try { require("Wifi"); "no" } catch (e) { e.message }')).toBe('Module "Wifi" not found');
    expect(linux.rt.run('try { require("mqtt"); "no" } catch (e) { e.message }')).toBe('Module "mqtt" not found');
    expect(linux.rt.run('typeof require("Storage").write + typeof require("net").connect')).toBe('functionfunction');
    const esp32 = start({ board: 'esp32' });
    expect(esp32.rt.run('typeof require("Wifi").connect + typeof require("ESP32").deepSleep + process.env.BOARD')).toBe('functionfunctionESP32');
  });
});

describe('output', () => {
  it('console.log and print reach onOutput with \\r\\n line ends, Espruino-formatted', () => {
    const { rt, output } = start();
    const events: string[] = [];
    rt.on('output', (t: string) => events.push(t));
    rt.run('console.log("hi", 1, [1, "a"], {a: true}); print("p");');
    expect(output()).toBe('hi 1 [ 1, "a" ] { "a": true }\r\np\r\n');
    expect(events).toEqual(['hi 1 [ 1, "a" ] { "a": true }\r\n', 'p\r\n']);
  });
});

describe('8-bit strings and the watchdog', () => {
  it('source text reaches the interpreter as UTF-8 bytes, as an upload to the 8-bit ESP32 build does', () => {
    const { rt } = start();
    expect(rt.run('"°C".length')).toBe(3);
  });

  it('a manual watchdog that is not kicked reboots the board', async () => {
    const { rt, waitForOutput } = start();
    const rebooted = new Promise<void>((resolve) => rt.once('reboot', () => resolve()));
    rt.run('require("Storage").write(".bootcde", "print(\\"rebooted\\")"); E.enableWatchdog(0.1, false);');
    await rebooted;
    await waitForOutput('rebooted');
  });
});

describe('Storage', () => {
  it('round-trips every byte 0..255, in the program and in the file on disk', () => {
    const { rt, dir } = start();
    const ok = rt.run(`
      var s = require("Storage"), bin = "";
      for (var i = 0; i < 256; i++) bin += String.fromCharCode(i);
      s.write("bin", bin);
      var back = s.read("bin"), same = back.length === 256;
      for (i = 0; i < 256; i++) if (back.charCodeAt(i) !== i) same = false;
      same;
    `);
    expect(ok).toBe(true);
    const expected = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(rt.storage.read('bin')).toEqual(expected);
    const onDisk = readdirSync(dir).filter((f) => readFileSync(join(dir, f)).equals(expected));
    expect(onDisk).toEqual(['bin']);
  });

  it('matches measured read/write/list semantics', () => {
    const { rt } = start();
    const result = rt.run(`
      var s = require("Storage"), r = [];
      r.push(s.read("missing") === undefined, s.readJSON("missing") === undefined);
      s.write("a", "hello");
      r.push(s.read("a", 1, 2), s.read("a", 10), s.read("a", 0, 0));
      s.write("j", "{bad"); r.push(s.readJSON("j", true) === undefined);
      try { s.readJSON("j"); r.push("no throw"); } catch (e) { r.push("threw"); }
      try { s.write("z", ""); } catch (e) { r.push(e.message); }
      s.write("b", "1"); s.write("a", "2");
      r.push(s.list().join(","), s.list("a").join(","), s.list(/^b/).join(","));
      r.push(s.writeJSON("k", {x: [1]}), JSON.stringify(s.readJSON("k")));
      r.push(s.erase("k"), s.list().indexOf("k"));
      r;
    `);
    expect(result).toEqual([
      true,
      true,
      'el',
      '',
      'hello',
      true,
      'threw',
      "Can't create zero length file",
      'j,b,a',
      'a',
      'b',
      true,
      '{"x":[1]}',
      undefined,
      -1,
    ]);
  });

  it('accounts free space like flash: a 32-byte header per file, sizes rounded to 4, erased files as trash', () => {
    const { rt } = start();
    expect(rt.run('require("Storage").getFree()')).toBe(917504);
    expect(rt.run('var s = require("Storage"); s.write("f", "hello"); s.getFree()')).toBe(917504 - 40);
    expect(rt.run('s.erase("f"); s.getFree()')).toBe(917504 - 40);
    expect(rt.run('s.compact(); s.getFree()')).toBe(917504);
  });

  it('supports the chunked upload of .bootcde with offset and size, then load() runs it', async () => {
    const { rt, waitForOutput } = start();
    const code = 'print("booted from flash " + (1 + 2));';
    const chunks = [code.slice(0, 10), code.slice(10, 25), code.slice(25)];
    let offset = 0;
    for (const chunk of chunks) {
      rt.run(`require("Storage").write(".bootcde", ${JSON.stringify(chunk)}, ${offset}, ${code.length})`);
      offset += chunk.length;
    }
    expect(rt.storage.readBinary('.bootcde')).toBe(code);
    const errors = rt.run(`
      var s = require("Storage"), r = [];
      s.write("u", "ab", 0, 6);
      try { s.write("u", "XY", 0 + 1); } catch (e) { r.push(e.message); }
      try { s.write("u", "toolong", 4); } catch (e) { r.push(e.message); }
      try { s.write("nofile", "x", 3); } catch (e) { r.push(e.message); }
      r.push(JSON.stringify(s.read("u")));
      r;
    `);
    expect(errors).toEqual([
      'File already written with different data',
      'Too much data for file size',
      'Unable to find or create file',
      JSON.stringify('ab\u00ff\u00ff\u00ff\u00ff'),
    ]);
    rt.run('load()');
    await waitForOutput('booted from flash 3\r\n');
  });

  it('silently truncates names to 28 characters', () => {
    const { rt } = start();
    const long = 'abcdefghijklmnopqrstuvwxyz0123456789';
    expect(
      rt.run(`var s = require("Storage"); s.write("${long}", "t"); [s.list().join(), s.read("${long.slice(0, 28)}"), s.read("${long.slice(0, 30)}")]`),
    ).toEqual([long.slice(0, 28), 't', 't']);
    expect(rt.storage.list()).toEqual([long.slice(0, 28)]);
  });

  it('persists across reboot() and across a new runtime on the same directory', async () => {
    const first = start();
    first.rt.run('require("Storage").write("keep", "\\x00\\xff kept")');
    first.rt.reboot();
    expect(first.rt.run('require("Storage").read("keep")')).toBe('\x00\xff kept');
    first.rt.stop();
    const second = start({}, first.dir);
    expect(second.rt.run('require("Storage").read("keep")')).toBe('\x00\xff kept');
    expect(second.rt.run('require("Storage").list().join()')).toBe('keep');
  });

  it("open('a') appends across opens; readLine and read return undefined at the end", () => {
    const { rt } = start();
    const result = rt.run(`
      var s = require("Storage");
      var f = s.open("log", "a"); f.write("line1\\nline2\\n"); f.write("partial");
      s.open("log", "a").write("more\\n");
      var r = s.open("log", "r"), lines = [], line;
      while ((line = r.readLine()) !== undefined) lines.push(line);
      var r2 = s.open("log", "r");
      [lines, r2.read(3), r2.read(1000), r2.read(3) === undefined, s.list().join(), s.list(undefined, {sf: false}).length,
       s.list(undefined, {sf: true}).join(), s.open("log", "r").getLength()];
    `);
    expect(result).toEqual([['line1\n', 'line2\n', 'partialmore\n'], 'lin', 'e1\nline2\npartialmore\n', true, 'log\x01', 0, 'log', 24]);
    // Chunks are pre-erased flash pages: the data, then 0xFF up to the chunk size.
    const chunk = rt.storage.read('log\x01')!;
    expect(chunk.length).toBe(4064);
    expect(chunk.subarray(0, 24).toString('latin1')).toBe('line1\nline2\npartialmore\n');
    expect(chunk[24]).toBe(0xff);
    expect(rt.run('var w = s.open("log", "w"); w.write("new"); s.open("log", "r").read(100)')).toBe('new');
    expect(rt.run('s.open("log", "r").erase(); s.list().join()')).toBe('');
  });

  it('spans StorageFile chunks for long appends', () => {
    const { rt } = start();
    const length = rt.run(`
      var s = require("Storage"), f = s.open("big", "w"), line = "";
      for (var i = 0; i < 100; i++) line += String.fromCharCode(65 + i % 26);
      for (i = 0; i < 50; i++) f.write(line);
      s.open("big", "r").read(100000).length;
    `);
    expect(length).toBe(5000);
    expect(rt.storage.list()).toEqual(['big\x01', 'big\x02']);
  });
});

describe('net', () => {
  async function echoServer(): Promise<{ port: number; connections: () => number; resets: () => number; closed: () => number }> {
    let connections = 0;
    let resets = 0;
    let closed = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.on('data', (d) => socket.write(d));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNRESET') resets++;
      });
      socket.on('close', () => closed++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    return { port, connections: () => connections, resets: () => resets, closed: () => closed };
  }

  it("emits 'drain' with the socket after connecting and once each write has left, as Espruino 2v29 did", async () => {
    const server = await echoServer();
    const { rt, waitForOutput, output } = start();
    // What the Linux port printed for the same program: connected, drain 1 (true), then a
    // drain after each of the three writes.
    rt.run(`
      var n = 0;
      var c = require("net").connect({host: "127.0.0.1", port: ${server.port}}, function () { print("connected"); });
      c.on("drain", function (s) {
        n++;
        print("drain " + n + " " + (s === c));
        if (n < 4) c.write("piece " + n + "\\n");
      });
    `);
    await waitForOutput('drain 4');
    expect(output()).toBe('connected\r\ndrain 1 true\r\ndrain 2 true\r\ndrain 3 true\r\ndrain 4 true\r\n');
  });

  it("emits no 'drain' at connect when the code that connected wrote at once, only once that data has left", async () => {
    const server = await echoServer();
    const { rt, waitForOutput, output } = start();
    rt.run(`
      var n = 0;
      var c = require("net").connect({host: "127.0.0.1", port: ${server.port}}, function () { print("connected"); });
      c.write("early");
      c.on("drain", function () { n++; print("drain " + n); });
      setTimeout(function () { print("done"); }, 300);
    `);
    await waitForOutput('done');
    // The Linux port printed one drain for the same program (and, unlike this runtime, never
    // called the connect callback: the firmware writes only from it, so that is left alone).
    expect(output().match(/drain \d/g)).toEqual(['drain 1']);
  });

  it("on a slow link, 'drain' waits until the data has left", async () => {
    const server = await echoServer();
    const { rt, waitForOutput, output } = start({ sendDelayMs: 200 });
    rt.run(`
      var c = require("net").connect({host: "127.0.0.1", port: ${server.port}}), t = 0, n = 0;
      c.on("drain", function () { n++; if (n === 1) { t = getTime(); c.write("x"); } else print("left after " + (getTime() - t >= 0.19)); });
    `);
    await waitForOutput('left after');
    expect(output()).toBe('left after true\r\n');
  });

  it('round-trips bytes 0..255 over a real socket; connect blocks, its callback runs later', async () => {
    const server = await echoServer();
    const { rt, waitForOutput, output } = start();
    rt.run(`
      var bin = ""; for (var i = 0; i < 256; i++) bin += String.fromCharCode(i);
      var got = "";
      var c = require("net").connect({host: "127.0.0.1", port: ${server.port}}, function () {
        print("connected");
        print("write returns", c.write(bin));
      });
      print("after connect");
      c.on("data", function (d) {
        got += d;
        if (got.length === 256) print(got === bin ? "echo ok" : "echo corrupted");
      });
    `);
    await waitForOutput('echo ok');
    expect(output().indexOf('after connect')).toBeLessThan(output().indexOf('connected'));
    expect(output()).toContain('write returns false');
    // The blocking connect used the same socket: no extra probe connection reached the server.
    expect(server.connections()).toBe(1);
  });

  it('connecting to a closed port throws synchronously inside the program', async () => {
    const port = await freePort();
    const { rt, output } = start();
    rt.run(`
      try { require("net").connect({host: "127.0.0.1", port: ${port}}, function () { print("connected?!"); }); print("no throw"); }
      catch (e) { print("THROW " + e); }
    `);
    expect(output()).toBe('ERROR: Connect failed (err 111)\r\nTHROW InternalError: Unable to create socket\r\n');
  });

  it('cutting the links abruptly gives the program end then close(false), and the peer a reset', async () => {
    const server = await echoServer();
    const { rt, waitForOutput } = start();
    rt.run(`
      var c = require("net").connect({host: "127.0.0.1", port: ${server.port}}, function () { print("connected"); });
      c.on("end", function () { print("end"); });
      c.on("close", function (hadError) { print("close " + hadError); });
      c.on("error", function () { print("error"); });
    `);
    await waitForOutput('connected');
    expect(rt.net.connections).toEqual([{ host: '127.0.0.1', port: server.port }]);
    rt.net.cutAll();
    const out = await waitForOutput('close false');
    expect(out).toContain('end\r\nclose false\r\n');
    expect(out).not.toContain('error');
    await waitFor('the server to see the reset', () => server.resets() === 1);
    expect(rt.net.connections).toEqual([]);
    expect(rt.run('try { c.write("x"); "no" } catch (e) { e.message }')).toBe('This socket is closed');
  });

  it("a reboot drops the program's sockets", async () => {
    const server = await echoServer();
    const { rt, waitForOutput } = start();
    rt.run(`require("net").connect({host: "127.0.0.1", port: ${server.port}}, function () { print("connected"); });`);
    await waitForOutput('connected');
    rt.reboot();
    await waitFor('the server to see the link close', () => server.closed() === 1);
    expect(rt.net.connections).toEqual([]);
  });
});

describe('timers and errors', () => {
  it('an uncaught error in a timer prints "Uncaught ..." and the next timer still runs', async () => {
    const { rt, waitForOutput, output } = start();
    const uncaught: unknown[] = [];
    rt.on('uncaught', (e) => uncaught.push(e));
    rt.run('setTimeout(function () { throw new Error("boom"); }, 5); setTimeout(function () { print("next"); }, 20);');
    await waitForOutput('next');
    expect(output()).toBe('Uncaught Error: boom\r\nnext\r\n');
    expect(uncaught).toHaveLength(1);
  });

  it('setTimeout/setInterval return ids, pass arguments, and clearInterval() without an id clears all', async () => {
    const { rt, waitForOutput, output } = start();
    rt.run(`
      var n = 0, id = setInterval(function (tag) { n++; if (n === 3) { clearInterval(id); print(tag, n); } }, 2, "iv");
      var a = setTimeout(function () { print("cleared one ran"); }, 5); clearTimeout(a);
      print(typeof id);
    `);
    await waitForOutput('iv 3');
    rt.run(
      'setTimeout(function () { print("never"); }, 5); setTimeout(function () { print("never"); }, 6); clearInterval(); setTimeout(function () { print("done"); }, 30);',
    );
    await waitForOutput('done');
    expect(output()).toBe('number\r\niv 3\r\ndone\r\n');
  });

  it('a setTimeout never fires before its time by Date.now(), the clock the simulated parts keep', async () => {
    // Node's timers fire up to 1 ms early by Date.now(); here the wall clock lags by 30 ms.
    const loop = new EventLoop({
      uncaught: (e) => {
        throw e;
      },
    });
    cleanups.push(() => loop.kill());
    const realNow = Date.now.bind(Date);
    const scheduledAt = realNow();
    let lag = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - lag);
    cleanups.push(() => clock.mockRestore());
    let firedBy: number | undefined;
    loop.setTimer(() => (firedBy = Date.now()), 20, [], false);
    lag = 30;
    await waitFor('the timer', () => firedBy, 2000);
    expect(firedBy! - scheduledAt).toBeGreaterThanOrEqual(20);
    expect(realNow() - scheduledAt).toBeGreaterThanOrEqual(50);
    expect(loop.timerCount).toBe(0);
  });

  it("reboot() clears the old program's timers", async () => {
    const { rt, waitForOutput, output } = start();
    rt.run('setInterval(function () { print("tick"); }, 2);');
    await waitForOutput('tick');
    rt.reboot();
    const atReboot = output().length;
    rt.run('setTimeout(function () { print("fresh"); }, 40);');
    await waitForOutput('fresh');
    expect(output().slice(atReboot)).toBe('fresh\r\n');
  });

  it("boot() runs .bootcde, then E.on('init') handlers", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-espruino-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const seed = start({}, dir);
    seed.rt.run('require("Storage").write(".bootcde", "print(\\"boot code\\"); E.on(\\"init\\", function () { print(\\"init\\"); });")');
    seed.rt.stop();
    const { waitForOutput, output } = start({}, dir);
    await waitForOutput('init');
    expect(output()).toBe('boot code\r\ninit\r\n');
  });
});

describe('setWatch', () => {
  it('respects edge and debounce: bounces shorter than debounce are not reported', async () => {
    const { rt, waitForOutput, output } = start();
    rt.run(`
      var calls = 0;
      setWatch(function (e) {
        calls++;
        print("rising", calls, e.state, typeof e.time, e.time >= e.lastTime, Math.abs(e.time - getTime()) < 5);
      }, D4, {repeat: true, edge: "rising", debounce: 20});
      setWatch(function (e) { print("any", e.state); }, D4, {repeat: true, edge: "both", debounce: 20});
    `);
    // A 0->1->0 bounce inside the debounce window, then a clean rising edge: reported once.
    rt.pins.setDigital(4, 1);
    rt.pins.setDigital(4, 0);
    rt.pins.setDigital(4, 1);
    await waitForOutput('any true');
    // A falling edge: only the "both" watch sees it.
    rt.pins.setDigital(4, 0);
    await waitForOutput('any false');
    rt.pins.setDigital(4, 1);
    await waitForOutput('rising 2');
    const lines = output().split('\r\n');
    expect(lines.filter((l) => l.startsWith('rising'))).toEqual(['rising 1 true number true true', 'rising 2 true number true true']);
    expect(lines.filter((l) => l.startsWith('any')).slice(0, 2)).toEqual(['any true', 'any false']);
  });

  it('without repeat fires once; clearWatch() removes watches; pins are numbers', async () => {
    const { rt, waitForOutput, output } = start();
    rt.run(
      'setWatch(function (e) { print("once", e.state); }, 5, {edge: "both"}); var w = setWatch(function () { print("cleared"); }, D6, true); clearWatch(w);',
    );
    expect(rt.run('typeof D5 === "number" && D5 === 5 && Pin(5) === D5')).toBe(true);
    rt.pins.setDigital(5, 1);
    rt.pins.setDigital(6, 1);
    rt.pins.setDigital(5, 0);
    await waitForOutput('once');
    rt.run('setTimeout(function () { print("end"); }, 10)');
    await waitForOutput('end');
    expect(output()).toBe('once true\r\nend\r\n');
  });

  it('records digital outputs (an LED blinking) for the host', async () => {
    const { rt, waitForOutput } = start();
    rt.run(
      'var on = false, n = 0; var iv = setInterval(function () { on = !on; digitalWrite(D2, on); if (++n === 4) { clearInterval(iv); print("blinked"); } }, 2);',
    );
    await waitForOutput('blinked');
    expect(rt.pins.outputHistory(2).map((e) => e.level)).toEqual([1, 0, 1, 0]);
    expect(rt.pins.readOutput(2)).toBe(0);
  });
});

describe('ESP32: deep sleep, WiFi, memory', () => {
  it('deepSleep stops the program, emits the event, and wakes with a timer wake-up cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-espruino-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const seed = start({ board: 'esp32' }, dir);
    seed.rt.run(
      `require("Storage").write(".bootcde", ${JSON.stringify(`
      var ESP32 = require("ESP32"), s = require("Storage");
      var boots = (s.readJSON("boots", true) || 0) + 1; s.writeJSON("boots", boots);
      print("boot " + boots + " cause " + ESP32.getWakeupCause());
      if (boots === 1) {
        setTimeout(function () { print("leaked timer"); }, 1);
        try { ESP32.deepSleep(1000000); } catch (e) { print("caught the halt"); }
        print("after deepSleep");
      }
    `)})`,
    );
    seed.rt.stop();
    const sleeps: number[] = [];
    const { rt, waitForOutput, output } = start({ board: 'esp32', sleepTimeScale: 0.05 }, dir, (r) => r.on('deepSleep', (us: number) => sleeps.push(us)));
    await waitForOutput('boot 2 cause 4');
    expect(sleeps).toEqual([1000000]);
    expect(output()).toBe('boot 1 cause 0\r\nboot 2 cause 4\r\n');
    rt.reboot();
    await waitForOutput('boot 3 cause 0');
  });

  it('with manual wake the host decides when the chip wakes', async () => {
    const { rt, waitForOutput } = start({ board: 'esp32', wakeFromDeepSleep: 'manual' });
    const slept = new Promise<number>((resolve) => rt.once('deepSleep', resolve));
    rt.run('setTimeout(function () { require("ESP32").deepSleep(5000); }, 1);');
    expect(await slept).toBe(5000);
    expect(rt.running).toBe(false);
    expect(() => rt.run('1')).toThrow(/not running/);
    rt.reboot();
    rt.run('print("cause", require("ESP32").getWakeupCause())');
    await waitForOutput('cause 4');
  });

  it("deepSleep past 2^31 microseconds wraps like the ESP32 port's int parameter: the chip never wakes", async () => {
    const { rt } = start({ board: 'esp32', sleepTimeScale: 0.0001 });
    const slept = new Promise<number>((resolve) => rt.once('deepSleep', resolve));
    rt.run('setTimeout(function () { require("ESP32").deepSleep(3600e6); }, 1);');
    expect(await slept).toBe(Infinity);
    expect(rt.running).toBe(false);
  });

  it('Wifi as on the ESP32 port: rssi in getStatus() while connected, never in getDetails()', async () => {
    const { rt, waitForOutput } = start({ board: 'esp32', accessPoint: { ssid: 'home', connectDelayMs: 5 } });
    rt.run(
      'var w = require("Wifi"); print("before", JSON.stringify(w.getStatus().rssi), JSON.stringify(w.getDetails().rssi)); w.connect("home", {}, function () { print("after", w.getStatus().rssi, JSON.stringify(w.getDetails().rssi), w.getStatus().station); });',
    );
    await waitForOutput('before undefined undefined');
    await waitForOutput('after -55 undefined connected');
  });

  it('E.reboot() restarts from .bootcde with an undefined wake cause', async () => {
    const { rt, waitForOutput } = start({ board: 'esp32' });
    rt.run('require("Storage").write(".bootcde", "print(\\"up\\", require(\\"ESP32\\").getWakeupCause())"); E.reboot(); print("not reached");');
    await waitForOutput('up 0');
    expect(rt.run('typeof E')).toBe('object');
  });

  it('WiFi connects, drops when the access point vanishes, fails until restored, records the hostname', async () => {
    const { rt, waitForOutput, output } = start({ board: 'esp32', accessPoint: { ssid: 'home', password: 'secret', connectDelayMs: 5 } });
    rt.run(`
      var wifi = require("Wifi");
      wifi.on("connected", function () { print("event connected"); });
      wifi.on("disconnected", function (d) { print("event disconnected " + d.reason); });
      wifi.setHostname("roomlink-kitchen");
      wifi.connect("home", {password: "wrong"}, function (err) { print("first " + err);
        wifi.connect("home", {password: "secret"}, function (err) { print("second " + err + " " + wifi.getIP().ip); });
      });
    `);
    await waitForOutput('second null 192.168.1.50');
    expect(output()).toContain('first auth_fail');
    expect(rt.wifi.hostname).toBe('roomlink-kitchen');
    expect(rt.wifi.isConnected).toBe(true);
    rt.wifi.drop();
    await waitForOutput('event disconnected beacon_timeout');
    rt.run('wifi.connect("home", {password: "secret"}, function (err) { print("while down " + err); });');
    await waitForOutput('while down no_ap_found');
    rt.wifi.restore();
    rt.run('wifi.connect("home", {password: "secret"}, function (err) { print("restored " + err); });');
    await waitForOutput('restored null');
    expect(rt.wifi.connectAttempts.map((a) => a.ok)).toEqual([false, true, false, true]);
  });

  it('net.connect on the esp32 board needs WiFi', () => {
    const { rt } = start({ board: 'esp32' });
    expect(rt.run('try { require("net").connect({host: "127.0.0.1", port: 1}); "no" } catch (e) { String(e) }')).toBe('InternalError: Unable to create socket');
  });

  it('memoryEstimate() ignores the built-ins and grows with what the program keeps', () => {
    const { rt } = start({ board: 'esp32' });
    const empty = rt.memoryEstimate();
    expect(empty.blocks).toBeLessThan(20);
    rt.run('var items = []; for (var i = 0; i < 100; i++) items.push("item number " + i);');
    const grown = rt.memoryEstimate();
    // 100 elements (1 block each) and 100 strings of 13–14 chars (2 blocks each) plus the array.
    expect(grown.blocks - empty.blocks).toBeGreaterThanOrEqual(300);
    expect(grown.blocks - empty.blocks).toBeLessThan(320);
    expect(grown.strings - empty.strings).toBe(100);
    expect(grown.bytes).toBe(grown.blocks * 14);
    const memory = rt.run('JSON.stringify(process.memory())') as string;
    const parsed = JSON.parse(memory) as Record<string, number>;
    expect(parsed.total).toBe(16383);
    expect(parsed.blocksize).toBe(14);
    expect(parsed.free + parsed.usage).toBe(16383);
    rt.run('items = undefined;');
    expect(rt.memoryEstimate().blocks).toBeLessThan(grown.blocks - 250);
  });
});
