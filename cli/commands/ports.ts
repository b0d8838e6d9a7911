// `roomlink ports`: the serial ports on this machine and the boards detected on them
// (USB-UART bridge chip, serial number, stable /dev/serial/by-id path). `roomlink hub`
// without --serial attaches the ones marked "board".
import type { Command } from '../cli.ts';
import { HELP_FLAG, parseCommandLine, usageText, type FlagSpec } from '../../hub/config/args.ts';
import { listSerialPorts, type DetectedPort } from '../../hub/serial/port-list.ts';

const PORTS_FLAGS: readonly FlagSpec[] = [{ flag: '--json', kind: 'true', help: 'one JSON array instead of the table' }, HELP_FLAG];

export function portsUsage(): string {
  return usageText({
    synopsis: 'roomlink ports [--json]',
    about:
      'Lists serial ports and what is attached. Ports marked "board" carry a known USB-UART\n' +
      'bridge (CP210x, CH340/CH9102/CH343, FTDI, ESP32-S2/S3/C3 native USB); `roomlink hub`\n' +
      'attaches those by itself when no --serial is given.',
    flags: PORTS_FLAGS,
  });
}

/** Said when no board shows up: the usual reasons on Linux, and what to do about each. */
export const NO_BOARD_HINT = [
  'No board found. If one is plugged in:',
  '  - use a USB cable that carries data (many charge-only cables do not); `dmesg -w` shows it arrive',
  '  - permission: join the dialout group (sudo usermod -aG dialout $USER, then log in again)',
  '  - ModemManager may grab new serial devices: sudo systemctl disable --now ModemManager',
  '  - a board with another USB chip is listed as "other": pass its path to `roomlink hub --serial PATH`',
].join('\n');

export function formatPorts(ports: DetectedPort[]): string {
  if (ports.length === 0) return 'No serial ports found.';
  const lines: string[] = [];
  for (const p of ports) {
    const kind = p.chip ? 'board' : 'other';
    const ids = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : 'no USB ids';
    lines.push(`${p.path}  ${kind}  ${p.chip ?? p.manufacturer ?? ids}`);
    if (p.chip || p.manufacturer) lines.push(`    usb ${ids}${p.manufacturer ? `, ${p.manufacturer}` : ''}`);
    if (p.serialNumber) lines.push(`    serial number ${p.serialNumber}`);
    if (p.byIdPath) lines.push(`    by-id ${p.byIdPath}`);
  }
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, PORTS_FLAGS);
  if (values.help) {
    process.stdout.write(`${portsUsage()}\n`);
    return 0;
  }
  const ports = await listSerialPorts();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(ports, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${formatPorts(ports)}\n`);
  // The hint goes to stderr: stdout stays the list, for scripts.
  if (!ports.some((p) => p.chip)) process.stderr.write(`${NO_BOARD_HINT}\n`);
  return 0;
}

export const command: Command = {
  flags: PORTS_FLAGS,
  run,
};
