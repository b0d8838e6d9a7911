// `roomlink build`: the firmware for Espruino, with its size.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../cli.ts';
import { HELP_FLAG, parseCommandLine, usageText, type FlagSpec } from '../../hub/config/args.ts';
import { FileError, fileProblem } from '../../hub/config/errors.ts';
import { loadNodeConfigFile } from '../../tools/flash/node-config-file.ts';
import { buildFirmware, PROJECT_ROOT } from '../../tools/toolchain/build.ts';
import { driverModulesFor } from '../../tools/toolchain/drivers.ts';
import { EspruinoBuildError } from '../../tools/toolchain/espruino-bundle.ts';
import { startStep } from './progress.ts';

const BUILD_FLAGS: readonly FlagSpec[] = [
  {
    flag: '--config',
    short: 'c',
    kind: 'path',
    metavar: 'FILE',
    help: "a node config: build that node's firmware, with only the drivers its sensors need (what `roomlink flash --config FILE` writes)",
  },
  { flag: '--entry', kind: 'path', metavar: 'FILE', help: 'the firmware entry point (default firmware/main.ts); other modules it imports are bundled' },
  {
    flag: '--out',
    kind: 'path',
    metavar: 'DIR',
    help: 'where firmware.js and firmware.min.js (or firmware-<drivers>.js and .min.js) go (default dist/; created if missing)',
  },
  HELP_FLAG,
];

export function buildUsage(): string {
  return usageText({
    synopsis: ['roomlink build [--entry FILE] [--out DIR]        (npm run build:firmware)', 'roomlink build --config node.json [--entry FILE] [--out DIR]'],
    about:
      'Builds dist/firmware.js (readable) and dist/firmware.min.js with every sensor driver (for\n' +
      '`roomlink sim`, the demo and the Espruino IDE) from firmware/ and shared/, and checks both\n' +
      "against what Espruino can parse and run. With --config, builds that node's firmware\n" +
      'instead, with only the drivers its sensors need: dist/firmware-<drivers>.js and .min.js,\n' +
      'what `roomlink flash --config` writes (every driver costs the node RAM while it runs).\n' +
      '`roomlink demo`, `sim` and `flash` build what they need themselves when it is missing or stale.',
    flags: BUILD_FLAGS,
  });
}

export const command: Command = {
  flags: BUILD_FLAGS,
  async run(argv) {
    const { values } = parseCommandLine(argv, BUILD_FLAGS);
    if (values.help) {
      console.log(buildUsage());
      return 0;
    }
    const entry = values.entry as string | undefined;
    const outDir = values.out as string | undefined;
    let drivers: string[] | undefined;
    if (values.config !== undefined) {
      // Read as `config check` and `flash` read it: the node's sensors decide the drivers.
      const { config, warnings } = await loadNodeConfigFile(values.config as string);
      for (const warning of warnings) process.stderr.write(`roomlink build: warning: ${values.config}: ${warning}\n`);
      drivers = driverModulesFor(config.sensors.map((s) => s.type));
    }
    if (entry !== undefined) {
      // Relative to where the command was typed, like every other file argument.
      const path = resolve(entry);
      const info = await stat(path).catch((err: unknown) => {
        throw new FileError(entry, fileProblem(err));
      });
      if (info.isDirectory()) throw new FileError(entry, fileProblem({ code: 'EISDIR' }));
    }
    const step = startStep(drivers ? `building the node's firmware (drivers ${drivers.join(', ')})` : 'building the firmware');
    try {
      const result = await buildFirmware({ entry: entry && resolve(entry), outDir: outDir && resolve(outDir), drivers });
      step.done();
      const show = (path: string) => (path.startsWith(`${PROJECT_ROOT}/`) ? path.slice(PROJECT_ROOT.length + 1) : path);
      console.log(`${show(result.path)}  ${result.bytes} bytes`);
      console.log(`${show(result.minifiedPath)}  ${result.minifiedBytes} bytes (minified)`);
      console.log('Espruino-safety check: passed');
      return 0;
    } catch (err) {
      step.failed();
      if (err instanceof EspruinoBuildError) {
        console.error(`roomlink build: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
