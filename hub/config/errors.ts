// Settings problems as people read them: where the value came from (file, environment
// variable or flag), which key, and what is wrong, one line per problem. Values of secret
// keys are never echoed.
import type * as z from 'zod';
import { redactUrl } from './redact.ts';
import { SECRET_KEYS } from './schema.ts';

export type KeyPath = ReadonlyArray<string | number>;

export interface SettingsProblem {
  /** Where the offending value came from: a file path, `environment variable X` or `flag --x`. */
  source: string;
  /** Key path inside the settings, e.g. ['serial', 'ports', 1, 'baud']; empty for the whole file. */
  path: KeyPath;
  /** What is wrong, e.g. `must be at least 300`. */
  message: string;
}

/** Thrown for every unusable setting, with all problems found (not just the first). */
export class SettingsError extends Error {
  readonly problems: SettingsProblem[];

  constructor(problems: SettingsProblem[]) {
    const lines = problems.map(formatProblem);
    super(lines.length === 1 ? `invalid settings: ${lines[0]}` : `invalid settings:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
    // A user mistake, not a bug: the message says everything, a stack trace would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * A file a command was given cannot be used: missing, unreadable, a directory, or not
 * valid JSON/YAML. Every command prints it as `roomlink <command>: <path>: <problem>` and
 * exits 2, like a settings problem.
 */
export class FileError extends Error {
  /** One line each, without the path. */
  readonly problems: string[];

  constructor(
    readonly path: string,
    problems: string | string[],
    /** What to do about it, one line. */
    readonly hint?: string,
  ) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map((p) => `${path}: ${p}`).join('\n'));
    this.name = 'FileError';
    this.problems = list;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Why a file could not be read, in the same words in every command. */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return `cannot read it (${code ?? (err as Error).message ?? String(err)})`;
  }
}

/** `serial.ports[1].baud`, `nodes["living/room"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

export function formatProblem(problem: SettingsProblem): string {
  const key = formatKeyPath(problem.path);
  return key ? `${problem.source}: ${key}: ${problem.message}` : `${problem.source}: ${problem.message}`;
}

export function isSecretPath(path: KeyPath): boolean {
  return path.some((k) => typeof k === 'string' && SECRET_KEYS.has(k));
}

/** Short, safe rendering of a user value inside a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // A string with "@" may be a URL with credentials in it.
  const text = JSON.stringify(typeof value === 'string' && value.includes('@') ? redactUrl(value) : value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  array: 'a list',
};

/** Edit distance counting a swap of two neighbours as one edit ("chekc" is one from "check"), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Turns zod issues into problems. `sourceOf` says where the value at a path came from;
 * `knownKeys` lists the keys allowed at an object path (for "did you mean").
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  sourceOf: (path: KeyPath) => string,
  knownKeys: (path: KeyPath) => readonly string[],
): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const hint = suggest(key, knownKeys(path));
          const allowed = knownKeys(path);
          const tail = hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (known keys: ${allowed.join(', ')})` : '';
          problems.push({ source: sourceOf([...path, key]), path: [...path, key], message: `unknown key${tail}` });
        }
        break;
      case 'invalid_key': {
        const inner = issue.issues[0]?.message ?? `"${String(path[path.length - 1])}" is not allowed as a key`;
        problems.push({ source: sourceOf(path), path, message: inner });
        break;
      }
      case 'invalid_type': {
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        const input = (issue as { input?: unknown }).input;
        const got = input === undefined ? 'it is missing' : isSecretPath(path) ? 'got something else' : `got ${describeValue(input)}`;
        problems.push({ source: sourceOf(path), path, message: `expected ${expected}, ${got}` });
        break;
      }
      case 'invalid_value': {
        const input = (issue as { input?: unknown }).input;
        const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
        const got = isSecretPath(path) ? '' : ` (got ${describeValue(input)})`;
        problems.push({ source: sourceOf(path), path, message: `must be one of ${choices}${got}` });
        break;
      }
      default: {
        // Messages written in schema.ts read as "must be ..."; zod's own generic ones are kept.
        const input = (issue as { input?: unknown }).input;
        const got = isSecretPath(path) || input === undefined || typeof input === 'object' ? '' : ` (got ${describeValue(input)})`;
        problems.push({ source: sourceOf(path), path, message: `${issue.message}${got}` });
      }
    }
  }
  return problems;
}
