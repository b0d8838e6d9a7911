// Loading the hub's settings: schema defaults < YAML file < environment < flags, validated
// as one object so every problem is reported at once with the file, variable or flag that
// caused it.
import { access, readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type * as z from 'zod';
import { parseHubArgs, type ParsedArgs } from './args.ts';
import { SETTINGS_CLI } from './cli-meta.ts';
import { CONFIG_ENV, envLayer } from './env.ts';
import { fileProblem, SettingsError, problemsFromIssues, type KeyPath, type SettingsProblem } from './errors.ts';
import { LayeredSettings, isPlainObject, type PlainObject, type SettingsLayer } from './layers.ts';
import { defaultClientId, hubSettingsSchema, type HubSettings } from './schema.ts';
import { splitUrlCredentials } from './url.ts';

export interface LoadHubSettingsOptions {
  /** Hub flags, already split from the command (`roomlink hub --qos 0` → ['--qos', '0']). */
  argv?: readonly string[];
  /** Flags parsed elsewhere (e.g. by `roomlink broker`); wins over `argv`. */
  args?: ParsedArgs;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Settings file; wins over --config and ROOMLINK_CONFIG. Must exist when given. */
  configFile?: string;
  /** Where warnings go (e.g. a password on the command line). Default: stderr. */
  warn?: (message: string) => void;
  /** Base for relative paths given by flags and environment. Default process.cwd(). */
  cwd?: string;
}

/** File name looked for in the data directory when no settings file is named. */
export const DEFAULT_CONFIG_NAME = 'config.yaml';

/** Keys holding file or directory paths (flagKind 'path' on the schema): `~` expanded, relative ones resolved. */
const PATH_KEYS: readonly string[][] = SETTINGS_CLI.filter((s) => s.kind === 'path').map((s) => s.key);

/** PEM files that must be readable before the hub tries to connect with them. */
const PEM_KEYS = ['ca', 'cert', 'key'] as const;

export async function loadHubSettings(options: LoadHubSettingsOptions = {}): Promise<HubSettings> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warn = options.warn ?? ((message: string) => process.stderr.write(`roomlink: warning: ${message}\n`));
  const args = options.args ?? parseHubArgs(options.argv ?? []);
  for (const warning of args.warnings) warn(warning);

  const envOverrides = envLayer(env);
  const flagLayer: SettingsLayer = { source: 'command line', values: args.overrides, labels: args.labels };
  resolvePaths(envOverrides.values, cwd);
  resolvePaths(flagLayer.values, cwd);

  const file = await findSettingsFile(options.configFile ?? args.configFile ?? nonEmpty(env[CONFIG_ENV]), envOverrides, flagLayer, cwd);
  const layers = new LayeredSettings();
  if (file) layers.add(await readSettingsFile(file.path, file.required));
  layers.add(envOverrides).add(flagLayer);

  const parsed = hubSettingsSchema.safeParse(layers.values, { reportInput: true });
  const problems: SettingsProblem[] = [...layers.problems];
  if (!parsed.success) problems.push(...problemsFromIssues(parsed.error.issues, (p) => layers.sourceOf(p), knownKeysAt));
  if (problems.length > 0) throw new SettingsError(problems);

  const settings = parsed.data!;
  // Unique per machine and data dir unless set: see defaultClientId.
  if ((layers.values.mqtt as PlainObject | undefined)?.client_id === undefined) settings.mqtt.client_id = defaultClientId(settings.data_dir);
  problems.push(...(await readSecrets(settings, layers)), ...(await checkPemFiles(settings, layers)));
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** Expands `~` and makes relative paths absolute against `base` (a file's dir or the cwd). */
function resolvePaths(values: PlainObject, base: string): void {
  const users = isPlainObject(values.broker) ? values.broker.users : undefined;
  const keys = isPlainObject(users) ? [...PATH_KEYS, ...Object.keys(users).map((name) => ['broker', 'users', name, 'password_file'])] : PATH_KEYS;
  for (const key of keys) {
    let node: unknown = values;
    for (const part of key.slice(0, -1)) node = isPlainObject(node) ? node[part] : undefined;
    const last = key[key.length - 1]!;
    if (!isPlainObject(node) || typeof node[last] !== 'string' || node[last] === '') continue;
    const path = expandHome(node[last] as string);
    node[last] = isAbsolute(path) ? path : resolve(base, path);
  }
}

/**
 * The settings file: named explicitly (must exist), or `<data_dir>/config.yaml` when that
 * exists, with data_dir taken from flags, environment or the default.
 */
async function findSettingsFile(
  named: string | undefined,
  envOverrides: SettingsLayer,
  flagLayer: SettingsLayer,
  cwd: string,
): Promise<{ path: string; required: boolean } | undefined> {
  if (named) return { path: resolve(cwd, expandHome(named)), required: true };
  const dataDir = (flagLayer.values.data_dir as string | undefined) ?? (envOverrides.values.data_dir as string | undefined) ?? join(homedir(), '.roomlink');
  const path = join(dataDir, DEFAULT_CONFIG_NAME);
  try {
    await access(path, fsConstants.F_OK);
    return { path, required: false };
  } catch {
    return undefined;
  }
}

/** Reads and parses one YAML settings file into a layer; syntax errors carry line numbers. */
export async function readSettingsFile(path: string, required = true): Promise<SettingsLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return { source: path, values: {} };
    throw new SettingsError([{ source: path, path: [], message: fileProblem(err) }]);
  }
  // Loaded only when there is a file to read: a hub run from flags alone does not carry the
  // YAML parser in memory.
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new SettingsError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const where = at ? `line ${at.line}, column ${at.col}` : 'unknown position';
        // The first line of yaml's message is the reason; the rest is a code excerpt.
        const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return { source: path, path: [], message: `YAML syntax error at ${where}: ${reason}` };
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return { source: path, values: {} };
  if (!isPlainObject(data)) {
    throw new SettingsError([{ source: path, path: [], message: 'must be a YAML mapping of settings (key: value lines), not a list or a single value' }]);
  }
  const values = dropNulls(data) as PlainObject;
  moveUrlCredentials(values);
  resolvePaths(values, dirname(resolve(path)));
  return { source: path, values };
}

/** `key:` with nothing after it means "not set" in a YAML file, as if the line were absent. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
  return out;
}

/** mqtt.url with user:password@ in a file is split like --broker, unless the file sets them itself. */
function moveUrlCredentials(values: PlainObject): void {
  const mqtt = values.mqtt;
  if (!isPlainObject(mqtt) || typeof mqtt.url !== 'string') return;
  const split = splitUrlCredentials(mqtt.url);
  mqtt.url = split.url;
  if (split.username !== undefined && mqtt.username === undefined) mqtt.username = split.username;
  if (split.password !== undefined && mqtt.password === undefined && mqtt.password_file === undefined) mqtt.password = split.password;
}

/** Reads password files into the password keys (password_file stays, for describeSettings). */
async function readSecrets(settings: HubSettings, layers: LayeredSettings): Promise<SettingsProblem[]> {
  const problems: SettingsProblem[] = [];
  const sections = [
    ['mqtt', settings.mqtt],
    ['broker', settings.broker],
    ['http', settings.http],
  ] as const;
  for (const [name, section] of sections) {
    if (!section.password_file) continue;
    const key: KeyPath = [name, 'password_file'];
    try {
      // One line; the newline an editor or `echo` adds is not part of the password.
      const password = (await readFile(section.password_file, 'utf8')).replace(/\r?\n$/, '');
      if (password === '') problems.push({ source: layers.sourceOf(key), path: key, message: `${section.password_file} is empty` });
      else section.password = password;
    } catch (err) {
      problems.push({ source: layers.sourceOf(key), path: key, message: `${section.password_file}: ${fileProblem(err)}` });
    }
  }
  for (const [name, user] of Object.entries(settings.broker.users)) {
    if (!user.password_file) continue;
    const key: KeyPath = ['broker', 'users', name, 'password_file'];
    try {
      const password = (await readFile(user.password_file, 'utf8')).replace(/\r?\n$/, '');
      if (password === '') problems.push({ source: layers.sourceOf(key), path: key, message: `${user.password_file} is empty` });
      else user.password = password;
    } catch (err) {
      problems.push({ source: layers.sourceOf(key), path: key, message: `${user.password_file}: ${fileProblem(err)}` });
    }
  }
  return problems;
}

async function checkPemFiles(settings: HubSettings, layers: LayeredSettings): Promise<SettingsProblem[]> {
  const problems: SettingsProblem[] = [];
  for (const name of PEM_KEYS) {
    const path = settings.mqtt[name];
    if (!path) continue;
    try {
      // Opened and read as the hub will, so a directory or an unreadable file shows now.
      await readFile(path);
    } catch (err) {
      const key: KeyPath = ['mqtt', name];
      problems.push({ source: layers.sourceOf(key), path: key, message: `${path}: ${fileProblem(err)}` });
    }
  }
  return problems;
}

/** Keys allowed at an object path of the schema, for "did you mean" on unknown keys. */
export function knownKeysAt(path: KeyPath): string[] {
  let schema: z.core.$ZodType | undefined = hubSettingsSchema;
  for (const part of [...path, undefined]) {
    schema = unwrap(schema);
    if (part === undefined) break;
    const def = schema?._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (def?.type === 'object' && typeof part === 'string') schema = def.shape?.[part];
    else if (def?.type === 'array') schema = def.element;
    else if (def?.type === 'record') schema = def.valueType;
    else return [];
  }
  const def = schema?._zod.def as unknown as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** Looks through default/prefault/optional/pipe wrappers to the schema that has the shape. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  for (let i = 0; schema && i < 10; i++) {
    const def = schema._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else break;
  }
  return schema;
}

/**
 * Settings for a command run from the terminal (`roomlink hub`, `broker`, `watch`): its
 * flags over the file and environment. Prints `usage()` for --help and resolves to
 * undefined then. Problems are thrown (UsageError, SettingsError) for the CLI to report.
 */
export async function commandSettings(
  argv: readonly string[],
  parse: (argv: readonly string[]) => ParsedArgs,
  usage: () => string,
  options: Omit<LoadHubSettingsOptions, 'args' | 'argv'> = {},
): Promise<{ settings: HubSettings; args: ParsedArgs } | undefined> {
  const args = parse(argv);
  if (args.help) {
    process.stdout.write(`${usage()}\n`);
    return undefined;
  }
  return { settings: await loadHubSettings({ ...options, args }), args };
}
