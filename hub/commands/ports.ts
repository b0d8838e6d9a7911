// `roomlink ports`: the serial ports on this machine and the boards detected on them
// (USB-UART bridge chip, serial number, stable /dev/serial/by-id path). `roomlink hub`
// without --serial attaches the ones marked "board".
import type { Command } from '../cli.ts';
import { listSerialPorts, type DetectedPort } from '../serial/port-list.ts';

const USAGE = [
  'Usage: roomlink ports [--json]',
  '',
  'Lists serial ports and what is attached. Ports marked "board" carry a known USB-UART',
  'bridge (CP210x, CH340/CH9102/CH343, FTDI, ESP32-S2/S3/C3 native USB); `roomlink hub`',
  'attaches those by itself when no --serial is given.',
  '',
  'Options:',
  '  --json  one JSON array instead of the table',
  '  --help  show this help',
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
  const unknown = argv.filter((a) => a !== '--json' && a !== '--help' && a !== '-h');
  if (unknown.length > 0) {
    process.stderr.write(`roomlink ports: unknown option '${unknown[0]}'\n\n${USAGE}\n`);
    return 2;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const ports = await listSerialPorts();
  process.stdout.write((argv.includes('--json') ? JSON.stringify(ports, null, 2) : formatPorts(ports)) + '\n');
  return 0;
}

export const command: Command = {
  summary: 'list serial ports and the boards detected on them',
  run,
};
