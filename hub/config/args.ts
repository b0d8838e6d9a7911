// Command-line flags of `roomlink hub` and `roomlink broker`, as settings overrides. Each
// flag maps onto one settings key, so flags, environment and file share one validation.
import { SettingsError, suggest, type SettingsProblem } from './errors.ts';
import { setAt, type PlainObject } from './layers.ts';
import { splitUrlCredentials } from './url.ts';

type FlagKind =
  | 'string' // taken as given
  | 'number' // digits become a number; anything else is left for the schema to reject
  | 'path' // a file or directory, resolved later against the working directory
  | 'serial' // repeatable, each one a serial port
  | 'url' // a broker URL; user:password@ is moved into username/password
  | 'true' // a switch without value
  | 'false'; // a switch without value that turns its key off (--no-http)

export interface FlagSpec {
  flag: string;
  /** Settings key the value lands in; undefined for --config and --help. */
  key?: string[];
  kind: FlagKind;
  metavar?: string;
  help: string;
  /** Given on the command line, this value is visible to every user in `ps`. */
  secret?: boolean;
}

export const HUB_FLAGS: readonly FlagSpec[] = [
  { flag: '--broker', key: ['mqtt', 'url'], kind: 'url', metavar: 'URL', help: 'MQTT broker, e.g. mqtt://192.168.1.10:1883 (default: start the embedded broker)' },
  { flag: '--username', key: ['mqtt', 'username'], kind: 'string', metavar: 'USER', help: 'broker user name' },
  { flag: '--password-file', key: ['mqtt', 'password_file'], kind: 'path', metavar: 'FILE', help: 'file holding the broker password (or set ROOMLINK_MQTT_PASSWORD)' },
  { flag: '--password', key: ['mqtt', 'password'], kind: 'string', metavar: 'PASSWORD', help: 'broker password (visible in `ps`; prefer --password-file)', secret: true },
  { flag: '--client-id', key: ['mqtt', 'client_id'], kind: 'string', metavar: 'ID', help: 'MQTT client id (default roomlink-hub-<hostname>)' },
  { flag: '--ca', key: ['mqtt', 'ca'], kind: 'path', metavar: 'FILE', help: 'CA certificate (PEM) for mqtts:// and wss://' },
  { flag: '--cert', key: ['mqtt', 'cert'], kind: 'path', metavar: 'FILE', help: 'client certificate (PEM)' },
  { flag: '--key', key: ['mqtt', 'key'], kind: 'path', metavar: 'FILE', help: 'client private key (PEM)' },
  { flag: '--serial', key: ['serial', 'ports'], kind: 'serial', metavar: 'PATH', help: 'serial port to open; repeat for more (default: detect ESP32 boards)' },
  { flag: '--baud', key: ['serial', 'baud'], kind: 'number', metavar: 'N', help: 'serial baud rate (default 115200)' },
  { flag: '--qos', key: ['qos'], kind: 'number', metavar: '0|1', help: 'QoS of readings (default 1)' },
  { flag: '--data-dir', key: ['data_dir'], kind: 'path', metavar: 'DIR', help: 'queue and broker data (default ~/.roomlink)' },
  { flag: '--http', key: ['http', 'listen'], kind: 'string', metavar: 'HOST:PORT', help: 'where the web dashboard listens (default 127.0.0.1:8080; port 0 picks a free one)' },
  { flag: '--http-password-file', key: ['http', 'password_file'], kind: 'path', metavar: 'FILE', help: 'file holding the dashboard password (needed on anything but 127.0.0.1)' },
  { flag: '--no-http', key: ['http', 'enabled'], kind: 'false', help: 'no web dashboard' },
  { flag: '--log-level', key: ['log_level'], kind: 'string', metavar: 'LEVEL', help: 'debug, info, warn or error (default info)' },
  { flag: '--config', kind: 'path', metavar: 'FILE', help: 'settings file (default $ROOMLINK_CONFIG or <data-dir>/config.yaml)' },
  { flag: '--help', kind: 'true', help: 'show this help' },
];

export const BROKER_FLAGS: readonly FlagSpec[] = [
  { flag: '--host', key: ['broker', 'host'], kind: 'string', metavar: 'HOST', help: 'address to listen on (default 127.0.0.1; others need credentials or --allow-anonymous)' },
  { flag: '--port', key: ['broker', 'port'], kind: 'number', metavar: 'N', help: 'TCP port (default 1883; 0 picks a free one)' },
  { flag: '--username', key: ['broker', 'username'], kind: 'string', metavar: 'USER', help: 'user name clients must present' },
  { flag: '--password-file', key: ['broker', 'password_file'], kind: 'path', metavar: 'FILE', help: 'file holding the password clients must present' },
  { flag: '--password', key: ['broker', 'password'], kind: 'string', metavar: 'PASSWORD', help: 'password clients must present (visible in `ps`; prefer --password-file)', secret: true },
  { flag: '--allow-anonymous', key: ['broker', 'allow_anonymous'], kind: 'true', help: 'accept clients without credentials on a network address' },
  { flag: '--data-dir', key: ['data_dir'], kind: 'path', metavar: 'DIR', help: 'persistence in <data-dir>/broker (default ~/.roomlink)' },
  { flag: '--log-level', key: ['log_level'], kind: 'string', metavar: 'LEVEL', help: 'debug, info, warn or error (default info)' },
  { flag: '--config', kind: 'path', metavar: 'FILE', help: 'settings file; its `broker` section is used' },
  { flag: '--help', kind: 'true', help: 'show this help' },
];

const SHORT: Record<string, string> = { '-h': '--help', '-c': '--config' };

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

/** Parses flags against a table; throws SettingsError listing every unusable flag. */
export function parseFlags(argv: readonly string[], table: readonly FlagSpec[]): ParsedArgs {
  const result: ParsedArgs = { help: false, overrides: {}, labels: {}, warnings: [] };
  const problems: SettingsProblem[] = [];
  const serialPorts: Array<{ path: string }> = [];
  let urlCredentials: UrlCredentials | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = SHORT[arg] ?? (eq > 0 ? arg.slice(0, eq) : arg);
    const spec = table.find((f) => f.flag === name);
    if (!spec) {
      const hint = arg.startsWith('-') ? suggest(name, table.map((f) => f.flag)) : undefined;
      const what = arg.startsWith('-') ? `unknown option ${name}` : `unexpected argument "${arg}"`;
      problems.push({ source: 'command line', path: [], message: hint ? `${what} (did you mean ${hint}?)` : what });
      // A mistyped option most likely had a value after it: one problem, not two.
      if (arg.startsWith('--') && eq < 0 && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) i++;
      continue;
    }
    let value: string | undefined;
    if (spec.kind === 'true' || spec.kind === 'false') {
      if (eq > 0) problems.push({ source: `flag ${spec.flag}`, path: [], message: 'takes no value' });
    } else if (eq > 0) {
      value = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      value = argv[++i];
    } else {
      problems.push({ source: `flag ${spec.flag}`, path: [], message: `needs a value (${spec.flag} ${spec.metavar ?? 'VALUE'})` });
      continue;
    }
    const label = `flag ${spec.flag}`;
    if (spec.flag === '--help') {
      result.help = true;
      continue;
    }
    if (spec.flag === '--config') {
      result.configFile = value;
      continue;
    }
    const key = spec.key!;
    if (spec.secret) {
      const envName = key[0] === 'broker' ? 'ROOMLINK_BROKER_PASSWORD' : 'ROOMLINK_MQTT_PASSWORD';
      result.warnings.push(`${spec.flag} puts the password where every user of this machine can read it (ps, shell history); prefer --password-file or ${envName}`);
    }
    switch (spec.kind) {
      case 'true':
        setAt(result.overrides, key, true);
        break;
      case 'false':
        setAt(result.overrides, key, false);
        break;
      case 'number':
        setAt(result.overrides, key, numberOrText(value!));
        break;
      case 'serial':
        serialPorts.push({ path: value! });
        break;
      case 'url': {
        const split = splitUrlCredentials(value!);
        setAt(result.overrides, key, split.url);
        urlCredentials = { section: key[0]!, username: split.username, password: split.password, label };
        if (split.password !== undefined) {
          result.warnings.push(`${spec.flag} with a password in the URL puts it where every user of this machine can read it (ps, shell history); prefer --password-file or ROOMLINK_MQTT_PASSWORD`);
        }
        break;
      }
      default:
        setAt(result.overrides, key, value);
    }
    result.labels[key.join('.')] = label;
  }
  if (serialPorts.length > 0) setAt(result.overrides, ['serial', 'ports'], serialPorts);
  if (urlCredentials) applyUrlCredentials(result, urlCredentials);
  if (problems.length > 0) throw new SettingsError(problems);
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

function flagLines(table: readonly FlagSpec[]): string[] {
  const left = table.map((f) => (f.metavar ? `${f.flag} ${f.metavar}` : f.flag));
  const width = Math.max(...left.map((l) => l.length));
  return table.map((f, i) => `  ${left[i]!.padEnd(width)}  ${f.help}`);
}

export function hubUsage(): string {
  return [
    'Usage: roomlink hub [options]',
    '',
    'Bridges USB-serial sensor nodes to an MQTT broker. Without --broker (or mqtt.url in the',
    'settings file) the hub starts its embedded broker on 127.0.0.1:1883.',
    '',
    'Options:',
    ...flagLines(HUB_FLAGS),
    '',
    'Environment (below flags, above the settings file):',
    '  ROOMLINK_BROKER, ROOMLINK_MQTT_USERNAME, ROOMLINK_MQTT_PASSWORD, ROOMLINK_MQTT_PASSWORD_FILE,',
    '  ROOMLINK_CONFIG, ROOMLINK_DATA_DIR, ROOMLINK_LOG_LEVEL, ROOMLINK_SERIAL (comma list), ROOMLINK_QOS,',
    '  ROOMLINK_HTTP_PASSWORD, ROOMLINK_HTTP_PASSWORD_FILE',
    '',
    'Settings file: YAML, every key optional; see hub/config/example.yaml.',
  ].join('\n');
}

export function brokerUsage(): string {
  return [
    'Usage: roomlink broker [options]',
    '',
    'Runs the embedded MQTT broker on its own until Ctrl-C. Retained messages and persistent',
    'sessions are kept in <data-dir>/broker and survive restarts.',
    '',
    'Options:',
    ...flagLines(BROKER_FLAGS),
    '',
    'Environment: ROOMLINK_BROKER_USERNAME, ROOMLINK_BROKER_PASSWORD, ROOMLINK_BROKER_PASSWORD_FILE,',
    '  ROOMLINK_CONFIG, ROOMLINK_DATA_DIR, ROOMLINK_LOG_LEVEL',
  ].join('\n');
}
