// The durable queue between serial and MQTT: every accepted reading is kept here until the
// broker acknowledged it, across broker outages and hub restarts.
//
// Readings are collected in memory and committed to SQLite (WAL) in one transaction every
// `flushIntervalMs`; a reading the broker acknowledges before its flush never touches the
// disk. So a SIGKILL, crash or power cut loses at most the unacknowledged readings of the
// last flush interval (default 200 ms); SIGTERM/SIGINT flush before exit. synchronous=FULL:
// each commit is on the disk (fsync) before the next flush, so a power cut cannot take back
// committed ones (with synchronous=NORMAL it could undo everything since the last
// checkpoint). It costs one fsync per flush, and flushes write only what is unacknowledged.
//
// Order: rows are numbered as accepted and handed out in that order. After a reconnect the
// sender calls rewind() and gets every unacknowledged reading again, oldest first.
// Hot path: the newest readings not yet handed out stay in a bounded in-memory window even
// after their flush, so take() rarely touches SQLite; it reads the disk in pages only for
// what lies before the window (after a restart or rewind, or once the window overflowed).
// Acknowledged rows are deleted in id ranges at the next flush.
// Bounded: beyond `maxMessages` the oldest are dropped at the next flush, counted, and
// reported through `onDrop` (the caller logs it, loudly).
//
// A disk that cannot be written (full, read-only, failing) never stops the hub: a failed
// flush leaves the readings in memory, where take() still serves them, so live readings
// keep flowing to the broker while it is up; at most `memoryMaxMessages` are held (the
// oldest dropped beyond, counted as drops), and the write is retried every
// `retryIntervalMs` until it succeeds. Acknowledged rows are deleted in a transaction of
// their own before any insert (a delete frees pages for the inserts); if even that fails,
// they are remembered, skipped when read back, and deleted later. The caller hears of the
// trouble and of the recovery through `onDiskTrouble`/`onDiskRecovered`.
//
// Serial acknowledgements (hub/bridge/serial-acks.ts) ask two more things of it: whether a
// reading is safe (on disk, or taken by the broker) before the node may forget it, and a
// small key-value table (`meta`) written in the same transaction as the readings, so that
// what the hub remembers of each node's sequence numbers matches what it has committed.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, type SqliteDatabase, type Statement } from './sqlite.ts';

export interface DurableQueueOptions {
  /** SQLite file, e.g. <data_dir>/queue.sqlite (its directory is created). */
  file: string;
  /** Most readings kept; the oldest are dropped beyond. */
  maxMessages: number;
  /** How often accepted readings are committed, in ms. */
  flushIntervalMs: number;
  /** Told how many of the oldest readings were just dropped because the queue was full. */
  onDrop?: (count: number) => void;
  /** Most flushed readings kept in memory for take(). Default 20,000. */
  windowSize?: number;
  /** Most readings held in memory while the disk cannot be written. Default 100,000. */
  memoryMaxMessages?: number;
  /** How often a failed write is retried, in ms. Default 1000. */
  retryIntervalMs?: number;
  /** The disk could not be written (each failed attempt); readings stay in memory. */
  onDiskTrouble?: (trouble: DiskTrouble) => void;
  /** A write succeeded again after trouble; `written` readings held in memory reached disk. */
  onDiskRecovered?: (info: { written: number; troubleMs: number }) => void;
  /** A flush committed what was accepted (and the meta values set) to disk. */
  onCommitted?: () => void;
}

export interface DiskTrouble {
  /** SQLite's error code, e.g. SQLITE_FULL. */
  code: string;
  message: string;
  /** Readings held in memory, waiting for the disk. */
  held: number;
  /** What failed: opening the database, writing new readings, or deleting acknowledged ones. */
  during: 'open' | 'insert' | 'delete';
}

/** Rows read from disk per query: few large reads instead of one per take(). */
const PAGE_ROWS = 2000;
/** Rows per INSERT statement: one call into SQLite per 64 rows, not per row. */
const INSERT_ROWS = 64;

const IN_MEMORY = 0;
const ON_DISK = 1;
const DONE = 2;
/** Dropped from memory while the disk refused writes: never sent, never safe. */
const DROPPED = 3;

export interface QueuedMessage {
  readonly id: number;
  readonly topic: string;
  readonly payload: string;
  /** IN_MEMORY, ON_DISK, DONE (acknowledged) or DROPPED. */
  where: number;
  /** Committed at once, and deleted at once once acknowledged (see push()). */
  readonly prompt: boolean;
}

/** A reading the hub can no longer lose: committed to disk, or taken by the broker. */
export function isSafe(message: QueuedMessage): boolean {
  return message.where === ON_DISK || message.where === DONE;
}

export interface QueueStats {
  /** Readings waiting for the broker's acknowledgement. */
  queued: number;
  /** Readings dropped because the queue was full, since start. */
  dropped: number;
  /** Readings that were written to disk before being acknowledged, since start. */
  written: number;
  /** Failed writes to the queue's database since start (a full disk, say). */
  disk_errors: number;
  /** SQLite error code of the write failing now, or undefined while writes succeed. */
  disk_trouble: string | undefined;
  /** Readings held in memory because the disk could not take them. */
  held_in_memory: number;
}

interface Row {
  id: number;
  topic: string;
  payload: string;
}

export class DurableQueue {
  private readonly options: DurableQueueOptions;
  private db: SqliteDatabase | undefined;
  private insert!: Statement<[number, string, string]>;
  private insertMany!: Statement<(number | string)[]>;
  private removeRange!: Statement<[number, number]>;
  private selectPage!: Statement<[number, number, number], Row>;
  private dropOldest!: Statement<[number]>;
  private oldestId!: Statement<[], { id: number | null }>;
  private removeTxn!: (ids: number[]) => number;
  private writeMeta!: Statement<[string, string]>;
  /** Meta values set since the last commit. */
  private metaPending = new Map<string, string>();
  private flushQueued = false;
  private insertTxn!: (rows: QueuedMessage[]) => number;

  private nextId = 1;
  /** Accepted since the last flush, ids ascending and contiguous. */
  private unflushed: QueuedMessage[] = [];
  /** Acknowledged rows still on disk, deleted at the next flush. */
  private acknowledgedOnDisk: number[] = [];
  private diskCount = 0;
  /** Highest id handed out by take() since the last rewind. */
  private cursor = 0;
  /**
   * The newest readings not yet handed out, ids ascending and contiguous up to nextId - 1,
   * from index windowHead on. Everything older and above the cursor is on disk.
   */
  private window: QueuedMessage[] = [];
  private windowHead = 0;
  /** Rows read from disk and not yet handed out, ids ascending, from index pageHead on. */
  private page: QueuedMessage[] = [];
  private pageHead = 0;
  private inMemory = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private written = 0;
  private diskErrors = 0;
  private trouble: { code: string; since: number } | undefined;
  /** open() failed for the disk: flush() keeps trying to open the database. */
  private opening = false;
  private retryAt = 0;

  constructor(options: DurableQueueOptions) {
    this.options = options;
  }

  /**
   * Opens the database. A disk too full to open it on (SQLite cannot even size its shared
   * memory file) does not stop the hub: readings are held in memory, numbered from the
   * current time in µs so they sort after whatever the file holds, and opening is retried
   * with every write.
   */
  open(): void {
    mkdirSync(dirname(this.options.file), { recursive: true });
    try {
      this.openDatabase();
    } catch (err) {
      const code = sqliteCode(err);
      if (!code) throw err;
      this.nextId = Date.now() * 1000;
      this.noteTrouble(code, err as Error, 'open');
    }
  }

  private openDatabase(): void {
    const db = new Database(this.options.file);
    try {
      this.prepare(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private prepare(db: SqliteDatabase): void {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL)');
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.writeMeta = db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.insert = db.prepare<[number, string, string]>('INSERT INTO readings (id, topic, payload) VALUES (?, ?, ?)');
    this.insertMany = db.prepare<(number | string)[]>(
      `INSERT INTO readings (id, topic, payload) VALUES ${new Array(INSERT_ROWS).fill('(?, ?, ?)').join(', ')}`,
    );
    this.removeRange = db.prepare<[number, number]>('DELETE FROM readings WHERE id BETWEEN ? AND ?');
    this.selectPage = db.prepare<[number, number, number], Row>('SELECT id, topic, payload FROM readings WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
    this.dropOldest = db.prepare<[number]>('DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)');
    this.oldestId = db.prepare<[], { id: number | null }>('SELECT MIN(id) AS id FROM readings');
    this.removeTxn = db.transaction((ids: number[]) => this.removeRows(ids));
    this.insertTxn = db.transaction((rows: QueuedMessage[]) => this.insertRows(rows));
    const { count, last } = db.prepare<[], { count: number; last: number | null }>('SELECT COUNT(*) AS count, MAX(id) AS last FROM readings').get()!;
    this.diskCount = count;
    // Readings held in memory before a late open keep their numbers (above the file's).
    this.nextId = Math.max(this.nextId, (last ?? 0) + 1);
    this.cursor = 0;
    this.window = [];
    this.windowHead = 0;
    this.page = [];
    this.pageHead = 0;
    this.db = db;
  }

  /** Whether the database is open (false while a full disk keeps it from opening). */
  get isOpen(): boolean {
    return this.db !== undefined;
  }

  /**
   * Accepts a reading; it is on disk within flushIntervalMs unless acknowledged sooner. A
   * `prompt` one (a reading its node keeps until the hub has it) is committed before the
   * pump sends it (flushSoon()), and deleted right after the broker's acknowledgement, so
   * that a SIGKILL leaves the next start almost nothing to send a second time.
   */
  push(topic: string, payload: string, prompt = false): QueuedMessage {
    const message: QueuedMessage = { id: this.nextId++, topic, payload, where: IN_MEMORY, prompt };
    this.unflushed.push(message);
    this.window.push(message);
    this.inMemory++;
    if (prompt) this.flushSoon();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
    return message;
  }

  /**
   * Flushes once the current work is done (process.nextTick): before the pump, which runs
   * from setImmediate, sends what was just pushed. For readings a node keeps until they
   * are safe here, so they are committed with what the hub remembers of them first.
   */
  flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sets a meta value; it is written with the next flush, in the same transaction. */
  setMeta(key: string, value: string): void {
    this.metaPending.set(key, value);
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
  }

  /** Meta values whose key starts with `prefix`, as stored (after open()). */
  readMeta(prefix: string): [string, string][] {
    if (!this.db) return [];
    const rows = this.db
      .prepare<[string, string], { key: string; value: string }>('SELECT key, value FROM meta WHERE key >= ? AND key < ?')
      .all(prefix, `${prefix}\uffff`);
    return rows.map((r) => [r.key, r.value]);
  }

  /** Up to `max` readings not handed out since the last rewind, oldest first. */
  take(max: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    // First what lies before the window (on disk only), a page at a time.
    const windowFrom = this.windowHead < this.window.length ? this.window[this.windowHead]!.id : this.nextId;
    while (out.length < max && this.cursor + 1 < windowFrom && this.db) {
      if (this.pageHead === this.page.length) {
        this.page = [];
        this.pageHead = 0;
        // Rows whose acknowledgement could not be deleted yet are not sent again.
        const acknowledged = this.acknowledgedOnDisk.length > 0 ? new Set(this.acknowledgedOnDisk) : undefined;
        const rows = this.selectPage.all(this.cursor, windowFrom, Math.max(PAGE_ROWS, max));
        for (const row of rows) {
          if (acknowledged?.has(row.id)) continue;
          this.page.push({ id: row.id, topic: row.topic, payload: row.payload, where: ON_DISK, prompt: false });
        }
        if (this.page.length === 0 && rows.length > 0) {
          // Only acknowledged rows were there: move on past them.
          this.cursor = rows[rows.length - 1]!.id;
          continue;
        }
        // Nothing left on disk below the window (the rest was acknowledged or dropped).
        if (this.page.length === 0) this.cursor = windowFrom - 1;
      }
      while (out.length < max && this.pageHead < this.page.length) {
        const message = this.page[this.pageHead++]!;
        this.cursor = message.id;
        out.push(message);
      }
    }
    const window = this.window;
    while (out.length < max && this.windowHead < window.length) {
      const message = window[this.windowHead++]!;
      this.cursor = message.id;
      // Dropped while held in memory (the disk was full), or acknowledged already.
      if (message.where === IN_MEMORY || message.where === ON_DISK) out.push(message);
    }
    this.compactWindow();
    return out;
  }

  /** Hands out every unacknowledged reading again (after a reconnect). */
  rewind(): void {
    // Everything handed out and unacknowledged is on disk after this flush; the window still
    // holds exactly what was never handed out.
    this.flush();
    if (this.unflushed.length > 0) {
      // The disk refused them: what is unwritten is every reading after the last written
      // one, so serve the disk up to there and then all of these again, in order.
      this.window = this.unflushed.filter((m) => m.where === IN_MEMORY);
      this.windowHead = 0;
    }
    this.cursor = 0;
    this.page = [];
    this.pageHead = 0;
  }

  /** The broker has it: forget the reading. */
  ack(message: QueuedMessage): void {
    if (message.where === IN_MEMORY) {
      this.inMemory--;
    } else if (message.where === ON_DISK) {
      this.acknowledgedOnDisk.push(message.id);
      if (message.prompt) this.flushSoon();
      else this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
    }
    message.where = DONE;
  }

  /**
   * Deletes what was acknowledged (and what is beyond maxMessages), then commits what was
   * accepted: two transactions, so deleting never waits for space that inserting lacks.
   * Never throws for a disk that cannot be written: see the top of this file.
   */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.db && !this.opening) return;
    if (this.unflushed.length === 0 && this.acknowledgedOnDisk.length === 0 && this.metaPending.size === 0 && this.db) return;
    if (this.trouble && Date.now() < this.retryAt) {
      // Not yet time to try the disk again: keep memory bounded and come back then.
      this.boundMemory();
      this.flushTimer = setTimeout(() => this.flush(), this.retryAt - Date.now());
      return;
    }
    const held = this.trouble ? this.inMemory : 0;
    if (!this.db) {
      // The database could not be opened (a full disk at start): try again.
      const window = this.window.slice(this.windowHead).filter((m) => m.where === IN_MEMORY);
      if (!this.attempt('open', () => this.openDatabase())) {
        this.boundMemory();
        this.flushTimer = setTimeout(() => this.flush(), Math.max(0, this.retryAt - Date.now()));
        return;
      }
      this.opening = false;
      // What the file holds comes first, then what was held in memory and not handed out.
      this.window = window;
      this.windowHead = 0;
    }
    const deleted = this.attempt('delete', this.removeTx);
    const inserted = this.attempt('insert', this.insertTx);
    if (inserted) this.options.onCommitted?.();
    if (deleted && inserted && this.trouble) {
      const troubleMs = Date.now() - this.trouble.since;
      this.trouble = undefined;
      this.options.onDiskRecovered?.({ written: held, troubleMs });
    }
    this.boundMemory();
    this.boundWindow();
    if (this.trouble && (this.unflushed.length > 0 || this.acknowledgedOnDisk.length > 0)) {
      this.flushTimer ??= setTimeout(() => this.flush(), Math.max(0, this.retryAt - Date.now()));
    }
  }

  /** Runs one write transaction; false (and the trouble noted) when the disk refused it. */
  private attempt(during: DiskTrouble['during'], tx: () => void): boolean {
    try {
      tx();
      return true;
    } catch (err) {
      const code = sqliteCode(err);
      if (!code) throw err;
      this.noteTrouble(code, err as Error, during);
      return false;
    }
  }

  private noteTrouble(code: string, err: Error, during: DiskTrouble['during']): void {
    this.diskErrors++;
    this.trouble ??= { code, since: Date.now() };
    this.trouble.code = code;
    this.retryAt = Date.now() + (this.options.retryIntervalMs ?? 1000);
    if (during === 'open') this.opening = true;
    this.options.onDiskTrouble?.({ code, message: err.message, held: this.inMemory, during });
  }

  private readonly removeTx = (): void => {
    this.commitRemovals();
  };

  private readonly insertTx = (): void => {
    this.commitInserts();
  };

  /** While the disk refuses writes, the oldest readings held in memory beyond the limit go. */
  private boundMemory(): void {
    const max = this.options.memoryMaxMessages ?? 100_000;
    if (this.inMemory <= max) return;
    let excess = this.inMemory - max;
    let i = 0;
    let gone = 0;
    for (; i < this.unflushed.length && excess > 0; i++) {
      const message = this.unflushed[i]!;
      if (message.where !== IN_MEMORY) continue;
      message.where = DROPPED;
      excess--;
      gone++;
    }
    this.unflushed = this.unflushed.slice(i);
    this.inMemory -= gone;
    this.dropped += gone;
    this.options.onDrop?.(gone);
  }

  /** Bounds the window: what leaves it is on disk and is read back in pages when due. */
  private boundWindow(): void {
    let excess = this.window.length - this.windowHead - (this.options.windowSize ?? 20_000);
    // Never past a reading held only in memory: it could not be read back.
    while (excess > 0 && this.window[this.windowHead]!.where !== IN_MEMORY) {
      this.windowHead++;
      excess--;
    }
    this.compactWindow();
  }

  stats(): QueueStats {
    return {
      queued: this.size,
      dropped: this.dropped,
      written: this.written,
      disk_errors: this.diskErrors,
      disk_trouble: this.trouble?.code,
      held_in_memory: this.trouble ? this.inMemory : 0,
    };
  }

  /** Readings waiting for acknowledgement (approximate between flushes). */
  get size(): number {
    return Math.max(0, this.diskCount - this.acknowledgedOnDisk.length) + this.inMemory;
  }

  /** Flushes and closes the database. Readings the disk refused even now are lost. */
  close(): void {
    this.retryAt = 0;
    this.flush();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** Deletes acknowledged rows, one DELETE per run of consecutive ids (acks mostly arrive in order). */
  private commitRemovals(): void {
    const ids = this.acknowledgedOnDisk;
    if (ids.length === 0) return;
    ids.sort((a, b) => a - b);
    const removed = this.removeTxn(ids);
    // Only now, with the transaction committed: a failed one leaves them to try again.
    this.acknowledgedOnDisk = [];
    this.diskCount -= removed;
  }

  private removeRows(ids: number[]): number {
    let removed = 0;
    let from = ids[0]!;
    let to = from;
    for (let i = 1; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === to + 1) {
        to = id;
        continue;
      }
      removed += this.removeRange.run(from, to).changes;
      from = to = id;
    }
    removed += this.removeRange.run(from, to).changes;
    return removed;
  }

  /** Writes the readings accepted since the last flush that are still unacknowledged. */
  private commitInserts(): void {
    const rows: QueuedMessage[] = [];
    for (const message of this.unflushed) if (message.where === IN_MEMORY) rows.push(message);
    if (rows.length === 0 && this.metaPending.size === 0) {
      this.unflushed = [];
      return;
    }
    const gone = this.insertTxn(rows);
    this.metaPending.clear();
    // Committed: from here on these readings are on disk.
    this.unflushed = [];
    for (const message of rows) if (message.where === IN_MEMORY) message.where = ON_DISK;
    this.diskCount += rows.length - gone;
    this.written += rows.length;
    this.inMemory = 0;
    if (gone > 0) {
      this.dropped += gone;
      // Dropped readings not yet handed out must not be sent from memory either.
      const oldest = this.oldestId.get()?.id ?? this.nextId;
      while (this.pageHead < this.page.length && this.page[this.pageHead]!.id < oldest) this.pageHead++;
      while (this.windowHead < this.window.length && this.window[this.windowHead]!.id < oldest) this.windowHead++;
      this.options.onDrop?.(gone);
    }
  }

  /** Inside one transaction: the INSERTs and meta values, then the oldest rows beyond maxMessages go. */
  private insertRows(rows: QueuedMessage[]): number {
    for (const [key, value] of this.metaPending) this.writeMeta.run(key, value);
    const params = new Array<number | string>(INSERT_ROWS * 3);
    let i = 0;
    for (; i + INSERT_ROWS <= rows.length; i += INSERT_ROWS) {
      for (let k = 0; k < INSERT_ROWS; k++) {
        const message = rows[i + k]!;
        params[3 * k] = message.id;
        params[3 * k + 1] = message.topic;
        params[3 * k + 2] = message.payload;
      }
      this.insertMany.run(...params);
    }
    for (; i < rows.length; i++) this.insert.run(rows[i]!.id, rows[i]!.topic, rows[i]!.payload);
    const excess = this.diskCount + rows.length - this.options.maxMessages;
    return excess > 0 ? this.dropOldest.run(excess).changes : 0;
  }

  /** Drops handed-out entries from the front of the window once they are many. */
  private compactWindow(): void {
    if (this.windowHead > 4096 && this.windowHead * 2 > this.window.length) {
      this.window = this.window.slice(this.windowHead);
      this.windowHead = 0;
    }
  }
}

/** SQLite's error code (SQLITE_FULL, SQLITE_IOERR_...), or undefined for any other error. */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
