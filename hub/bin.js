#!/usr/bin/env node
// The `roomlink` command. The hub is written in TypeScript and compiled on first use (see
// compiled.js), so a fresh clone needs `npm install` and nothing else. ROOMLINK_TSX=1 runs
// the sources through tsx instead, for stack traces that name the .ts files.
let cli;
if (process.env.ROOMLINK_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  cli = './cli.ts';
} else {
  const { compiledCli } = await import('./compiled.js');
  const { pathToFileURL } = await import('node:url');
  cli = pathToFileURL(await compiledCli()).href;
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
