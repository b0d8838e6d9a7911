// Command-line flags of every roomlink command, parsed one way: node:util parseArgs over a
// table of FlagSpec, checked token by token so that every mistake reads the same in every
// command (unknown option with "did you mean", missing value, value on a switch, stray
// argument) and `--help` is printed from the same table. Flags of `roomlink hub`, `broker`
// and `watch` also map onto settings keys, so flags, environment and file share one
// validation; those flags are declared on the settings schema itself (cli-meta.ts).
import { parseArgs } from 'node:util';
import { CONFIG_ENV, envOf, helpLine, settingsUnder } from './cli-meta.ts';
import { suggest } from './errors.ts';
import { setAt, type PlainObject } from './layers.ts';
import { splitUrlCredentials } from './url.ts';

export type FlagKind =
  | 'string' // taken as given
  | 'number' // digits become a number; anything else is left for the schema to reject
  | 'path' // a file or directory, resolved later against the working directory
  | 'serial' // repeatable, each one a serial port
  | 'url' // a broker URL; user:password@ is moved into username/password
  | 'list' // repeatable string
  | 'true' // a switch without value
  | 'false'; // a switch without value that turns its key off (--no-http)

export interface FlagSpec {
  flag: string;
  /** One-letter alias, e.g. 'h' for -h. */
  short?: string;
  /** Settings key the value lands in (hub, broker, watch); undefined for plain flags. */
  key?: string[];
  kind: FlagKind;
  metavar?: string;
  help: string;
  /** Given on the command line, this value is visible to every user in `ps`. */
  secret?: boolean;
}

/** The command line is wrong: the command prints the problems and exits 2. */
export class UsageError extends Error {
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'));
    this.name = 'UsageError';
    this.problems = list;
    // A typing mistake, not a bug: no stack trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export const HELP_FLAG: FlagSpec = { flag: '--help', short: 'h', kind: 'true', help: 'show this help' };

export interface CommandLine {
  /** Values by flag name without dashes: strings, string lists (repeatable) or true. */
  values: Record<string, string | string[] | true | undefined>;
  positionals: string[];
}

export interface PositionalRule {
  /** Most positional arguments accepted (default 0). */
  max?: number;
  /** Known words for the first positional (subcommands), for "did you mean". */
  words?: readonly string[];
}

const isRepeatable = (spec: FlagSpec) => spec.kind === 'serial' || spec.kind === 'list';

/**
 * Parses `argv` against a table with node:util parseArgs and reports every problem at once
 * as a UsageError: unknown options (with the nearest known one), options missing their
 * value, values given to switches and arguments the command does not take.
 */
export function parseCommandLine(argv: readonly string[], table: readonly FlagSpec[], rule: PositionalRule = {}): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  const byName = new Map<string, FlagSpec>();
  for (const spec of table) {
    const name = spec.flag.replace(/^--/, '');
    byName.set(name, spec);
    options[name] = {
      type: spec.kind === 'true' || spec.kind === 'false' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
      ...(isRepeatable(spec) ? { multiple: true } : {}),
    };
  }
  const shortOf = new Map(table.filter((s) => s.short).map((s) => [s.short!, s]));
  const known = table.flatMap((s) => (s.short ? [s.flag, `-${s.short}`] : [s.flag]));
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const problems: string[] = [];
  const values: CommandLine['values'] = {};
  const positionals: string[] = [];
  const reportedGroups = new Set<number>();
  let skipPositionalAt = -1;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (token.index === skipPositionalAt) continue;
      positionals.push(token.value);
      continue;
    }
    const raw = argv[token.index]!;
    // "-config" with one dash would be read as -c onfig: a long option typed with one dash.
    if (/^-[^-]{2,}$/.test(raw.split('=')[0]!) && !reportedGroups.has(token.index)) {
      const long = suggest(
        `--${raw.slice(1).split('=')[0]}`,
        table.map((s) => s.flag),
      );
      if (long) {
        reportedGroups.add(token.index);
        problems.push(`unknown option ${raw.split('=')[0]} (did you mean ${long}?)`);
        if (!raw.includes('=') && !(argv[token.index + 1] ?? '-').startsWith('-')) skipPositionalAt = token.index + 1;
        continue;
      }
    }
    if (reportedGroups.has(token.index)) continue;
    // parseArgs names a known short option by its long name, an unknown one by its letter.
    const spec = token.rawName.startsWith('--') ? byName.get(token.name) : shortOf.get(token.rawName.slice(1));
    if (!spec) {
      // "-broker" is parsed as -b -r -o ...: report the word once, as typed.
      const typed = raw.startsWith('--') ? token.rawName : raw.includes('=') ? raw.slice(0, raw.indexOf('=')) : raw;
      if (reportedGroups.has(token.index)) continue;
      reportedGroups.add(token.index);
      const hint = suggest(typed.replace(/^-+/, '--'), known) ?? suggest(typed, known);
      problems.push(`unknown option ${typed}${hint ? ` (did you mean ${hint}?)` : ''}`);
      // A mistyped option most likely had a value after it: one problem, not two.
      if (raw.startsWith('--') && token.inlineValue === undefined && !(argv[token.index + 1] ?? '-').startsWith('-')) skipPositionalAt = token.index + 1;
      continue;
    }
    const name = spec.flag.replace(/^--/, '');
    if (spec.kind === 'true' || spec.kind === 'false') {
      if (token.inlineValue) problems.push(`${spec.flag} takes no value (got ${spec.flag}=${token.value})`);
      else values[name] = true;
      continue;
    }
    // parseArgs takes the next word as the value even when it is the next option.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1)) {
      problems.push(`${spec.flag} needs a value (${spec.flag} ${spec.metavar ?? 'VALUE'})`);
      continue;
    }
    if (isRepeatable(spec)) values[name] = [...((values[name] as string[] | undefined) ?? []), token.value];
    else values[name] = token.value;
  }
  const max = rule.max ?? 0;
  for (const extra of positionals.slice(max)) {
    const hint = rule.words && positionals.indexOf(extra) === 0 ? suggest(extra, rule.words) : undefined;
    problems.push(`unexpected argument "${extra}"${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  if (problems.length > 0) throw new UsageError(problems);
  return { values, positionals };
}

export interface UsageText {
  /** e.g. 'roomlink build [options]'. */
  synopsis: string | string[];
  /** What the command does, a few lines. */
  about?: string;
  flags: readonly FlagSpec[];
  /** Anything after the options: environment, examples. */
  footer?: string;
}

export function flagLines(table: readonly FlagSpec[]): string[] {
  const left = table.map((f) => `${f.short ? `-${f.short}, ` : '    '}${f.metavar ? `${f.flag} ${f.metavar}` : f.flag}`);
  const width = Math.max(...left.map((l) => l.length));
  return table.map((f, i) => `  ${left[i]!.padEnd(width)}  ${f.help}`);
}

/** `--help` text: synopsis, what it does, and one line per flag of the table. */
export function usageText(u: UsageText): string {
  const synopsis = Array.isArray(u.synopsis) ? u.synopsis : [u.synopsis];
  const lines = [`Usage: ${synopsis[0]}`, ...synopsis.slice(1).map((s) => `       ${s}`)];
  if (u.about) lines.push('', u.about);
  lines.push('', 'Options:', ...flagLines(u.flags));
  if (u.footer) lines.push('', u.footer);
  return lines.join('\n');
}

/**
 * A hint written with settings keys in braces — `{broker.port}`, or `{mqtt.url=mqtt://h:1883}`
 * with a value — as the user of one command can act on it: the command's flag for that key
 * (`--port`, `--broker mqtt://h:1883`) where it has one, otherwise the key in the settings
 * file (`broker.port in the settings file`).
 */
export function renderHint(template: string, table: readonly FlagSpec[]): string {
  return template.replace(/\{([a-z_]+(?:\.[a-z_]+)*)(?:=([^}]*))?\}/g, (_m, key: string, value: string | undefined) => {
    const spec = table.find((f) => f.key?.join('.') === key);
    if (spec) return spec.kind === 'true' || spec.kind === 'false' ? spec.flag : `${spec.flag} ${value ?? spec.metavar ?? 'VALUE'}`;
    return value === undefined ? `${key} in the settings file` : `${key}: ${value} in the settings file`;
  });
}

/** The same hint with plain keys, for messages read outside a command (tests, library use). */
export function plainHint(template: string): string {
  return template.replace(/\{([a-z_]+(?:\.[a-z_]+)*)(?:=([^}]*))?\}/g, (_m, key: string, value: string | undefined) =>
    value === undefined ? key : `${key}: ${value}`,
  );
}

// ---------------------------------------------------------------------------------------
// Commands whose flags are settings: hub, broker, watch.

/**
 * The flags of the settings a command reads (sections or keys, see settingsUnder), as
 * declared on the schema. `help` replaces the schema's help line of a flag in this command
 * (the default is still added from the schema).
 */
export function settingFlags(selectors: readonly string[], help: Readonly<Record<string, string>> = {}): FlagSpec[] {
  return settingsUnder(selectors)
    .filter((s) => s.flag !== undefined)
    .map((s) => ({
      flag: s.flag!,
      key: s.key,
      kind: s.kind,
      ...(s.metavar ? { metavar: s.metavar } : {}),
      help: helpLine(help[s.flag!] ?? s.help, s.shownDefault),
      ...(s.secret ? { secret: true } : {}),
    }));
}

/** "Environment:" of a usage text: the variables of the settings the command reads, and ROOMLINK_CONFIG. */
export function envFooter(selectors: readonly string[]): string {
  const names = [
    ...settingsUnder(selectors)
      .filter((s) => s.env !== undefined)
      .map((s) => (s.kind === 'serial' || s.kind === 'list' ? `${s.env} (comma list)` : s.env!)),
    CONFIG_ENV,
  ];
  const lines: string[] = [];
  for (const name of names) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + name.length + 2 <= 96) lines[last] += `, ${name}`;
    else lines.push(`  ${name}`);
  }
  return ['Environment (below flags, above the settings file):', ...lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l))].join('\n');
}

/** What `roomlink hub` reads from flags and environment. */
const HUB_SETTINGS = ['mqtt', 'serial', 'qos', 'data_dir', 'http', 'log_level'] as const;
/** What `roomlink broker` reads. */
const BROKER_SETTINGS = ['broker', 'data_dir', 'log_level'] as const;
/** What `roomlink watch` reads: how to reach the broker, and where readings and discovery are. */
const WATCH_SETTINGS = [
  'mqtt.url',
  'mqtt.username',
  'mqtt.password',
  'mqtt.password_file',
  'mqtt.ca',
  'mqtt.cert',
  'mqtt.key',
  'topics.readings',
  'topics.discovery',
] as const;

export const HUB_FLAGS: readonly FlagSpec[] = [
  ...settingFlags(HUB_SETTINGS),
  { flag: '--config', short: 'c', kind: 'path', metavar: 'FILE', help: `settings file (default $${CONFIG_ENV} or <data-dir>/config.yaml)` },
  HELP_FLAG,
];

export const BROKER_FLAGS: readonly FlagSpec[] = [
  ...settingFlags(BROKER_SETTINGS, { '--data-dir': 'persistence in <data-dir>/broker' }),
  { flag: '--config', short: 'c', kind: 'path', metavar: 'FILE', help: 'settings file; its `broker` section is used' },
  HELP_FLAG,
];

export const WATCH_FLAGS: readonly FlagSpec[] = [
  ...settingFlags(WATCH_SETTINGS, { '--broker': "broker to watch (default: the hub's, mqtt://127.0.0.1:1883 unless its settings say otherwise)" }),
  { flag: '--json', kind: 'true', help: 'one JSON object per reading, for scripts' },
  { flag: '--config', short: 'c', kind: 'path', metavar: 'FILE', help: "the hub's settings file: watch the broker it uses, with its credentials" },
  HELP_FLAG,
];

export interface ParsedArgs {
  help: boolean;
  /** --config FILE, as given. */
  configFile?: string;
  /** Settings overrides from the flags, shaped like the settings file. */
  overrides: PlainObject;
  /** Which flag set each key (key path joined with "."), for error messages. */
  labels: Record<string, string>;
  /** Things to tell the user, e.g. a password given on the command line. */
  warnings: string[];
  /** Flags without a settings key (e.g. watch's --json), by name without dashes. */
  values: CommandLine['values'];
  positionals: string[];
}

/** "115200" → 115200; anything else stays a string for the schema to reject by name. */
export function numberOrText(text: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

interface UrlCredentials {
  section: string;
  username?: string;
  password?: string;
  label: string;
}

/** Credentials inside --broker URL count only where no dedicated flag says otherwise. */
function applyUrlCredentials(result: ParsedArgs, creds: UrlCredentials): void {
  const section = (result.overrides[creds.section] ?? {}) as PlainObject;
  if (creds.username !== undefined && section.username === undefined) {
    setAt(result.overrides, [creds.section, 'username'], creds.username);
    result.labels[`${creds.section}.username`] = creds.label;
  }
  if (creds.password !== undefined && section.password === undefined && section.password_file === undefined) {
    setAt(result.overrides, [creds.section, 'password'], creds.password);
    result.labels[`${creds.section}.password`] = creds.label;
  }
}

/** "prefer --password-file or ROOMLINK_MQTT_PASSWORD": where a password given as `key` belongs instead. */
function preferInstead(key: readonly string[], table: readonly FlagSpec[]): string {
  const fileKey = [...key.slice(0, -1), `${key.at(-1)}_file`].join('.');
  const ways = [table.find((f) => f.key?.join('.') === fileKey)?.flag, envOf(key)].filter((w) => w !== undefined);
  return `prefer ${ways.join(' or ')}`;
}

/** Parses flags against a table into settings overrides; throws UsageError listing every unusable flag. */
export function parseFlags(argv: readonly string[], table: readonly FlagSpec[], rule: PositionalRule = {}): ParsedArgs {
  const line = parseCommandLine(argv, table, rule);
  const result: ParsedArgs = { help: line.values.help === true, overrides: {}, labels: {}, warnings: [], values: {}, positionals: line.positionals };
  let urlCredentials: UrlCredentials | undefined;
  for (const spec of table) {
    const name = spec.flag.replace(/^--/, '');
    const value = line.values[name];
    if (value === undefined || spec.flag === '--help') continue;
    if (spec.flag === '--config') {
      result.configFile = value as string;
      continue;
    }
    if (!spec.key) {
      result.values[name] = value;
      continue;
    }
    const key = spec.key;
    const label = `flag ${spec.flag}`;
    if (spec.secret)
      result.warnings.push(`${spec.flag} puts the password where every user of this machine can read it (ps, shell history); ${preferInstead(key, table)}`);
    switch (spec.kind) {
      case 'true':
        setAt(result.overrides, key, true);
        break;
      case 'false':
        setAt(result.overrides, key, false);
        break;
      case 'number':
        setAt(result.overrides, key, numberOrText(value as string));
        break;
      case 'serial':
        setAt(
          result.overrides,
          key,
          (value as string[]).map((path) => ({ path })),
        );
        break;
      case 'url': {
        const split = splitUrlCredentials(value as string);
        setAt(result.overrides, key, split.url);
        urlCredentials = { section: key[0]!, username: split.username, password: split.password, label };
        if (split.password !== undefined) {
          result.warnings.push(
            `${spec.flag} with a password in the URL puts it where every user of this machine can read it (ps, shell history); ${preferInstead([key[0]!, 'password'], table)}`,
          );
        }
        break;
      }
      default:
        setAt(result.overrides, key, value);
    }
    result.labels[key.join('.')] = label;
  }
  if (urlCredentials) applyUrlCredentials(result, urlCredentials);
  return result;
}

/** Flags of `roomlink hub`, already split from the command name. */
export function parseHubArgs(argv: readonly string[]): ParsedArgs {
  return parseFlags(argv, HUB_FLAGS);
}

/** Flags of `roomlink broker`. */
export function parseBrokerArgs(argv: readonly string[]): ParsedArgs {
  return parseFlags(argv, BROKER_FLAGS);
}

/** Flags of `roomlink watch`: one optional topic filter. */
export function parseWatchArgs(argv: readonly string[]): ParsedArgs {
  return parseFlags(argv, WATCH_FLAGS, { max: 1 });
}

export function hubUsage(): string {
  return usageText({
    synopsis: 'roomlink hub [options]',
    about:
      'Bridges USB-serial sensor nodes to an MQTT broker. Without --broker (or mqtt.url in the\n' +
      'settings file) the hub starts its embedded broker on 127.0.0.1:1883 (broker.port).',
    flags: HUB_FLAGS,
    footer: [envFooter(HUB_SETTINGS), '', 'Settings file: YAML, every key optional; see hub/config/example.yaml.'].join('\n'),
  });
}

export function brokerUsage(): string {
  return usageText({
    synopsis: 'roomlink broker [options]',
    about:
      'Runs the embedded MQTT broker on its own until Ctrl-C. Retained messages and persistent\n' +
      'sessions are kept in <data-dir>/broker and survive restarts.',
    flags: BROKER_FLAGS,
    footer: envFooter(BROKER_SETTINGS),
  });
}

export function watchUsage(): string {
  return usageText({
    synopsis: 'roomlink watch [FILTER] [options]',
    about:
      'Subscribes to FILTER (default home/#) and prints each reading with its unit and node.\n' +
      "Without --broker it watches the broker the hub uses: mqtt.url from the hub's settings\n" +
      '(--config, ROOMLINK_CONFIG, ~/.roomlink/config.yaml) or ROOMLINK_BROKER, else the embedded\n' +
      "broker on 127.0.0.1:1883. An authenticated broker (Home Assistant's Mosquitto add-on):\n" +
      '  roomlink watch --broker mqtt://192.168.1.10:1883 --username me --password-file ~/.mqtt-pass',
    flags: WATCH_FLAGS,
    footer: envFooter(WATCH_SETTINGS),
  });
}
