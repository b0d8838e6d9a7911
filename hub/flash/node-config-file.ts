// Node config files as users write them: JSON with // and /* */ comments (what
// `roomlink config init` writes, and what editors call JSONC). Comments are blanked out,
// keeping line and column numbers, so JSON errors point at the right place. The board
// receives plain JSON without comments (JSON.stringify of the checked config).
import { readFile } from 'node:fs/promises';
import { checkNodeConfig, type NodeConfig } from '../../shared/node-config.ts';

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

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parses JSON-with-comments; throws an Error naming the line and column of a syntax error. */
export function parseJsonWithComments(text: string): unknown {
  const clean = stripJsonComments(text.replace(/^\uFEFF/, ''));
  try {
    return JSON.parse(clean);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? ` at ${lineAndColumn(clean, Number(at[1]))}` : '';
    throw new Error(`not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

export type NodeConfigFileResult = { ok: true; config: NodeConfig } | { ok: false; errors: string[] };

/** Reads, parses and checks a node config file. Problems are listed, never thrown. */
export async function readNodeConfigFile(path: string): Promise<NodeConfigFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [code === 'ENOENT' ? `${path}: no such file (create one with \`roomlink config init ${path}\`)` : `${path}: ${(err as Error).message}`] };
  }
  let raw: unknown;
  try {
    raw = parseJsonWithComments(text);
  } catch (err) {
    return { ok: false, errors: [`${path}: ${(err as Error).message}`] };
  }
  const checked = checkNodeConfig(raw);
  return checked.ok ? checked : { ok: false, errors: checked.errors.map((e) => `${path}: ${e}`) };
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
