#!/usr/bin/env node
// The `roomlink` command. The hub is written in TypeScript and compiled on first use (see
// compiled.js), so a fresh clone needs `npm install` (or, for the hub alone, `npm ci
// --omit=dev`) and nothing else. ROOMLINK_TSX=1 runs
// the sources through tsx instead, for stack traces that name the .ts files; so does a
// project folder the compiler cannot write to.
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

// The hub: while its modules load, V8 would grow the young generation to its 32 MB ceiling
// (start-up garbage survives a scavenge or two), and those pages stay resident while the hub
// then idles. Held at its initial 2 MB until the hub has started (hub.ts then gives V8 back
// its default growth, for the load: kept small, it costs ~10% more CPU per reading).
// Nor is start-up code worth optimising: it runs once, and the first TurboFan job alone
// pages in ~4 MB of the compiler that would stay resident in an idle hub. hub.ts turns
// TurboFan back on once started, before any reading arrives.
if (process.argv[2] === 'hub') v8.setFlagsFromString('--semi-space-growth-factor=1 --no-turbofan');

let cli;
if (process.env.ROOMLINK_TSX !== '1') {
  const { compiledCli } = await import('./compiled.js');
  // A first run (or one after an edit) compiles for a moment: on a terminal, say so if it
  // takes long enough to notice. Piped output stays exactly the command's own.
  const slow = process.stderr.isTTY
    ? setTimeout(() => process.stderr.write('roomlink: compiling roomlink into dist/cli (first run, or its sources changed)…\n'), 300)
    : undefined;
  try {
    cli = pathToFileURL(await compiledCli()).href;
  } catch (err) {
    const why = err.errors?.[0]?.text ?? err.message;
    console.error(`roomlink: cannot compile the hub into dist/cli (${why}); running it through tsx`);
  } finally {
    clearTimeout(slow);
  }
}
if (cli === undefined) {
  // tsx is a devDependency: a hub-only install (npm ci --omit=dev) runs compiled only.
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error(
      'roomlink: tsx is not installed (a hub-only install has only what the compiled hub needs): let roomlink write dist/cli, or run `npm install` for tsx',
    );
    process.exit(1);
  }
  tsx.register();
  cli = './cli.ts';
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
