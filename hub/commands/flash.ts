// `roomlink flash --target TARGET --config node.json [--firmware FILE] [--wipe] [--broker URL] [--baud N]`
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { FlashError } from '../flash/errors.ts';
import { flashBoard } from '../flash/flasher.ts';
import { DEFAULT_BAUD } from '../flash/transport.ts';

const USAGE = `Usage: roomlink flash --target TARGET --config node.json [options]

Writes the node config (Storage "roomlink.json") and the firmware (Storage ".bootcde") onto
an Espruino board, verifies both with E.CRC32, starts it and waits until it reports running.

  --target TARGET   serial port (/dev/ttyUSB0, COM3) or tcp://host[:port] (the board's
                    network console, port 23 on a WiFi ESP32: over-the-air update)
  --config FILE     node config (write one with \`roomlink config init\`)
  --firmware FILE   firmware to flash (default: dist/firmware.min.js, built when stale)
  --wipe            erase all of Storage first (eraseAll)
  --broker URL      also wait until the node publishes "online" at this broker
  --baud N          serial speed (default ${DEFAULT_BAUD})
  --timeout S       seconds to wait for the firmware to report running (default 30)

Passwords in the config are sent with echo off and never printed.`;

async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        target: { type: 'string', short: 't' },
        config: { type: 'string', short: 'c' },
        firmware: { type: 'string' },
        wipe: { type: 'boolean' },
        broker: { type: 'string' },
        baud: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`roomlink flash: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const missing = ['target', 'config'].filter((k) => !values[k as 'target' | 'config']);
  if (missing.length > 0) {
    process.stderr.write(`roomlink flash: missing ${missing.map((m) => '--' + m).join(' and ')}\n\n${USAGE}\n`);
    return 2;
  }
  const baud = values.baud === undefined ? undefined : Number(values.baud);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if ((baud !== undefined && !(Number.isInteger(baud) && baud > 0)) || (timeout !== undefined && !(timeout > 0))) {
    process.stderr.write(`roomlink flash: --baud must be a positive whole number and --timeout a positive number of seconds\n`);
    return 2;
  }
  try {
    await flashBoard({
      target: values.target!,
      configPath: values.config!,
      firmwarePath: values.firmware,
      wipe: values.wipe ?? false,
      broker: values.broker,
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
  summary: 'write the firmware and a node config onto an Espruino board (serial or tcp://)',
  run,
};
