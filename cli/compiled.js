// The hub runs as plain JavaScript compiled from its TypeScript sources by esbuild, so no
// TypeScript loader stays in the process (tsx cost ~30 MB of RSS and a loader thread). The
// output lives in dist/cli/<build>/ and is reused until a file it was compiled from changes;
// compiling takes well under a second. Plain JavaScript because it runs before any
// TypeScript can.
import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Builds other processes may still be loading chunks from are kept this long. */
const KEEP_OLD_MS = 24 * 3600 * 1000;

/**
 * Path of the compiled cli/cli.js for the sources as they are now; compiles when needed.
 * `root` is the project folder (tests pass another one).
 */
export async function compiledCli(root = PROJECT) {
  const out = join(root, 'dist', 'cli');
  return upToDate(root, out) ?? (await compile(root, out));
}

function upToDate(root, out) {
  let current;
  try {
    current = JSON.parse(readFileSync(join(out, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, mtimeMs, size] of current.inputs) {
    let s;
    try {
      s = statSync(join(root, file));
    } catch {
      return undefined;
    }
    if (s.mtimeMs !== mtimeMs || s.size !== size) return undefined;
  }
  return join(out, current.dir, 'cli.js');
}

/**
 * Packages compiled into the hub rather than imported from node_modules. Zod is some sixty
 * ES modules (every locale among them): loaded one by one they add ~8 MB to a bare Node's
 * RSS. Compiled in, and tree-shaken because the hub imports it as `* as z`, it is ~170 KB of
 * one chunk (the hub's heap at idle 11.0 -> 9.6 MB).
 */
const BUNDLED = /^zod(\/|$)/;

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

async function compile(root, out) {
  const { build } = await import('esbuild');
  // Sub-millisecond, like file times: a source saved just before this is older than it.
  const started = performance.timeOrigin + performance.now();
  // A folder per build: a process started from an older build keeps loading its own chunks.
  const dir = `${Math.floor(started).toString(36)}-${process.pid}`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['cli/cli.ts'],
    outdir: join(out, dir),
    bundle: true,
    // Commands stay separate chunks, loaded only when run (as with the sources).
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages load from node_modules, except BUNDLED ones (see there).
    plugins: [externalPackages],
    // Whitespace and syntax only: names stay as written, for stack traces and error names.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((file) => {
    const s = statSync(join(root, file));
    return [file, s.mtimeMs, s.size];
  });
  // A source edited while compiling may not be in this output: use it once, record nothing.
  if (inputs.every(([, mtimeMs]) => mtimeMs < started)) {
    const current = join(out, 'current.json');
    writeFileSync(`${current}.${process.pid}`, JSON.stringify({ dir, inputs }));
    renameSync(`${current}.${process.pid}`, current);
    removeOldBuilds(out, dir);
  }
  return join(out, dir, 'cli.js');
}

function removeOldBuilds(out, keep) {
  for (const entry of readdirSync(out, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const path = join(out, entry.name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
