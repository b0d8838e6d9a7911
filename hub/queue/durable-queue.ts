// The durable queue between serial and MQTT: every accepted reading is kept here until the
// broker acknowledged it, across broker outages and hub restarts.
//
// Readings are collected in memory and committed to SQLite (WAL) in one transaction every
// `flushIntervalMs`; a reading the broker acknowledges before its flush never touches the
// disk. So a SIGKILL or crash loses at most the readings of the last flush interval (default
// 200 ms); SIGTERM/SIGINT flush before exit. (synchronous=NORMAL: a committed transaction
// survives a process crash; a power cut may lose the last ones too.)
//
// Order: rows are numbered as accepted and handed out in that order. After a reconnect the
// sender calls rewind() and gets every unacknowledged reading again, oldest first.
// Hot path: the newest readings not yet handed out stay in a bounded in-memory window even
// after their flush, so take() rarely touches SQLite; it reads the disk in pages only for
// what lies before the window (after a restart or rewind, or once the window overflowed).
// Acknowledged rows are deleted in id ranges at the next flush.
// Bounded: beyond `maxMessages` the oldest are dropped at the next flush, counted, and
// reported through `onDrop` (the caller logs it, loudly).
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
}

/** Rows read from disk per query: few large reads instead of one per take(). */
const PAGE_ROWS = 2000;
/** Rows per INSERT statement: one call into SQLite per 64 rows, not per row. */
const INSERT_ROWS = 64;

const IN_MEMORY = 0;
const ON_DISK = 1;
const DONE = 2;

export interface QueuedMessage {
  readonly id: number;
  readonly topic: string;
  readonly payload: string;
  /** IN_MEMORY, ON_DISK or DONE (acknowledged). */
  where: number;
}

export interface QueueStats {
  /** Readings waiting for the broker's acknowledgement. */
  queued: number;
  /** Readings dropped because the queue was full, since start. */
  dropped: number;
  /** Readings that were written to disk before being acknowledged, since start. */
  written: number;
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
  private commit!: () => void;

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

  constructor(options: DurableQueueOptions) {
    this.options = options;
  }

  open(): void {
    mkdirSync(dirname(this.options.file), { recursive: true });
    const db = new Database(this.options.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL)');
    this.insert = db.prepare<[number, string, string]>('INSERT INTO readings (id, topic, payload) VALUES (?, ?, ?)');
    this.insertMany = db.prepare<(number | string)[]>(`INSERT INTO readings (id, topic, payload) VALUES ${new Array(INSERT_ROWS).fill('(?, ?, ?)').join(', ')}`);
    this.removeRange = db.prepare<[number, number]>('DELETE FROM readings WHERE id BETWEEN ? AND ?');
    this.selectPage = db.prepare<[number, number, number], Row>('SELECT id, topic, payload FROM readings WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
    this.dropOldest = db.prepare<[number]>('DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)');
    this.oldestId = db.prepare<[], { id: number | null }>('SELECT MIN(id) AS id FROM readings');
    this.commit = db.transaction(() => this.writeChanges());
    const { count, last } = db.prepare<[], { count: number; last: number | null }>('SELECT COUNT(*) AS count, MAX(id) AS last FROM readings').get()!;
    this.diskCount = count;
    this.nextId = (last ?? 0) + 1;
    this.cursor = 0;
    this.window = [];
    this.windowHead = 0;
    this.page = [];
    this.pageHead = 0;
    this.db = db;
  }

  /** Accepts a reading; it is on disk within flushIntervalMs unless acknowledged sooner. */
  push(topic: string, payload: string): void {
    const message: QueuedMessage = { id: this.nextId++, topic, payload, where: IN_MEMORY };
    this.unflushed.push(message);
    this.window.push(message);
    this.inMemory++;
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
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
        for (const row of this.selectPage.all(this.cursor, windowFrom, Math.max(PAGE_ROWS, max))) {
          this.page.push({ id: row.id, topic: row.topic, payload: row.payload, where: ON_DISK });
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
      out.push(message);
    }
    this.compactWindow();
    return out;
  }

  /** Hands out every unacknowledged reading again (after a reconnect). */
  rewind(): void {
    // Everything handed out and unacknowledged is on disk after this flush; the window still
    // holds exactly what was never handed out.
    this.flush();
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
      this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
    }
    message.where = DONE;
  }

  /** Commits what was accepted and deletes what was acknowledged, in one transaction. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.db || (this.unflushed.length === 0 && this.acknowledgedOnDisk.length === 0)) return;
    this.commit();
  }

  stats(): QueueStats {
    return { queued: this.size, dropped: this.dropped, written: this.written };
  }

  /** Readings waiting for acknowledgement (approximate between flushes). */
  get size(): number {
    return Math.max(0, this.diskCount - this.acknowledgedOnDisk.length) + this.inMemory;
  }

  /** Flushes and closes the database. */
  close(): void {
    this.flush();
    this.db?.close();
    this.db = undefined;
  }

  private writeChanges(): void {
    const rows: QueuedMessage[] = [];
    for (const message of this.unflushed) if (message.where === IN_MEMORY) rows.push(message);
    this.unflushed = [];
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
    for (const message of rows) message.where = ON_DISK;
    this.diskCount += rows.length;
    this.written += rows.length;
    this.inMemory = 0;
    this.deleteAcknowledged();
    const excess = this.diskCount - this.options.maxMessages;
    if (excess > 0) {
      const gone = this.dropOldest.run(excess).changes;
      this.diskCount -= gone;
      this.dropped += gone;
      // Dropped readings not yet handed out must not be sent from memory either.
      const oldest = this.oldestId.get()?.id ?? this.nextId;
      while (this.pageHead < this.page.length && this.page[this.pageHead]!.id < oldest) this.pageHead++;
      while (this.windowHead < this.window.length && this.window[this.windowHead]!.id < oldest) this.windowHead++;
      this.options.onDrop?.(gone);
    }
    // Bound the window: what leaves it is on disk now and is read back in pages when due.
    const excessWindow = this.window.length - this.windowHead - (this.options.windowSize ?? 20_000);
    if (excessWindow > 0) this.windowHead += excessWindow;
    this.compactWindow();
  }

  /** One DELETE per run of consecutive acknowledged ids (acks mostly arrive in order). */
  private deleteAcknowledged(): void {
    const ids = this.acknowledgedOnDisk;
    if (ids.length === 0) return;
    this.acknowledgedOnDisk = [];
    ids.sort((a, b) => a - b);
    let from = ids[0]!;
    let to = from;
    for (let i = 1; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === to + 1) {
        to = id;
        continue;
      }
      this.diskCount -= this.removeRange.run(from, to).changes;
      from = to = id;
    }
    this.diskCount -= this.removeRange.run(from, to).changes;
  }

  /** Drops handed-out entries from the front of the window once they are many. */
  private compactWindow(): void {
    if (this.windowHead > 4096 && this.windowHead * 2 > this.window.length) {
      this.window = this.window.slice(this.windowHead);
      this.windowHead = 0;
    }
  }
}
