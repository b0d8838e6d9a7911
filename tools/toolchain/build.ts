// `npm run build:firmware` / `roomlink build`: dist/firmware.js (readable) and
// dist/firmware.min.js (what is flashed by default), both checked Espruino-safe.
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { COMMAND_ENTRY } from '../../shared/line-protocol.ts';
import { VERSION } from '../../shared/version.ts';
import { PROJECT_ROOT } from '../../hub/project-root.ts';
import { driversSource, firmwareStem } from './drivers.ts';

export { PROJECT_ROOT };

/** The firmware's boot function (firmware/main.ts). */
const BOOT = 'start';
// The firmware's rare paths (firmware/main.ts): discovery (first connect, Home Assistant's
// restart), `info`, a message from the broker. What only they call is made when they run.
const ON_DEMAND = ['discover', 'report', 'incoming'];

export interface FirmwareBuildOptions {
  /** Entry file, default firmware/main.ts. */
  entry?: string;
  /** Output folder, default dist/. */
  outDir?: string;
  /**
   * ensureFirmwareBuilt: called just before a build starts (which takes seconds), with why
   * ("dist/firmware.js is missing", "sources changed"), so a command can say what it is doing.
   */
  onBuild?: (why: string) => void;
  /**
   * Per-node build: only these driver modules (driverModulesFor(the config's types)), into
   * firmware-<modules>.js and .min.js. Default: every driver, into firmware.js.
   */
  drivers?: readonly string[];
}

export interface FirmwareBuild {
  path: string;
  bytes: number;
  minifiedPath: string;
  minifiedBytes: number;
}

function banner(drivers: readonly string[] | undefined): string {
  const what = drivers ? `, built for one node's sensors (drivers: ${drivers.join(', ')})` : '';
  return `// roomlink firmware ${VERSION} for Espruino (ESP32)${what}. Reads its config from Storage "roomlink.json".`;
}

function outputPaths(options: FirmwareBuildOptions): { path: string; minifiedPath: string } {
  const outDir = resolve(PROJECT_ROOT, options.outDir ?? 'dist');
  const stem = firmwareStem(options.drivers);
  return { path: join(outDir, `${stem}.js`), minifiedPath: join(outDir, `${stem}.min.js`) };
}

export async function buildFirmware(options: FirmwareBuildOptions = {}): Promise<FirmwareBuild> {
  const entry = resolve(PROJECT_ROOT, options.entry ?? 'firmware/main.ts');
  const outDir = resolve(PROJECT_ROOT, options.outDir ?? 'dist');
  // Loaded only to build: TypeScript alone takes 1-2 s to load, which every start of the
  // demo, sim and flash paid even when the firmware was up to date.
  const { bundleForEspruino, minifyForEspruino, placeBootOnly } = await import('./espruino-bundle.ts');
  const BANNER = banner(options.drivers);
  const replace = options.drivers ? { [resolve(PROJECT_ROOT, 'firmware/sensors/index.ts')]: driversSource(options.drivers) } : undefined;
  const bundled = await bundleForEspruino({ entry, banner: BANNER, replace });
  // start() is the boot function (firmware/main.ts): what only it calls lives inside it.
  const code = placeBootOnly(bundled, BOOT, ON_DEMAND);
  const minified = await minifyForEspruino(code, [COMMAND_ENTRY], BANNER, {}, BOOT);
  await mkdir(outDir, { recursive: true });
  const { path, minifiedPath } = outputPaths(options);
  // Whole files or nothing: tests and the demo may build and read dist/ at the same time.
  await writeAtomically(path, code);
  await writeAtomically(minifiedPath, minified);
  return { path, bytes: Buffer.byteLength(code), minifiedPath, minifiedBytes: Buffer.byteLength(minified) };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

async function newestSourceMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSourceMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Builds dist/firmware.js (or a per-node build) when it is missing or older than any firmware/, shared/ or toolchain source. */
export async function ensureFirmwareBuilt(options: FirmwareBuildOptions = {}): Promise<FirmwareBuild> {
  const { path, minifiedPath } = outputPaths(options);
  let why = `${options.outDir ?? 'dist'}/${firmwareStem(options.drivers)}.js is missing`;
  try {
    const [built, min] = await Promise.all([stat(path), stat(minifiedPath)]);
    why = 'its sources changed';
    // The build itself counts as a source: a fixed toolchain must rebuild the firmware.
    const sources = Math.max(
      await newestSourceMtime(join(PROJECT_ROOT, 'firmware')),
      await newestSourceMtime(join(PROJECT_ROOT, 'shared')),
      await newestSourceMtime(join(PROJECT_ROOT, 'tools/toolchain')),
    );
    if (Math.min(built.mtimeMs, min.mtimeMs) >= sources) {
      return { path, bytes: built.size, minifiedPath, minifiedBytes: min.size };
    }
  } catch {
    // Missing: build it.
  }
  options.onBuild?.(why);
  return buildFirmware(options);
}
