#!/usr/bin/env node
// The `roomlink` command. The hub is written in TypeScript and run through tsx, so a fresh
// clone needs `npm install` and nothing else.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
