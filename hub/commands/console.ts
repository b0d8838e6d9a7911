// `roomlink console --target TARGET [--baud N]`: a terminal on the board's REPL, over
// serial or tcp:// (like `pio device monitor`). Keys go to the board as typed (raw mode on
// a TTY, so Ctrl-C reaches the board); Ctrl-] quits. With stdin not a TTY, what is piped in
// is sent and the console ends when that input ends.
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { FlashError } from '../flash/errors.ts';
import { DEFAULT_BAUD, openTransport } from '../flash/transport.ts';

const QUIT = 0x1d; // Ctrl-]

const USAGE = `Usage: roomlink console --target TARGET [--baud N]

  --target TARGET   serial port (/dev/ttyUSB0) or tcp://host[:port] (port 23 on an ESP32)
  --baud N          serial speed (default ${DEFAULT_BAUD})

Ctrl-] quits. Ctrl-C goes to the board (it stops a running program there).`;

async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { target: { type: 'string', short: 't' }, baud: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`roomlink console: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!values.target) {
    process.stderr.write(`roomlink console: missing --target\n\n${USAGE}\n`);
    return 2;
  }
  let transport;
  try {
    transport = await openTransport(values.target, { baud: values.baud ? Number(values.baud) : undefined });
  } catch (err) {
    if (err instanceof FlashError) {
      process.stderr.write(`roomlink console: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  }
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  process.stderr.write(`connected to ${values.target}${tty ? ' (Ctrl-] quits)' : ''}\n`);
  transport.onData((text) => process.stdout.write(Buffer.from(text, 'latin1')));

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = async (code: number, message?: string) => {
      if (finished) return;
      finished = true;
      if (tty) stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onKeys);
      if (message) process.stderr.write(`\n${message}\n`);
      await transport.close().catch(() => {});
      resolve(code);
    };
    const onKeys = (chunk: Buffer) => {
      const quitAt = chunk.indexOf(QUIT);
      const keys = quitAt >= 0 ? chunk.subarray(0, quitAt) : chunk;
      if (keys.length > 0) transport.write(keys.toString('latin1')).catch(() => {});
      if (quitAt >= 0) void finish(0);
    };
    transport.onClose((err) => void finish(1, `connection to ${values.target} closed${err ? `: ${err.message}` : ''}`));
    if (tty) stdin.setRawMode(true);
    stdin.on('data', onKeys);
    // Piped input: send it, give the board a moment to answer, then end.
    stdin.once('end', () => setTimeout(() => void finish(0), 1000));
    stdin.resume();
  });
}

export const command: Command = {
  summary: 'a terminal on a board\'s REPL over serial or tcp:// (Ctrl-] quits)',
  run,
};
