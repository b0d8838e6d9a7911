// cli/compiled.js: the hub runs compiled, and the compiled output follows its sources.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledCli } from '../cli/compiled.js';
import { PROJECT_ROOT } from '../hub/project-root.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A two-file project: cli/cli.ts answers with what cli/answer.ts exports. */
function project(answer: string): string {
  const root = mkdtempSync(join(tmpdir(), 'roomlink-compiled-'));
  made.push(root);
  mkdirSync(join(root, 'cli'));
  writeFileSync(join(root, 'package.json'), '{"name":"roomlink","type":"module"}');
  writeFileSync(join(root, 'cli/cli.ts'), "import { ANSWER } from './answer.ts';\nexport const main = (): string => ANSWER;\n");
  setAnswer(root, answer);
  return root;
}

function setAnswer(root: string, answer: string): void {
  writeFileSync(join(root, 'cli/answer.ts'), `export const ANSWER: string = ${JSON.stringify(answer)};\n`);
}

async function run(path: string): Promise<string> {
  const cli = (await import(pathToFileURL(path).href)) as { main: () => string };
  return cli.main();
}

describe('compiled hub', () => {
  it('compiles once, reuses the output while the sources are unchanged, and recompiles after an edit', async () => {
    const root = project('first');
    const first = await compiledCli(root);
    expect(await run(first)).toBe('first');
    expect(await compiledCli(root)).toBe(first);

    setAnswer(root, 'second answer');
    const second = await compiledCli(root);
    expect(second).not.toBe(first);
    expect(await run(second)).toBe('second answer');
  });

  it('recompiles when an input changes only its modification time, or the record is gone', async () => {
    const root = project('same');
    const first = await compiledCli(root);
    const earlier = new Date(Date.now() - 3600_000);
    utimesSync(join(root, 'cli/answer.ts'), earlier, earlier);
    const touched = await compiledCli(root);
    expect(touched).not.toBe(first);
    expect(await compiledCli(root)).toBe(touched);
    rmSync(join(root, 'dist/cli/current.json'));
    expect(await compiledCli(root)).not.toBe(touched);
  });

  it('records every compiled source, so an edit to any of them counts', async () => {
    const root = project('x');
    await compiledCli(root);
    const record = JSON.parse(readFileSync(join(root, 'dist/cli/current.json'), 'utf8')) as { inputs: [string][] };
    expect(record.inputs.map((i) => i[0]).sort()).toEqual(['cli/answer.ts', 'cli/cli.ts']);
  });

  it('falls back to tsx, with one line saying why, when it cannot write dist/cli', () => {
    const root = project('unused');
    copyFileSync(join(PROJECT_ROOT, 'cli/bin.js'), join(root, 'cli/bin.js'));
    copyFileSync(join(PROJECT_ROOT, 'cli/compiled.js'), join(root, 'cli/compiled.js'));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(
      join(root, 'cli/cli.ts'),
      "export async function main(argv: string[]): Promise<number> {\n  console.log('ran', argv.join(' '));\n  return 3;\n}\n",
    );
    const run = () => spawnSync(process.execPath, [join(root, 'cli/bin.js'), 'a', 'b'], { encoding: 'utf8', timeout: 60_000 });
    const compiled = run();
    expect([compiled.stdout, compiled.stderr, compiled.status]).toEqual(['ran a b\n', '', 3]);
    // dist/cli is a file: nothing can be compiled into it.
    rmSync(join(root, 'dist/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/cli'), '');
    const fallback = run();
    expect(fallback.stdout).toBe('ran a b\n');
    expect(fallback.status).toBe(3);
    expect(fallback.stderr).toMatch(/^roomlink: cannot compile the hub into dist\/cli \(.*dist\/cli.*\); running it through tsx\n$/);
  });

  it('runs the real CLI compiled, and through tsx with ROOMLINK_TSX=1', () => {
    const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const env of [{}, { ROOMLINK_TSX: '1' }]) {
      const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'cli/bin.js'), '--version'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(version);
    }
  });
});
