// A tiny logger: one line per event, `time LEVEL [scope] message key=value ...`, or one
// JSON object per line with `json: true`. Disabled levels are no-op functions, so hot paths
// may call `log.debug` freely (build expensive fields only behind `log.enabled('debug')`).
// Fields named like a secret (password, secret, token) are always printed as ***.

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export type LogMethod = (message: string, fields?: Fields) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** True when `level` would be printed. */
  enabled(level: Level): boolean;
  /** A logger whose lines carry `[scope]` (nested scopes join with ":"). Same level and stream. */
  child(scope: string): Logger;
}

export interface LoggerOptions {
  /** Least severe level printed. Default 'info'. */
  level?: Level;
  /** Where lines go. Default process.stderr, so stdout stays free for command output. */
  stream?: { write(chunk: string): unknown };
  /** One JSON object per line instead of text. Default false. */
  json?: boolean;
  /** Scope of this logger's lines. Default none. */
  scope?: string;
  /** Clock, for tests. Default () => new Date(). */
  now?: () => Date;
}

const SEVERITY: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<Level, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };
const SECRET_FIELD = /password|passwd|secret|token/i;
const REDACTED = '***';

const noop: LogMethod = () => {};

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && value in SEVERITY;
}

/** Plain values for the text format: quoted (JSON-style) when they would break `key=value` parsing. */
export function formatValue(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = value.message;
  else if (typeof value === 'string') text = value;
  else if (value === null || value === undefined || typeof value !== 'object') text = String(value);
  else text = safeJson(value);
  return text === '' || /[\s"=\\]/.test(text) || hasControlCharacter(text) ? JSON.stringify(text) : text;
}

/** A C0 control character (below U+0020) would reach the log raw unless the value is quoted. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (key, v: unknown) => {
        if (key && SECRET_FIELD.test(key)) return REDACTED;
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Error) return v.message;
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

function formatFields(fields: Fields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    out += ` ${key}=${SECRET_FIELD.test(key) ? REDACTED : formatValue(value)}`;
  }
  return out;
}

/** Newlines inside a message would split one event over several lines. */
function oneLine(message: string): string {
  return /[\r\n]/.test(message) ? message.replace(/\r?\n|\r/g, '\\n') : message;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const threshold = SEVERITY[level];
  const scope = options.scope;

  const emit = (lvl: Level): LogMethod => {
    if (SEVERITY[lvl] < threshold) return noop;
    if (options.json) {
      return (message, fields) => {
        const record: Fields = { time: now().toISOString(), level: lvl };
        if (scope) record.scope = scope;
        record.msg = message;
        if (fields) for (const key in fields) if (!(key in record)) record[key] = SECRET_FIELD.test(key) ? REDACTED : fields[key];
        stream.write(`${safeJson(record)}\n`);
      };
    }
    const prefix = scope ? ` [${scope}] ` : ' ';
    return (message, fields) => {
      stream.write(`${now().toISOString()} ${LABEL[lvl]}${prefix}${oneLine(message)}${formatFields(fields)}\n`);
    };
  };

  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    enabled: (lvl) => SEVERITY[lvl] >= threshold,
    child: (child) => createLogger({ ...options, scope: scope ? `${scope}:${child}` : child }),
  };
}

/** A logger that prints nothing, for library callers that pass none. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  enabled: () => false,
  child: () => silentLogger,
};
