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
}

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
  private remove!: Statement<[number]>;
  private selectAfter!: Statement<[number, number], Row>;
  private dropOldest!: Statement<[number]>;
  private commit!: () => void;

  private nextId = 1;
  /** Accepted since the last flush, ids ascending and contiguous. */
  private unflushed: QueuedMessage[] = [];
  /** Acknowledged rows still on disk, deleted at the next flush. */
  private acknowledgedOnDisk: number[] = [];
  private diskCount = 0;
  private lastDiskId = 0;
  /** Highest id handed out by take() since the last rewind. */
  private cursor = 0;
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
    this.remove = db.prepare<[number]>('DELETE FROM readings WHERE id = ?');
    this.selectAfter = db.prepare<[number, number], Row>('SELECT id, topic, payload FROM readings WHERE id > ? ORDER BY id LIMIT ?');
    this.dropOldest = db.prepare<[number]>('DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)');
    this.commit = db.transaction(() => this.writeChanges());
    const { count, last } = db.prepare<[], { count: number; last: number | null }>('SELECT COUNT(*) AS count, MAX(id) AS last FROM readings').get()!;
    this.diskCount = count;
    this.lastDiskId = last ?? 0;
    this.nextId = this.lastDiskId + 1;
    this.cursor = 0;
    this.db = db;
  }

  /** Accepts a reading; it is on disk within flushIntervalMs unless acknowledged sooner. */
  push(topic: string, payload: string): void {
    this.unflushed.push({ id: this.nextId++, topic, payload, where: IN_MEMORY });
    this.inMemory++;
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
  }

  /** Up to `max` readings not handed out since the last rewind, oldest first. */
  take(max: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    if (this.cursor < this.lastDiskId && this.db) {
      for (const row of this.selectAfter.all(this.cursor, max)) {
        out.push({ id: row.id, topic: row.topic, payload: row.payload, where: ON_DISK });
        this.cursor = row.id;
      }
      if (out.length === max) return out;
      // Everything on disk up to lastDiskId has been handed out.
      if (this.cursor < this.lastDiskId) this.cursor = this.lastDiskId;
    }
    const list = this.unflushed;
    if (list.length === 0) return out;
    for (let i = Math.max(0, this.cursor + 1 - list[0]!.id); i < list.length && out.length < max; i++) {
      const message = list[i]!;
      this.cursor = message.id;
      if (message.where === IN_MEMORY) out.push(message);
    }
    return out;
  }

  /** Hands out every unacknowledged reading again (after a reconnect). */
  rewind(): void {
    this.flush();
    this.cursor = 0;
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
    for (const message of this.unflushed) {
      if (message.where !== IN_MEMORY) continue;
      this.insert.run(message.id, message.topic, message.payload);
      message.where = ON_DISK;
      this.lastDiskId = message.id;
      this.diskCount++;
      this.written++;
    }
    this.unflushed = [];
    this.inMemory = 0;
    for (const id of this.acknowledgedOnDisk) this.diskCount -= this.remove.run(id).changes;
    this.acknowledgedOnDisk = [];
    const excess = this.diskCount - this.options.maxMessages;
    if (excess > 0) {
      const gone = this.dropOldest.run(excess).changes;
      this.diskCount -= gone;
      this.dropped += gone;
      this.options.onDrop?.(gone);
    }
  }
}
