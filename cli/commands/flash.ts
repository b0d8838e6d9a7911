// `roomlink flash --target TARGET --config node.json [--firmware FILE] [--wipe] [--broker URL] [--baud N]`
import { readFile } from 'node:fs/promises';
import type { Command } from '../cli.ts';
import { HELP_FLAG, parseCommandLine, usageText, UsageError, type FlagSpec } from '../../hub/config/args.ts';
import { FileError, fileProblem } from '../../hub/config/errors.ts';
import { loadNodeConfigFile } from '../../tools/flash/node-config-file.ts';
import { FlashError } from '../../tools/flash/errors.ts';
import { flashBoard } from '../../tools/flash/flasher.ts';
import { DEFAULT_BAUD } from '../../tools/flash/transport.ts';

const FLASH_FLAGS: readonly FlagSpec[] = [
  {
    flag: '--target',
    short: 't',
    kind: 'string',
    metavar: 'TARGET',
    help: "serial port (/dev/ttyUSB0, COM3) or tcp://host[:port] (the board's network console, port 23 on a WiFi ESP32: over-the-air update)",
  },
  { flag: '--config', short: 'c', kind: 'path', metavar: 'FILE', help: 'node config (write one with `roomlink config init`)' },
  {
    flag: '--firmware',
    kind: 'path',
    metavar: 'FILE',
    help: "firmware to flash (default: the node's own build with only its sensors' drivers, dist/firmware-<drivers>.min.js, built when stale; dist/firmware.min.js has every driver)",
  },
  { flag: '--wipe', kind: 'true', help: 'erase all of Storage first (eraseAll)' },
  { flag: '--broker', kind: 'string', metavar: 'URL', help: 'also wait until the node publishes "online" at this broker' },
  { flag: '--baud', kind: 'number', metavar: 'N', help: `serial speed (default ${DEFAULT_BAUD})` },
  { flag: '--timeout', kind: 'number', metavar: 'S', help: 'seconds to wait for the firmware to report running (default 30)' },
  HELP_FLAG,
];

export function flashUsage(): string {
  return usageText({
    synopsis: 'roomlink flash --target TARGET --config node.json [options]',
    about:
      'Writes the node config (Storage "roomlink.json") and the firmware (Storage ".bootcde") onto\n' +
      'an Espruino board, verifies both with E.CRC32, starts it and waits until it reports running.',
    flags: FLASH_FLAGS,
    footer: 'Passwords in the config are sent with echo off and never printed.',
  });
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, FLASH_FLAGS);
  if (values.help) {
    process.stdout.write(`${flashUsage()}\n`);
    return 0;
  }
  const missing = ['target', 'config'].filter((k) => !values[k]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(' and ')}`);
  const baud = values.baud === undefined ? undefined : Number(values.baud);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  const problems: string[] = [];
  if (baud !== undefined && !(Number.isInteger(baud) && baud > 0)) problems.push(`--baud must be a positive whole number (got ${values.baud})`);
  if (timeout !== undefined && !(timeout > 0)) problems.push(`--timeout must be a positive number of seconds (got ${values.timeout})`);
  if (problems.length > 0) throw new UsageError(problems);
  // Files first, read as every command reads them: nothing is sent when one is unusable.
  const configPath = values.config as string;
  const { warnings } = await loadNodeConfigFile(configPath);
  for (const warning of warnings) process.stderr.write(`roomlink flash: warning: ${configPath}: ${warning}\n`);
  if (values.firmware !== undefined) {
    await readFile(values.firmware as string).catch((err: unknown) => {
      throw new FileError(values.firmware as string, fileProblem(err), "run `roomlink build`, or leave --firmware out to flash the node's own build");
    });
  }
  try {
    await flashBoard({
      target: values.target as string,
      configPath,
      firmwarePath: values.firmware as string | undefined,
      wipe: values.wipe === true,
      broker: values.broker as string | undefined,
      baud,
      startTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
      out: process.stdout,
    });
    return 0;
  } catch (err) {
    if (err instanceof FlashError) {
      process.stderr.write(`roomlink flash: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  }
}

export const command: Command = {
  flags: FLASH_FLAGS,
  run,
};
