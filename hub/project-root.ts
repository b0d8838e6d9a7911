// The project's folder, found from wherever this module runs: from its source under hub/
// (tests, tsx) or from the compiled hub under dist/ (cli/bin.js). Files the hub reads at run
// time (firmware sources, the Espruino prelude, README) are named from here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'roomlink') return dir;
    if (dirname(dir) === dir) throw new Error(`roomlink: no roomlink package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
