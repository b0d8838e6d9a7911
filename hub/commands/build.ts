// `roomlink build`: the firmware for Espruino, with its size.
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { buildFirmware } from '../toolchain/build.ts';
import { EspruinoBuildError } from '../toolchain/espruino-bundle.ts';

const USAGE = `Usage: roomlink build [--entry FILE] [--out DIR]

Builds dist/firmware.js (readable) and dist/firmware.min.js from firmware/ and shared/,
and checks both against what Espruino can parse and run.`;

export const command: Command = {
  summary: 'build dist/firmware.js for Espruino',
  async run(argv) {
    let values;
    try {
      values = parseArgs({ args: argv, options: { entry: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
    } catch (err) {
      console.error(`roomlink build: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const { entry, out: outDir } = values;
    try {
      const result = await buildFirmware({ entry, outDir });
      console.log(`${result.path}  ${result.bytes} bytes`);
      console.log(`${result.minifiedPath}  ${result.minifiedBytes} bytes (minified)`);
      console.log('Espruino-safety check: passed');
      return 0;
    } catch (err) {
      if (err instanceof EspruinoBuildError) {
        console.error(`roomlink build: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
