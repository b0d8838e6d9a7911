// One hub per data dir. Two hubs on one durable queue number their readings alike and one
// dies on `UNIQUE constraint failed` (its port's readings lost), so the second refuses to
// start, naming the first.
//
// The lock is SQLite's own: <data_dir>/hub.lock is a tiny database held in an EXCLUSIVE
// transaction for the hub's life. That is a lock of the operating system (fcntl), so it
// goes with the process however it ends (SIGKILL, power cut): no stale lock to clean up.
// Beside it, hub.pid says who holds it, for the message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerStartError } from '../broker/start-error.ts';
import type { Logger } from '../log.ts';
import { Database, type SqliteDatabase } from './sqlite.ts';

export const LOCK_FILE = 'hub.lock';
export const PID_FILE = 'hub.pid';

/** Another hub holds the data dir. (A BrokerStartError: the commands print it without a stack.) */
export class DataDirInUseError extends BrokerStartError {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirInUseError';
    this.stack = `${this.name}: ${message}`;
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data dir for this process, or throws DataDirInUseError naming the holder. A
 * lock that cannot be taken for another reason (a disk too full to create the file) is
 * logged and skipped: the hub then runs unguarded rather than not at all.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  let db: SqliteDatabase;
  try {
    db = new Database(file);
    // Never wait for the other holder: answer at once.
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new DataDirInUseError(
        `the data directory ${dataDir} is in use by another roomlink hub (${holder(dataDir)}). ` +
          'Stop that hub first, or give this one a data directory of its own (--data-dir or data_dir): ' +
          'two hubs on one durable queue would lose readings.',
      );
    }
    log.warn('cannot lock the data directory; running without the guard against a second hub on it', { file, error: (err as Error).message });
    return { release: () => {} };
  }
  const pidFile = join(dataDir, PID_FILE);
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch {
    // Only for the message another hub would print.
  }
  return {
    release() {
      try {
        rmSync(pidFile, { force: true });
        db.exec('ROLLBACK');
        db.close();
      } catch {
        // Closing ends the lock in any case; the process ending would too.
      }
    },
  };
}

/** "pid 1234: node cli/bin.js hub ...", from hub.pid and /proc where there is one. */
function holder(dataDir: string): string {
  let text: string;
  try {
    text = readFileSync(join(dataDir, PID_FILE), 'utf8').trim();
  } catch {
    return 'its process id is unknown';
  }
  const pid = Number(text);
  if (!Number.isInteger(pid)) return 'its process id is unknown';
  const command = commandLine(pid);
  return `pid ${pid}${command ? `: ${command}` : ''}`;
}

/** The process's command line, with anything that looks like a password masked. */
export function commandLine(pid: number): string | undefined {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
  const secret = /^-{1,2}[\w-]*(password|passwd|secret|token)[\w-]*$/i;
  const shown = args.map((arg, i) => {
    if (i > 0 && secret.test(args[i - 1]!) && !arg.startsWith('-')) return '***';
    const eq = /^(-{1,2}[\w-]*(?:password|passwd|secret|token)[\w-]*)=/i.exec(arg);
    if (eq) return `${eq[1]}=***`;
    // Credentials in a URL: scheme://user:password@host
    return arg.replace(/(:\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
  });
  return shown.join(' ').slice(0, 300) || undefined;
}
