// Readings the broker refused, parked aside with the reason. An MQTT 5 broker answers a
// PUBLISH it will not take with a PUBACK reason code of 0x80 or more (0x87 not authorized:
// an ACL without this topic; 0x90 topic name invalid; 0x97 quota exceeded; ...). Sending
// such a reading again would be refused again, and at QoS 1 in order it would hold up every
// reading behind it, so it leaves the durable queue and is kept here instead: in the same
// database file (queue.sqlite), table `parked`, through a connection of its own so the
// queue's hot path is untouched. Nothing resends them; they are counted (health: `parked`),
// shown in the dashboard's hub view, and can be read with any SQLite tool:
//   sqlite3 <data_dir>/queue.sqlite 'SELECT * FROM parked'
// At most `maxRows` are kept (the oldest are deleted beyond). A disk that refuses the write
// does not stop the hub: the reading is then counted as lost, not parked.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, type SqliteDatabase, type Statement } from './sqlite.ts';

export interface ParkedReading {
  topic: string;
  payload: string;
  /** MQTT 5 reason code the broker gave. */
  reason: number;
  /** What the code means, e.g. "0x87 not authorized". */
  reasonText: string;
  /** When it was parked, ms since the epoch. */
  at: number;
}

export interface ParkedStats {
  /** Rows in the parked table now (from earlier runs too). */
  total: number;
  /** Parked since start, by reason ("0x87 not authorized": n). */
  by_reason: Record<string, number>;
  /** Refused readings that could not be written to the table (disk trouble), since start. */
  lost: number;
  /** The most recent one parked since start. */
  last: { topic: string; reason: string; at: number } | null;
}

export class ParkedReadings {
  private db: SqliteDatabase | undefined;
  private insert!: Statement<[string, string, number, string, number]>;
  private trim!: Statement<[number]>;
  private total = 0;
  private lost = 0;
  private readonly byReason: Record<string, number> = {};
  private last: ParkedStats['last'] = null;

  constructor(
    private readonly file: string,
    private readonly maxRows = 10_000,
  ) {}

  /** Opens the table (created on first use); a disk that cannot open it leaves parking to fail later. */
  open(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const db = new Database(this.file);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 1000');
      db.exec(
        'CREATE TABLE IF NOT EXISTS parked (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL, reason INTEGER NOT NULL, reason_text TEXT NOT NULL, parked_at INTEGER NOT NULL)',
      );
      this.insert = db.prepare('INSERT INTO parked (topic, payload, reason, reason_text, parked_at) VALUES (?, ?, ?, ?, ?)');
      this.trim = db.prepare('DELETE FROM parked WHERE id <= (SELECT MAX(id) FROM parked) - ?');
      this.total = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM parked').get()?.n ?? 0;
      this.db = db;
    } catch {
      this.db = undefined;
    }
  }

  /** Parks one refused reading; false when it could not be written (counted as lost). */
  park(reading: ParkedReading): boolean {
    this.byReason[reading.reasonText] = (this.byReason[reading.reasonText] ?? 0) + 1;
    this.last = { topic: reading.topic, reason: reading.reasonText, at: reading.at };
    if (!this.db) this.open();
    try {
      if (!this.db) throw new Error('parked table not open');
      this.insert.run(reading.topic, reading.payload, reading.reason, reading.reasonText, reading.at);
      this.total++;
      if (this.total > this.maxRows) this.total -= this.trim.run(this.maxRows).changes;
      return true;
    } catch {
      this.lost++;
      return false;
    }
  }

  /** The newest parked readings, newest first. */
  recent(limit = 20): ParkedReading[] {
    if (!this.db) return [];
    const rows = this.db
      .prepare<[number], { topic: string; payload: string; reason: number; reason_text: string; parked_at: number }>(
        'SELECT topic, payload, reason, reason_text, parked_at FROM parked ORDER BY id DESC LIMIT ?',
      )
      .all(limit);
    return rows.map((r) => ({ topic: r.topic, payload: r.payload, reason: r.reason, reasonText: r.reason_text, at: r.parked_at }));
  }

  stats(): ParkedStats {
    return { total: this.total, by_reason: { ...this.byReason }, lost: this.lost, last: this.last };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
