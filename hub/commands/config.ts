// `roomlink config init [FILE] [--example NAME] [--force]` and `roomlink config check FILE`:
// node configs as JSON with // comments (the board gets plain JSON; see flash/node-config-file.ts).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { nodeMeasurements } from '../../shared/node-config.ts';
import type { Command } from '../cli.ts';
import { EXAMPLE_NAMES, exampleNodeConfig, type ExampleName } from '../flash/example-node-configs.ts';
import { readNodeConfigFile } from '../flash/node-config-file.ts';

const USAGE = `Usage:
  roomlink config init [FILE] [--example ${EXAMPLE_NAMES.join('|')}] [--force]
      writes a commented example node config to FILE (default node.json; "-" prints it):
      kitchen: BME280 + PIR motion; living-room: DS18B20; battery: deep sleep + SHT3x
  roomlink config check FILE
      validates a node config the way \`roomlink flash\` does

Node configs are JSON with // comments allowed.`;

async function init(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { example: { type: 'string', short: 'e' }, force: { type: 'boolean', short: 'f' } },
  });
  const example = (values.example ?? 'kitchen') as ExampleName;
  if (!EXAMPLE_NAMES.includes(example)) {
    process.stderr.write(`roomlink config init: unknown example '${example}' (choose ${EXAMPLE_NAMES.join(', ')})\n`);
    return 2;
  }
  const text = exampleNodeConfig(example);
  const file = positionals[0] ?? 'node.json';
  if (file === '-') {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(file, text, { flag: values.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      process.stderr.write(`roomlink config init: ${file} exists; not overwriting it (use --force)\n`);
      return 1;
    }
    throw err;
  }
  process.stdout.write(`wrote ${file} (example: ${example})\nedit the WiFi, broker and sensor settings, then: roomlink config check ${file}\n`);
  return 0;
}

async function check(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    process.stderr.write(`roomlink config check: give one config file\n\n${USAGE}\n`);
    return 2;
  }
  const result = await readNodeConfigFile(positionals[0]!);
  if (!result.ok) {
    process.stderr.write(`${result.errors.join('\n')}\n`);
    return 1;
  }
  const c = result.config;
  const via = c.transport === 'wifi' ? `wifi "${c.wifi?.ssid ?? '(none)'}" to mqtt://${c.mqtt!.host}:${c.mqtt!.port}` : 'serial (through roomlink hub)';
  process.stdout.write(
    `${positionals[0]}: ok\n` +
      `  node ${c.node} in room ${c.room}, ${via}\n` +
      `  measures ${nodeMeasurements(c).join(', ')} every ${c.interval} s${c.sleep ? `, deep sleep ${c.sleep} s between readings` : ''}\n`,
  );
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'init') return await init(rest);
    if (sub === 'check') return await check(rest);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`roomlink config: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const help = sub === undefined || sub === '--help' || sub === '-h';
  (help ? process.stdout : process.stderr).write(USAGE + '\n');
  return help ? 0 : 2;
}

export const command: Command = {
  summary: 'write an example node config (config init) or validate one (config check)',
  run,
};
