// `roomlink console --target TARGET [--baud N]`: a terminal on the board's REPL, over
// serial or tcp:// (like `pio device monitor`). Keys go to the board as typed (raw mode on
// a TTY, so Ctrl-C reaches the board); Ctrl-] quits. With stdin not a TTY, what is piped in
// is sent and the console ends when that input ends.
import type { Command } from '../cli.ts';
import { HELP_FLAG, parseCommandLine, usageText, UsageError, type FlagSpec } from '../../hub/config/args.ts';
import { FlashError } from '../../tools/flash/errors.ts';
import { DEFAULT_BAUD, openTransport, type Transport } from '../../tools/flash/transport.ts';

const QUIT = 0x1d; // Ctrl-]

const CONSOLE_FLAGS: readonly FlagSpec[] = [
  { flag: '--target', short: 't', kind: 'string', metavar: 'TARGET', help: 'serial port (/dev/ttyUSB0) or tcp://host[:port] (port 23 on an ESP32)' },
  { flag: '--baud', kind: 'number', metavar: 'N', help: `serial speed (default ${DEFAULT_BAUD})` },
  HELP_FLAG,
];

export function consoleUsage(): string {
  return usageText({
    synopsis: 'roomlink console --target TARGET [--baud N]',
    about:
      "A terminal on a board's Espruino REPL. Ctrl-] quits. Ctrl-C goes to the board (it stops a\nrunning program there). Piped input is sent, and the console ends a second after it ends.",
    flags: CONSOLE_FLAGS,
  });
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, CONSOLE_FLAGS);
  if (values.help) {
    process.stdout.write(`${consoleUsage()}\n`);
    return 0;
  }
  const target = values.target as string | undefined;
  if (!target) throw new UsageError('missing --target (a serial port such as /dev/ttyUSB0, or tcp://host:23)');
  const baud = values.baud === undefined ? undefined : Number(values.baud);
  if (baud !== undefined && !(Number.isInteger(baud) && baud > 0)) throw new UsageError(`--baud must be a positive whole number (got ${values.baud})`);
  let transport: Transport;
  try {
    transport = await openTransport(target, { baud });
  } catch (err) {
    if (err instanceof FlashError) {
      process.stderr.write(`roomlink console: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  }
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  process.stderr.write(`connected to ${target}${tty ? ' (Ctrl-] quits)' : ''}\n`);
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
    transport.onClose((err) => void finish(1, `connection to ${target} closed${err ? `: ${err.message}` : ''}`));
    if (tty) stdin.setRawMode(true);
    stdin.on('data', onKeys);
    // Piped input: send it, give the board a moment to answer, then end.
    stdin.once('end', () => setTimeout(() => void finish(0), 1000));
    stdin.resume();
  });
}

export const command: Command = {
  flags: CONSOLE_FLAGS,
  run,
};
