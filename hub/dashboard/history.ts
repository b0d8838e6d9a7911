// The history behind the dashboard's charts: accepted readings of every measurement in the
// house, in <data_dir>/history.sqlite, bounded by age (history.retention_days).
//
// Two tables per measurement ("series", one per <room>/<measurement> topic):
// - samples: at most one point per series per second (the last value of that second, under
//   the time of the first), so a node sending 1,000 readings/s costs one row per second;
// - minutes: count, sum, min and max of every value per minute, so a day or a week is
//   drawn from 1,440 or 10,080 rows instead of up to 604,800, with the min-max band intact.
// The hour chart reads samples; the day chart minutes; the week chart minutes grouped into
// 10-minute buckets.
//
// Hot path: record() only updates the series' in-memory state (no allocation after the
// first reading of a second or a minute); flush() writes what changed in one transaction,
// once a second. Old rows are pruned per series through the primary key, an hour of data
// per statement, so a prune never holds the event loop for long.
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database, type SqliteDatabase, type Statement } from '../queue/sqlite.ts';

export type HistoryRange = 'hour' | 'day' | 'week';

export const HISTORY_RANGES: Record<HistoryRange, { spanMs: number; source: 'samples' | 'minutes'; bucketMs: number }> = {
  hour: { spanMs: 3_600_000, source: 'samples', bucketMs: 0 },
  day: { spanMs: 86_400_000, source: 'minutes', bucketMs: 60_000 },
  week: { spanMs: 7 * 86_400_000, source: 'minutes', bucketMs: 600_000 },
};

export function isHistoryRange(value: unknown): value is HistoryRange {
  return typeof value === 'string' && Object.hasOwn(HISTORY_RANGES, value);
}

export interface HistoryOptions {
  /** SQLite file, e.g. <data_dir>/history.sqlite (its directory is created). */
  file: string;
  /** Days of readings kept. */
  retentionDays: number;
  /** Most series kept; readings of further topics are not recorded. Default 2000. */
  maxSeries?: number;
  /** Told once when a new series is refused because there are maxSeries already. */
  onFull?: (room: string, measurement: string) => void;
}

/** One series' points for a chart, column-wise (as uPlot wants them). */
export interface HistorySeries {
  room: string;
  measurement: string;
  range: HistoryRange;
  from: number;
  to: number;
  /** Width of a point in ms: 0 for single readings, else the bucket averaged over. */
  step_ms: number;
  /** ms timestamps, ascending. */
  t: number[];
  /** Values (bucket averages when step_ms > 0). */
  v: number[];
  /** Bucket minimum and maximum, only when step_ms > 0. */
  min?: number[];
  max?: number[];
}

export interface LatestValue {
  room: string;
  measurement: string;
  node: string | undefined;
  value: number;
  ts: number;
}

interface SeriesState {
  id: number;
  room: string;
  measurement: string;
  node: string | undefined;
  /** Second (ts / 1000, floored) of the pending sample, -1 when none. */
  sec: number;
  /** Time of the first reading in that second: the sample's key. */
  secTs: number;
  /** Last value in that second. */
  secValue: number;
  /** Samples of earlier seconds not written yet, as ts, value pairs. */
  rows: number[];
  /** Start of the minute being summed, -1 when none. */
  minute: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  /** Finished minutes not written yet: minute, n, sum, min, max. */
  minutes: number[];
  lastTs: number;
  lastValue: number;
  dirty: boolean;
  /** The pending sample changed since the last flush. */
  secDirty: boolean;
  /** Pruned away: a holder of this handle must ask for the series again. */
  gone: boolean;
}

/** A series to record into without looking it up by name each time (see seriesFor()). */
export type SeriesHandle = { readonly gone: boolean };

const DAY_MS = 86_400_000;
/** Rows a prune statement may cover: an hour of one series. */
const PRUNE_STEP_MS = 3_600_000;

export class HistoryStore {
  private readonly options: HistoryOptions;
  private db: SqliteDatabase | undefined;
  private readonly series = new Map<string, SeriesState>();
  private dirty: SeriesState[] = [];
  private fullReported = false;
  private insertSeries!: Statement<[string, string, string | null], { id: number }>;
  private upsertSample!: Statement<[number, number, number]>;
  private upsertMinute!: Statement<[number, number, number, number, number, number]>;
  private updateLast!: Statement<[string | null, number, number, number]>;
  private selectSamples!: Statement<[number, number, number], { ts: number; value: number }>;
  private selectMinutes!: Statement<[number, number, number], { b: number; avg: number; min: number; max: number }>;
  private selectBuckets!: Statement<[number, number, number, number], { b: number; avg: number; min: number; max: number }>;
  private pruneSamples!: Statement<[number, number]>;
  private pruneMinutes!: Statement<[number, number]>;
  private oldestSample!: Statement<[number], { ts: number | null }>;
  private countSamples!: Statement<[], { n: number }>;
  private deleteSeries!: Statement<[number]>;
  private writeDirty!: () => void;
  /** Readings recorded since open. */
  recorded = 0;
  /** Flushes that failed (and dropped what was pending). */
  dropped = 0;
  private counted = 0;
  private countedAt = 0;

  constructor(options: HistoryOptions) {
    this.options = options;
  }

  get retentionMs(): number {
    return this.options.retentionDays * DAY_MS;
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  /**
   * Opens (or creates) the database. One that is damaged (not a database, or corrupt) is
   * moved aside as history.sqlite.bad (reported through `onDamaged`) and a new one started:
   * charts are worth less than a hub that starts. Any other failure (a full disk, say)
   * throws and leaves the file alone.
   */
  open(onDamaged?: (error: Error) => void): void {
    mkdirSync(dirname(this.options.file), { recursive: true });
    try {
      this.openFile();
    } catch (err) {
      this.db?.close();
      this.db = undefined;
      this.series.clear();
      const code = (err as { code?: string }).code ?? '';
      if (!onDamaged || !(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) throw err;
      onDamaged(err as Error);
      for (const suffix of ['', '-wal', '-shm']) {
        try {
          renameSync(this.options.file + suffix, `${this.options.file}.bad${suffix}`);
        } catch {
          // not there
        }
      }
      this.openFile();
    }
  }

  private openFile(): void {
    const db = new Database(this.options.file);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY,
        room TEXT NOT NULL,
        measurement TEXT NOT NULL,
        node TEXT,
        last_ts INTEGER,
        last_value REAL,
        UNIQUE (room, measurement)
      );
      CREATE TABLE IF NOT EXISTS samples (
        series INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (series, ts)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS minutes (
        series INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        n INTEGER NOT NULL,
        sum REAL NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        PRIMARY KEY (series, minute)
      ) WITHOUT ROWID;
    `);
    this.insertSeries = db.prepare('INSERT INTO series (room, measurement, node) VALUES (?, ?, ?) RETURNING id');
    this.upsertSample = db.prepare('INSERT OR REPLACE INTO samples (series, ts, value) VALUES (?, ?, ?)');
    this.upsertMinute = db.prepare(
      'INSERT INTO minutes (series, minute, n, sum, min, max) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (series, minute) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum, ' +
        'min = min(min, excluded.min), max = max(max, excluded.max)',
    );
    this.updateLast = db.prepare('UPDATE series SET node = ?, last_ts = ?, last_value = ? WHERE id = ?');
    this.selectSamples = db.prepare('SELECT ts, value FROM samples WHERE series = ? AND ts >= ? AND ts <= ? ORDER BY ts');
    this.selectMinutes = db.prepare(
      'SELECT minute AS b, sum / n AS avg, min, max FROM minutes WHERE series = ? AND minute >= ? AND minute <= ? ORDER BY minute',
    );
    this.selectBuckets = db.prepare(
      // `%` works on integers in SQLite (better-sqlite3 binds numbers as REAL, so no `/`).
      'SELECT minute - minute % ? AS b, sum(sum) / sum(n) AS avg, min(min) AS min, max(max) AS max ' +
        'FROM minutes WHERE series = ? AND minute >= ? AND minute <= ? GROUP BY b ORDER BY b',
    );
    this.pruneSamples = db.prepare('DELETE FROM samples WHERE series = ? AND ts < ?');
    this.pruneMinutes = db.prepare('DELETE FROM minutes WHERE series = ? AND minute < ?');
    this.oldestSample = db.prepare('SELECT min(ts) AS ts FROM samples WHERE series = ?');
    this.countSamples = db.prepare('SELECT count(*) AS n FROM samples');
    this.deleteSeries = db.prepare('DELETE FROM series WHERE id = ?');
    this.writeDirty = db.transaction(() => this.writeDirtyNow());
    const rows = db
      .prepare<[], { id: number; room: string; measurement: string; node: string | null; last_ts: number | null; last_value: number | null }>(
        'SELECT id, room, measurement, node, last_ts, last_value FROM series',
      )
      .all();
    for (const r of rows) {
      const s = this.state(r.id, r.room, r.measurement, r.node ?? undefined);
      s.lastTs = r.last_ts ?? 0;
      s.lastValue = r.last_value ?? NaN;
    }
  }

  close(): void {
    if (!this.db) return;
    this.flushQuietly();
    this.db.close();
    this.db = undefined;
  }

  /** One accepted reading (binary values as 1 and 0). Cheap: memory only until flush(). */
  record(room: string, measurement: string, node: string | undefined, value: number, ts: number): void {
    const s = this.seriesFor(room, measurement, node);
    if (s !== undefined) this.recordTo(s, node, value, ts);
  }

  /** The series of a topic, created when new; undefined when closed or full. */
  seriesFor(room: string, measurement: string, node: string | undefined): SeriesHandle | undefined {
    if (!this.db) return undefined;
    return this.series.get(`${room}/${measurement}`) ?? this.create(room, measurement, node);
  }

  /** record() into a series already looked up: the hot path of the hub's own readings. */
  recordTo(handle: SeriesHandle, node: string | undefined, value: number, ts: number): void {
    const s = handle as SeriesState;
    if (!this.db || s.gone || !Number.isFinite(value)) return;
    this.recorded++;
    s.node = node;
    if (ts >= s.lastTs) {
      s.lastTs = ts;
      s.lastValue = value;
    }
    const sec = Math.floor(ts / 1000);
    if (sec !== s.sec) {
      // A new second: the sample of the previous one is final (written already, unless it
      // changed after the last flush).
      if (s.sec !== -1 && s.secDirty) s.rows.push(s.secTs, s.secValue);
      s.sec = sec;
      s.secTs = ts;
    }
    s.secValue = value;
    s.secDirty = true;
    const minute = ts - (ts % 60_000);
    if (minute !== s.minute) {
      if (s.n > 0) s.minutes.push(s.minute, s.n, s.sum, s.min, s.max);
      s.minute = minute;
      s.n = 0;
      s.sum = 0;
      s.min = Infinity;
      s.max = -Infinity;
    }
    s.n++;
    s.sum += value;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /**
   * Writes everything recorded since the last flush, in one transaction. When that fails
   * (a full disk), what was pending is dropped, so memory stays bounded, and the error thrown.
   */
  flush(): void {
    if (!this.db || this.dirty.length === 0) return;
    try {
      this.writeDirty();
    } catch (err) {
      for (const s of this.dirty) {
        s.rows.length = 0;
        s.minutes.length = 0;
        s.secDirty = false;
        s.n = 0;
        s.sum = 0;
        s.min = Infinity;
        s.max = -Infinity;
        s.dirty = false;
      }
      this.dirty = [];
      this.dropped++;
      throw err;
    }
  }

  /** flush() for readers: a failure is the periodic flush's to report. */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // dropped; see flush()
    }
  }

  private writeDirtyNow(): void {
    for (const s of this.dirty) {
      for (let i = 0; i < s.rows.length; i += 2) this.upsertSample.run(s.id, s.rows[i]!, s.rows[i + 1]!);
      s.rows.length = 0;
      if (s.secDirty) {
        this.upsertSample.run(s.id, s.secTs, s.secValue);
        s.secDirty = false;
      }
      const m = s.minutes;
      for (let i = 0; i < m.length; i += 5) this.upsertMinute.run(s.id, m[i]!, m[i + 1]!, m[i + 2]!, m[i + 3]!, m[i + 4]!);
      m.length = 0;
      // The minute goes on: what was summed so far is written, the rest is added later.
      if (s.n > 0) {
        this.upsertMinute.run(s.id, s.minute, s.n, s.sum, s.min, s.max);
        s.n = 0;
        s.sum = 0;
        s.min = Infinity;
        s.max = -Infinity;
      }
      this.updateLast.run(s.node ?? null, s.lastTs, s.lastValue, s.id);
      s.dirty = false;
    }
    this.dirty = [];
  }

  /**
   * Deletes what is older than the retention, at most an hour of each series per call; true
   * when there is more to delete (call again, e.g. on the next tick). Series with nothing
   * left and no reading within the retention are forgotten.
   */
  prune(now: number): boolean {
    if (!this.db) return false;
    this.flushQuietly();
    const cutoff = now - this.retentionMs;
    let more = false;
    for (const [key, s] of this.series) {
      const oldest = this.oldestSample.get(s.id)?.ts ?? null;
      if (oldest !== null && oldest < cutoff) {
        const upTo = Math.min(cutoff, oldest + PRUNE_STEP_MS);
        this.pruneSamples.run(s.id, upTo);
        if (upTo < cutoff) more = true;
      }
      this.pruneMinutes.run(s.id, cutoff - (cutoff % 60_000));
      // Nothing heard within the retention and nothing left: forget the series.
      if (s.lastTs < cutoff && !s.dirty && this.oldestSample.get(s.id)?.ts == null) {
        this.pruneMinutes.run(s.id, Number.MAX_SAFE_INTEGER);
        this.deleteSeries.run(s.id);
        this.series.delete(key);
        s.gone = true;
      }
    }
    return more;
  }

  /** The points of one series over `range` ending at `now`. */
  query(room: string, measurement: string, range: HistoryRange, now: number): HistorySeries {
    const spec = HISTORY_RANGES[range];
    const from = now - spec.spanMs;
    const out: HistorySeries = { room, measurement, range, from, to: now, step_ms: spec.bucketMs, t: [], v: [] };
    const s = this.series.get(`${room}/${measurement}`);
    if (!this.db || !s) return out;
    this.flushQuietly();
    if (spec.source === 'samples') {
      for (const row of this.selectSamples.all(s.id, from, now)) {
        out.t.push(row.ts);
        out.v.push(row.value);
      }
      return out;
    }
    const min: number[] = [];
    const max: number[] = [];
    out.min = min;
    out.max = max;
    const start = from - (from % spec.bucketMs);
    const rows = spec.bucketMs === 60_000 ? this.selectMinutes.all(s.id, start, now) : this.selectBuckets.all(spec.bucketMs, s.id, start, now);
    for (const row of rows) {
      // A bucket is drawn at its middle, or at the last reading in the bucket still running.
      out.t.push(Math.min(row.b + spec.bucketMs / 2, Math.max(row.b, s.lastTs)));
      out.v.push(row.avg);
      min.push(row.min);
      max.push(row.max);
    }
    return out;
  }

  /** Every series of a room, or of the whole house. */
  queryRoom(room: string | undefined, range: HistoryRange, now: number): HistorySeries[] {
    const out: HistorySeries[] = [];
    for (const s of this.series.values()) if (room === undefined || s.room === room) out.push(this.query(s.room, s.measurement, range, now));
    return out;
  }

  /** The last value of every series (what the room cards show after a restart). */
  latest(): LatestValue[] {
    const out: LatestValue[] = [];
    for (const s of this.series.values()) {
      if (s.lastTs > 0 && Number.isFinite(s.lastValue)) out.push({ room: s.room, measurement: s.measurement, node: s.node, value: s.lastValue, ts: s.lastTs });
    }
    return out;
  }

  has(room: string, measurement: string): boolean {
    return this.series.has(`${room}/${measurement}`);
  }

  /** Size of the history; `samples` may be up to a minute old. */
  stats(): { series: number; samples: number; file_bytes: number; recorded: number; retention_days: number } {
    let bytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        bytes += statSync(this.options.file + suffix).size;
      } catch {
        // not there (yet)
      }
    }
    // count(*) walks the whole table: at most once a minute (the hub view asks every second).
    const now = Date.now();
    if (this.db && now - this.countedAt > 60_000) {
      this.counted = this.countSamples.get()!.n;
      this.countedAt = now;
    }
    return {
      series: this.series.size,
      samples: this.counted,
      file_bytes: bytes,
      recorded: this.recorded,
      retention_days: this.options.retentionDays,
    };
  }

  private create(room: string, measurement: string, node: string | undefined): SeriesState | undefined {
    if (this.series.size >= (this.options.maxSeries ?? 2000)) {
      if (!this.fullReported) this.options.onFull?.(room, measurement);
      this.fullReported = true;
      return undefined;
    }
    const { id } = this.insertSeries.get(room, measurement, node ?? null)!;
    return this.state(id, room, measurement, node);
  }

  private state(id: number, room: string, measurement: string, node: string | undefined): SeriesState {
    const s: SeriesState = {
      id,
      room,
      measurement,
      node,
      sec: -1,
      secTs: 0,
      secValue: 0,
      rows: [],
      minute: -1,
      n: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      minutes: [],
      lastTs: 0,
      lastValue: NaN,
      dirty: false,
      secDirty: false,
      gone: false,
    };
    this.series.set(`${room}/${measurement}`, s);
    return s;
  }
}
