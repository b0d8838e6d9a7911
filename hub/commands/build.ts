// `roomlink build`: the firmware for Espruino, with its size.
import type { Command } from '../cli.ts';
import { buildFirmware } from '../toolchain/build.ts';
import { EspruinoBuildError } from '../toolchain/espruino-bundle.ts';

export const command: Command = {
  summary: 'build dist/firmware.js for Espruino',
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log('Usage: roomlink build [--entry FILE] [--out DIR]\n\nBuilds dist/firmware.js (readable) and dist/firmware.min.js from firmware/ and shared/,\nand checks both against what Espruino can parse and run.');
      return 0;
    }
    const entry = argv[argv.indexOf('--entry') + 1] && argv.includes('--entry') ? argv[argv.indexOf('--entry') + 1] : undefined;
    const outDir = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
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
