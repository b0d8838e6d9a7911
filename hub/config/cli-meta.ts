// Flags and environment variables of the settings, read off the schema rather than kept in
// tables of their own: each key's `.meta({ flag, env, metavar, flagKind, flagHelp })`
// (schema.ts) as it comes out of `z.toJSONSchema(hubSettingsSchema, { io: 'input' })`, with
// the kind of value taken from the JSON type and the default shown in `--help` taken from the
// schema's default, so neither is written twice. args.ts builds the flag tables of `roomlink
// hub`, `broker` and `watch` from this, env.ts the environment variables, reference.ts the
// README's configuration reference.
import { homedir, hostname } from 'node:os';
import * as z from 'zod';
import type { FlagKind } from './args.ts';
import { hubSettingsSchema, SECRET_KEYS } from './schema.ts';

/** The part of a JSON Schema (as z.toJSONSchema writes it) that the flags and the reference read. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  // From `.meta()` in schema.ts.
  flag?: string;
  env?: string;
  metavar?: string;
  flagKind?: 'path' | 'url' | 'serial';
  flagHelp?: string;
}

/** Name of the variable that points at the settings file (read by load.ts; not a setting). */
export const CONFIG_ENV = 'ROOMLINK_CONFIG';

let jsonSchema: JsonSchema | undefined;

/** The settings schema as JSON Schema (input side: every key optional, defaults shown). */
export function settingsJsonSchema(): JsonSchema {
  jsonSchema ??= z.toJSONSchema(hubSettingsSchema, { io: 'input' }) as JsonSchema;
  return jsonSchema;
}

/** Defaults computed from this machine are shown as what they stand for. */
export function machineFree(text: string): string {
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-');
  return text
    .replace(new RegExp(`roomlink-hub-${host}-[0-9a-f]{6}`, 'g'), 'roomlink-hub-<hostname>-<hash of data_dir>')
    .split(homedir())
    .join('~');
}

/** A setting that has a flag or an environment variable. */
export interface SettingCli {
  key: string[];
  /** How a value typed as text becomes the setting: flagKind, else from the JSON type. */
  kind: FlagKind;
  /** The JSON type of the key, as the schema has it (for tests: the kind must fit it). */
  jsonType: string;
  flag?: string;
  env?: string;
  metavar?: string;
  /** flagHelp, else the description. */
  help: string;
  /** The default as `--help` shows it; undefined for none, an empty one and switches. */
  shownDefault?: string;
  /** A password: on the command line it is visible in `ps`. */
  secret: boolean;
}

function kindOf(s: JsonSchema): FlagKind {
  if (s.flagKind) return s.flagKind;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'boolean') return s.flag?.startsWith('--no-') ? 'false' : 'true';
  if (type === 'array') return 'list';
  return 'string';
}

function shownDefault(s: JsonSchema, kind: FlagKind): string | undefined {
  const value = s.default;
  if (value === undefined || kind === 'true' || kind === 'false') return undefined;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return undefined;
  return machineFree(typeof value === 'string' ? value : JSON.stringify(value));
}

function collect(schema: JsonSchema, path: string[], out: SettingCli[]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = [...path, name];
    if (child.type === 'object' && child.properties) {
      collect(child, key, out);
      continue;
    }
    if (child.flag === undefined && child.env === undefined) continue;
    const kind = kindOf(child);
    out.push({
      key,
      kind,
      jsonType: Array.isArray(child.type) ? child.type.join('|') : (child.type ?? 'any'),
      ...(child.flag ? { flag: child.flag } : {}),
      ...(child.env ? { env: child.env } : {}),
      ...(child.metavar ? { metavar: child.metavar } : {}),
      help: child.flagHelp ?? child.description ?? '',
      ...(shownDefault(child, kind) !== undefined ? { shownDefault: shownDefault(child, kind) } : {}),
      secret: SECRET_KEYS.has(name),
    });
  }
}

/** Every setting with a flag or an environment variable, in the schema's order. */
export const SETTINGS_CLI: readonly SettingCli[] = (() => {
  const out: SettingCli[] = [];
  collect(settingsJsonSchema(), [], out);
  return out;
})();

/**
 * The settings a command reads, by section or key ('mqtt', 'mqtt.url', 'data_dir'), in the
 * order of the selectors and within one in the schema's order.
 */
export function settingsUnder(selectors: readonly string[]): SettingCli[] {
  return selectors.flatMap((selector) => SETTINGS_CLI.filter((s) => s.key.join('.') === selector || s.key.join('.').startsWith(`${selector}.`)));
}

/** One `--help` line: `{default}` in the text stands for the default, else it is appended. */
export function helpLine(text: string, defaultText: string | undefined): string {
  if (text.includes('{default}')) {
    if (defaultText === undefined) throw new Error(`"${text}" shows a default, but its key has none`);
    return text.replaceAll('{default}', defaultText);
  }
  return defaultText === undefined ? text : `${text} (default ${defaultText})`;
}

/** The environment variable of a key, if it has one. */
export function envOf(key: readonly string[]): string | undefined {
  return SETTINGS_CLI.find((s) => s.key.join('.') === key.join('.'))?.env;
}
