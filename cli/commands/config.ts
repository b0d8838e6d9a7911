// `roomlink config init [FILE] [--example NAME] [--force]` and `roomlink config check FILE`:
// node configs as JSON with // comments (the board gets plain JSON; see flash/node-config-file.ts).
import { chmod, writeFile } from 'node:fs/promises';
import { nodeMeasurements } from '../../shared/node-config.ts';
import type { Command } from '../cli.ts';
import { HELP_FLAG, parseCommandLine, usageText, UsageError, type FlagSpec } from '../../hub/config/args.ts';
import { FileError, fileProblem, suggest } from '../../hub/config/errors.ts';
import { EXAMPLE_NAMES, exampleNodeConfig, type ExampleName } from '../../tools/flash/example-node-configs.ts';
import { loadNodeConfigFile } from '../../tools/flash/node-config-file.ts';

const SUBCOMMANDS = ['init', 'check'] as const;

const CONFIG_FLAGS: readonly FlagSpec[] = [
  { flag: '--example', short: 'e', kind: 'string', metavar: 'NAME', help: `init: which example, ${EXAMPLE_NAMES.join(', ')} (default kitchen)` },
  { flag: '--force', short: 'f', kind: 'true', help: 'init: overwrite FILE if it exists' },
  HELP_FLAG,
];

export function configUsage(): string {
  return usageText({
    synopsis: [`roomlink config init [FILE] [--example ${EXAMPLE_NAMES.join('|')}] [--force]`, 'roomlink config check FILE'],
    about: [
      'init   writes a commented example node config to FILE (default node.json; "-" prints it),',
      '       readable by you only, as it will hold the WiFi password:',
      '       kitchen: BME280 + PIR motion; living-room: DS18B20; battery: deep sleep + SHT3x',
      'check  validates a node config the way `roomlink flash` and `roomlink sim` read it, and',
      '       warns about what is valid but most likely wrong (the example placeholders left in,',
      '       a WiFi node without "wifi")',
      '',
      'Node configs are JSON with // and /* */ comments allowed.',
    ].join('\n'),
    flags: CONFIG_FLAGS,
  });
}

/** A file that will hold the WiFi password: created readable by its owner only. */
async function writePrivate(file: string, text: string, force: boolean): Promise<void> {
  try {
    await writeFile(file, text, { flag: force ? 'w' : 'wx', mode: 0o600 });
    // `mode` applies only when the file is created; an overwritten one is narrowed too.
    await chmod(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new FileError(file, 'exists; not overwriting it', `pass --force to overwrite it, or name another file: roomlink config init other.json`);
    }
    throw new FileError(file, fileProblem(err).replace('no such file', 'no such directory'));
  }
}

async function init(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const example = (values.example ?? 'kitchen') as ExampleName;
  if (!EXAMPLE_NAMES.includes(example)) {
    throw new UsageError(`unknown example "${example}" (choose ${EXAMPLE_NAMES.join(', ')})`);
  }
  const file = positionals[0] ?? 'node.json';
  if (file === '-') {
    process.stdout.write(exampleNodeConfig(example));
    return 0;
  }
  await writePrivate(file, exampleNodeConfig(example, file), values.force === true);
  process.stdout.write(
    `wrote ${file} (example: ${example}; readable by you only, as it will hold the WiFi password)\n` +
      `edit the WiFi, broker and sensor settings, then: roomlink config check ${file}\n`,
  );
  return 0;
}

async function check(positionals: string[]): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0
        ? 'config check needs the config file: roomlink config check node.json'
        : `config check takes one file (got ${positionals.length})`,
    );
  const file = positionals[0]!;
  const { config: c, warnings } = await loadNodeConfigFile(file);
  const via = c.transport === 'wifi' ? `wifi "${c.wifi?.ssid ?? '(none)'}" to mqtt://${c.mqtt!.host}:${c.mqtt!.port}` : 'serial (through roomlink hub)';
  process.stdout.write(
    `${file}: ok${warnings.length ? `, with ${warnings.length} warning${warnings.length > 1 ? 's' : ''}` : ''}\n` +
      `  node ${c.node} in room ${c.room}, ${via}\n` +
      `  measures ${nodeMeasurements(c).join(', ')} every ${c.interval} s${c.sleep ? `, deep sleep ${c.sleep} s between readings` : ''}\n`,
  );
  for (const warning of warnings) process.stderr.write(`roomlink config: warning: ${file}: ${warning}\n`);
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, CONFIG_FLAGS, { max: 2 });
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help' || sub === undefined) {
    (sub === undefined && !values.help ? process.stderr : process.stdout).write(`${configUsage()}\n`);
    return sub === undefined && !values.help ? 2 : 0;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    const hint = suggest(sub, SUBCOMMANDS);
    throw new UsageError(`unknown subcommand "${sub}"${hint ? ` (did you mean ${hint}?)` : ''}; roomlink config has ${SUBCOMMANDS.join(' and ')}`);
  }
  if (sub === 'check' && (values.example !== undefined || values.force !== undefined)) {
    throw new UsageError(`${values.example !== undefined ? '--example' : '--force'} is for config init, not config check`);
  }
  if (sub === 'init' && rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`);
  return sub === 'init' ? init(values, rest) : check(rest);
}

export const command: Command = {
  flags: CONFIG_FLAGS,
  positionals: { max: 2, words: SUBCOMMANDS },
  run,
};
