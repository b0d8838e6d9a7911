// A hub-only install (`npm ci --omit=dev`, README "Hub only"): the hub's module graph must
// not reach the firmware toolchain (TypeScript compiler, terser, acorn), tsx or anything
// else the tests and the bench use, and no production code imports test/. Checked two ways,
// both fast and offline: the graph esbuild sees from `roomlink hub`, and the real CLI run in
// a copy of the project whose node_modules lacks every devDependency.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOLCHAIN_PACKAGES } from '../cli/cli.ts';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { CliRun } from './helpers/cli.ts';

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** Folders of code a user runs; test/ is none of them. */
const PRODUCTION = ['cli', 'hub', 'tools', 'espruino-host', 'bench', 'shared', 'firmware'];

/** Inputs and external packages of everything `entry` loads, lazy imports included. */
async function graph(entry: string): Promise<{ inputs: string[]; packages: string[] }> {
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: 'unused',
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue;
      packages.add(imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0]!);
    }
  }
  return { inputs, packages: [...packages].sort() };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js)$/.test(f) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

describe('the hub without the firmware toolchain', () => {
  it('`roomlink hub` loads only the hub runtime and shared/, and only packages in dependencies', async () => {
    const { inputs, packages } = await graph('cli/commands/hub.ts');
    const folders = [...new Set(inputs.map((f) => f.split('/')[0]))].sort();
    expect(folders).toEqual(['cli', 'hub', 'shared']);
    expect(inputs.filter((f) => f.startsWith('cli/'))).toEqual(['cli/commands/hub.ts']);
    for (const p of packages) expect(Object.keys(manifest.dependencies), `${p} (imported by the hub)`).toContain(p);
    for (const p of [...TOOLCHAIN_PACKAGES, 'tsx']) {
      expect(packages).not.toContain(p);
      expect(Object.keys(manifest.dependencies)).not.toContain(p);
    }
  });

  it('no production code imports test/, and only the bench command imports bench/', () => {
    const offenders: string[] = [];
    for (const file of PRODUCTION.flatMap(sourceFiles)) {
      const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(PROJECT_ROOT, resolve(PROJECT_ROOT, dirname(file), m[1]!));
        const top = target.split('/')[0];
        if (top === 'test' || (top === 'bench' && !file.startsWith('bench/') && file !== 'cli/commands/bench.ts')) offenders.push(`${file} -> ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  describe('the real CLI with no devDependencies installed', () => {
    // A copy of the project whose node_modules links every installed package but the
    // devDependencies: what `npm ci --omit=dev` leaves, as far as this project's own imports go.
    const root = mkdtempSync(join(tmpdir(), 'roomlink-hub-only-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    for (const dir of PRODUCTION) cpSync(join(PROJECT_ROOT, dir), join(root, dir), { recursive: true });
    cpSync(join(PROJECT_ROOT, 'package.json'), join(root, 'package.json'));
    mkdirSync(join(root, 'node_modules'));
    const dev = new Set(Object.keys(manifest.devDependencies));
    for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        mkdirSync(join(root, 'node_modules', entry));
        for (const sub of readdirSync(join(PROJECT_ROOT, 'node_modules', entry))) {
          if (!dev.has(`${entry}/${sub}`)) symlinkSync(join(PROJECT_ROOT, 'node_modules', entry, sub), join(root, 'node_modules', entry, sub));
        }
      } else if (!dev.has(entry)) symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
    }
    const data = join(root, 'data');

    it('starts the hub and stops it cleanly, loading neither the serialport package nor zod from node_modules', async () => {
      const modules = join(root, 'modules.log');
      const hub = new CliRun(['hub', '--broker', 'mqtt://127.0.0.1:1', '--serial', join(root, 'no-tty'), '--data-dir', data], {
        root,
        env: { NODE_OPTIONS: `--import ${join(PROJECT_ROOT, 'test/helpers/module-log.mjs')}`, ROOMLINK_MODULE_LOG: modules },
      });
      await hub.waitFor(/hub running/);
      expect(await hub.stop()).toBe(0);
      expect(hub.stderr).not.toMatch(/tsx|Cannot find/);
      // Idle RSS (README, Performance): zod's sixty modules are compiled into the hub, and the
      // serial binding is loaded without the serialport package's parsers.
      const loaded = readFileSync(modules, 'utf8').split('\n');
      expect(loaded.filter((u) => u.includes('/node_modules/@serialport/bindings-cpp/')).length).toBeGreaterThan(0);
      expect(loaded.filter((u) => /\/node_modules\/(zod|serialport)\//.test(u))).toEqual([]);
    });

    it.each([['build'], ['sim', '--config', 'node.json'], ['flash', '--target', '/dev/null', '--config', 'node.json']])(
      '`roomlink %s` says what to install, without a stack trace',
      async (...args) => {
        // config init needs no toolchain: the node config a sim or flash would use.
        if (args[0] !== 'build') expect(await new CliRun(['config', 'init', join(root, 'node.json'), '--force'], { root }).exited).toBe(0);
        const run = new CliRun(args, { root });
        expect(await run.exited).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`^roomlink ${args[0]}: needs the firmware toolchain \\(typescript, terser, acorn, acorn-walk, astring\\)`, 'm'));
        expect(run.stderr).toContain('hint: run `npm install`');
        expect(run.stderr).not.toMatch(/\n\s+at /);
      },
    );
  });
});
