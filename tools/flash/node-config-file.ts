// Node config files as users write them: JSON with // and /* */ comments (what
// `roomlink config init` writes, and what editors call JSONC). Comments are blanked out,
// keeping line and column numbers, so JSON errors point at the right place. The board
// receives plain JSON without comments (JSON.stringify of the checked config).
import { readFile } from 'node:fs/promises';
import { checkNodeConfig, type NodeConfig } from '../../shared/node-config.ts';
import { isSlug, toSlug } from '../../shared/slug.ts';
import { FileError, fileProblem } from '../../hub/config/errors.ts';

/** Replaces comments with spaces (newlines kept); strings, including "//" inside them, are untouched. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      let j = i;
      while (j < text.length && text[j] !== '\n') j++;
      out += ' '.repeat(j - i);
      i = j;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const j = end < 0 ? text.length : end + 2;
      out += text.slice(i, j).replace(/[^\n]/g, ' ');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** 1-based line and column of a character position. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  if (c === '\n') return 'a line break';
  if (/\s/.test(c)) return 'a space';
  return `'${c}'`;
}

/**
 * Where and why JSON text does not parse: a strict scanner, so every error has a line, a
 * column and the same wording on every Node version (V8's messages differ between versions,
 * often lack a position and quote the text, line breaks included).
 */
export function jsonSyntaxError(text: string): { position: number; reason: string } | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw { position: at, reason };
  };
  const ws = () => {
    while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  };
  const string = () => {
    const start = i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("a string that never ends (a missing '\"'?)", start);
      if (c === '"') return void i++;
      if (c === '\n') fail("a line break inside a string (a missing '\"'?)");
      if (c! < ' ') fail('a control character inside a string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by 4 hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`an invalid escape \\${e ?? ''} in a string`);
      } else i++;
    }
  };
  const value = (what: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] === '}') fail("a comma before '}' (JSON allows no trailing comma)", text.lastIndexOf(',', i));
        if (text[i] === "'") fail('property names need double quotes, not single quotes');
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describeChar(text[i])}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after the property name, found ${describeChar(text[i])}`);
        i++;
        value("a value after ':'");
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail(`expected ',' or '}' after a property value, found ${describeChar(text[i])}${text[i] === '"' ? " (a missing ','?)" : ''}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        ws();
        if (text[i] === ']') fail("a comma before ']' (JSON allows no trailing comma)", text.lastIndexOf(',', i));
        value('a list item');
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail(`expected ',' or ']' after a list item, found ${describeChar(text[i])}${'"{['.includes(text[i] ?? '-') ? " (a missing ','?)" : ''}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === "'") fail('strings need double quotes, not single quotes');
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number && number[0] !== '-' && number[0] !== '') {
      if (/^[0-9a-zA-Z_.]/.test(text.slice(i + number[0].length))) fail(`an invalid number (${/^[-\w.]+/.exec(text.slice(i))![0]})`);
      i += number[0].length;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected ${what}, found ${c === undefined ? 'the end of the file' : describeChar(c)}`);
  };
  try {
    value('a JSON value');
    ws();
    if (i < text.length) fail(`unexpected text after the end of the JSON value: ${describeChar(text[i])}`);
    return undefined;
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'position' in err) return err as { position: number; reason: string };
    throw err;
  }
}

/** Parses JSON-with-comments; throws an Error naming the line and column of a syntax error, on one line. */
export function parseJsonWithComments(text: string): unknown {
  const clean = stripJsonComments(text.replace(/^\uFEFF/, ''));
  const problem = jsonSyntaxError(clean);
  if (problem) {
    const { line, column } = lineAndColumn(clean, problem.position);
    throw new Error(`not valid JSON at line ${line}, column ${column}: ${problem.reason}`);
  }
  try {
    return JSON.parse(clean);
  } catch (err) {
    // The scanner above and JSON.parse agree on valid JSON; this is a safety net.
    throw new Error(`not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

export type NodeConfigFileResult = { ok: true; config: NodeConfig; warnings: string[] } | { ok: false; errors: string[] };

/** Placeholders of the examples `roomlink config init` writes, which must not reach a board. */
const EXAMPLE_PLACEHOLDERS: Record<string, string> = { 'wifi.password': 'change-me', 'wifi.ssid': 'my-network' };

/**
 * What is valid but most likely wrong: a WiFi node without a `wifi` section (on an ESP32 it
 * would never join a network), and the examples' placeholders left in.
 */
export function nodeConfigWarnings(config: NodeConfig): string[] {
  const warnings: string[] = [];
  if (config.transport === 'wifi' && !config.wifi) {
    warnings.push(
      'wifi: missing for transport "wifi": on an ESP32 the node would never join a network (only `roomlink sim` and ' +
        'Espruino\'s Linux build run without one); add "wifi": {"ssid": "...", "password": "..."}, or use "transport": "serial"',
    );
  }
  const values: Record<string, unknown> = { 'wifi.password': config.wifi?.password, 'wifi.ssid': config.wifi?.ssid };
  for (const [key, placeholder] of Object.entries(EXAMPLE_PLACEHOLDERS)) {
    if (values[key] === placeholder)
      warnings.push(`${key}: still the example's "${placeholder}"; put your network's ${key === 'wifi.ssid' ? 'name' : 'password'} there`);
  }
  if (config.mqtt?.password === 'change-me' || config.mqtt?.password === '...')
    warnings.push("mqtt.password: still the example's placeholder; put the broker password there");
  return warnings;
}

/** "room: room 'Living Room': ... not allowed" gains the slug the name would have. */
function withSlugSuggestions(raw: unknown, errors: string[]): string[] {
  if (typeof raw !== 'object' || raw === null) return errors;
  const record = raw as Record<string, unknown>;
  return errors.map((error) => {
    for (const key of ['node', 'room']) {
      const value = record[key];
      if (!error.startsWith(`${key}: `) || typeof value !== 'string') continue;
      const slug = toSlug(value);
      if (slug && slug !== value && isSlug(slug)) return `${error}; did you mean "${slug}"?`;
    }
    return error;
  });
}

/** Reads, parses and checks a node config file. Problems are listed (each `path: problem`), never thrown. */
export async function readNodeConfigFile(path: string): Promise<NodeConfigFileResult> {
  try {
    const { config, warnings } = await loadNodeConfigFile(path);
    return { ok: true, config, warnings };
  } catch (err) {
    if (err instanceof FileError) return { ok: false, errors: err.message.split('\n') };
    throw err;
  }
}

/**
 * The one reader of node config files, for every command: reads, parses (comments allowed)
 * and checks. Throws a FileError — missing, unreadable, a directory, not JSON (with line and
 * column), or not a valid config (every problem, by key) — that the CLI prints and exits 2 on.
 */
export async function loadNodeConfigFile(path: string): Promise<{ config: NodeConfig; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FileError(path, fileProblem(err), missing ? `create one with \`roomlink config init ${path}\`` : undefined);
  }
  let raw: unknown;
  try {
    raw = parseJsonWithComments(text);
  } catch (err) {
    throw new FileError(path, (err as Error).message);
  }
  const checked = checkNodeConfig(raw);
  if (!checked.ok)
    throw new FileError(path, withSlugSuggestions(raw, checked.errors), `\`roomlink config init - --example kitchen\` prints a commented example`);
  return { config: checked.config, warnings: nodeConfigWarnings(checked.config) };
}

/** Every secret in a config, for scrubbing anything the board prints before we show it. */
export function configSecrets(config: NodeConfig): string[] {
  const secrets = [config.wifi?.password, config.mqtt?.password].filter((s): s is string => typeof s === 'string' && s.length > 0);
  // Also as they appear inside JSON and inside a \x-escaped literal on the line we sent.
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}
