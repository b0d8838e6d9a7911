// The dashboard's history store on a real SQLite file: at most one point per series per
// second, minute buckets for the day and week charts with their min-max band, retention
// (pruned in steps, forgotten series), survival across a restart, and a week of 1 Hz
// readings answered fast enough to chart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../hub/dashboard/history.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A fixed "now" on a minute boundary, so bucket arithmetic is easy to follow. */
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

const dirs: string[] = [];
function store(retentionDays = 7, extra: Partial<ConstructorParameters<typeof HistoryStore>[0]> = {}): HistoryStore {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-history-'));
  dirs.push(dir);
  const s = new HistoryStore({ file: join(dir, 'history.sqlite'), retentionDays, ...extra });
  s.open();
  return s;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('history store', () => {
  it('keeps one point per second: the last value, at the time of the first reading of that second', () => {
    const h = store();
    const t0 = NOW - 10_000;
    h.record('kitchen', 'temperature', 'kitchen-1', 20.0, t0 + 100);
    h.record('kitchen', 'temperature', 'kitchen-1', 20.5, t0 + 400);
    h.record('kitchen', 'temperature', 'kitchen-1', 21.0, t0 + 900);
    h.flush();
    // The same second again after a flush: the row is replaced, not doubled.
    h.record('kitchen', 'temperature', 'kitchen-1', 21.5, t0 + 950);
    h.record('kitchen', 'temperature', 'kitchen-1', 22.0, t0 + 1000);
    const q = h.query('kitchen', 'temperature', 'hour', NOW);
    expect(q.step_ms).toBe(0);
    expect(q.t).toEqual([t0 + 100, t0 + 1000]);
    expect(q.v).toEqual([21.5, 22.0]);
    expect(q.min).toBeUndefined();
    h.close();
  });

  it('answers the hour from single points and leaves out what is older than an hour', () => {
    const h = store();
    const times = [NOW - 2 * HOUR, NOW - HOUR - 1000, NOW - HOUR + 1000, NOW - 60_000, NOW - 1000];
    for (const [i, t] of times.entries()) h.record('hall', 'humidity', 'hall-1', 40 + i, t);
    const q = h.query('hall', 'humidity', 'hour', NOW);
    expect(q.t).toEqual(times.slice(2));
    expect(q.v).toEqual([42, 43, 44]);
    expect(q.from).toBe(NOW - HOUR);
    h.close();
  });

  it('answers the day from minute buckets with the average, lowest and highest of each', () => {
    const h = store();
    const minute = NOW - 10 * 60_000;
    // 60 readings in one minute: 0..59, so avg 29.5, min 0, max 59; flushed halfway through
    // (the running minute is written twice and must add up, not overwrite).
    for (let s = 0; s < 60; s++) {
      h.record('office', 'carbon_dioxide', 'co2-1', s, minute + s * 1000);
      if (s === 30) h.flush();
    }
    h.record('office', 'carbon_dioxide', 'co2-1', 500, minute + 60_000 + 5000);
    const q = h.query('office', 'carbon_dioxide', 'day', NOW);
    expect(q.step_ms).toBe(60_000);
    expect(q.v).toEqual([29.5, 500]);
    expect(q.min).toEqual([0, 500]);
    expect(q.max).toEqual([59, 500]);
    expect(q.t[0]).toBe(minute + 30_000);
    h.close();
  });

  it('draws a week of 1 Hz readings from at most 1,008 ten-minute buckets, fast', () => {
    const h = store();
    const start = NOW - 7 * DAY;
    // A sine over the day plus a spike: the spike must survive downsampling as a bucket max.
    const spikeAt = NOW - 3 * DAY + 123_000;
    const t0 = performance.now();
    for (let t = start; t < NOW; t += 1000) {
      const v = t === spikeAt ? 99 : 20 + 5 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);
      h.record('lab', 'temperature', 'lab-1', v, t);
      if ((t - start) % HOUR === 0) h.flush();
    }
    h.flush();
    const writeMs = performance.now() - t0;
    expect(h.stats().samples).toBe(7 * 86_400);

    const timings: Record<string, number> = {};
    for (const range of ['hour', 'day', 'week'] as const) {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        h.query('lab', 'temperature', range, NOW);
        runs.push(performance.now() - t);
      }
      timings[range] = median(runs);
    }
    const week = h.query('lab', 'temperature', 'week', NOW);
    const day = h.query('lab', 'temperature', 'day', NOW);
    const hour = h.query('lab', 'temperature', 'hour', NOW);
    expect(hour.t.length).toBe(3600);
    expect(day.t.length).toBe(1440);
    expect(week.t.length).toBeLessThanOrEqual(1009);
    expect(week.t.length).toBeGreaterThanOrEqual(1007);
    expect(Math.max(...week.max!)).toBe(99);
    expect(Math.min(...week.min!)).toBeCloseTo(15, 2);
    for (const v of week.v) expect(v).toBeGreaterThan(14.9);
    console.info(
      `history, a week of 1 Hz (604,800 readings): written in ${Math.round(writeMs)} ms; ` +
        `queries (median of 5): hour ${timings.hour!.toFixed(1)} ms (3,600 points), day ${timings.day!.toFixed(1)} ms (1,440), week ${timings.week!.toFixed(1)} ms (${week.t.length})`,
    );
    // Generous bounds for a busy CI machine; the figures above are what to read.
    expect(timings.week).toBeLessThan(250);
    expect(timings.day).toBeLessThan(250);
    h.close();
  }, 120_000);

  it('deletes what is older than the retention, an hour per series per call, and forgets silent series', () => {
    const h = store(2);
    // Three days of one reading a minute for a node that went quiet 2.5 days ago, and one
    // that is still sending.
    for (let t = NOW - 3 * DAY; t < NOW - 2.5 * DAY; t += 60_000) h.record('attic', 'temperature', 'attic-1', 10, t);
    for (let t = NOW - 3 * DAY; t < NOW; t += 60_000) h.record('cellar', 'temperature', 'cellar-1', 12, t);
    h.flush();
    let calls = 0;
    while (h.prune(NOW)) calls++;
    // 24 hours past the retention, an hour per call.
    expect(calls).toBeGreaterThanOrEqual(23);
    expect(h.has('attic', 'temperature')).toBe(false);
    expect(h.has('cellar', 'temperature')).toBe(true);
    const day = h.query('cellar', 'temperature', 'week', NOW);
    expect(day.t[0]).toBeGreaterThanOrEqual(NOW - 2 * DAY - 600_000);
    const all = h.query('cellar', 'temperature', 'hour', NOW);
    expect(all.t.length).toBe(60);
    expect(h.stats().samples).toBe(2 * 24 * 60);
    expect(h.latest().map((l) => l.room)).toEqual(['cellar']);
    h.close();
  });

  it('remembers the last value of every series across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-history-'));
    dirs.push(dir);
    const file = join(dir, 'history.sqlite');
    const first = new HistoryStore({ file, retentionDays: 7 });
    first.open();
    first.record('kitchen', 'temperature', 'kitchen-1', 21.25, NOW - 5000);
    first.record('kitchen', 'motion', 'kitchen-1', 1, NOW - 4000);
    first.close();
    const second = new HistoryStore({ file, retentionDays: 7 });
    second.open();
    expect(second.latest().sort((a, b) => a.measurement.localeCompare(b.measurement))).toEqual([
      { room: 'kitchen', measurement: 'motion', node: 'kitchen-1', value: 1, ts: NOW - 4000 },
      { room: 'kitchen', measurement: 'temperature', node: 'kitchen-1', value: 21.25, ts: NOW - 5000 },
    ]);
    expect(second.query('kitchen', 'temperature', 'hour', NOW).v).toEqual([21.25]);
    second.close();
  });

  it('moves a damaged file aside and starts a new history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-history-'));
    dirs.push(dir);
    const file = join(dir, 'history.sqlite');
    writeFileSync(file, 'this is not a database, it is a sentence long enough to be read as a header');
    const damaged: string[] = [];
    const h = new HistoryStore({ file, retentionDays: 7 });
    h.open((err) => damaged.push(err.message));
    expect(damaged).toHaveLength(1);
    expect(readFileSync(`${file}.bad`, 'utf8')).toMatch(/^this is not a database/);
    h.record('kitchen', 'temperature', 'kitchen-1', 20, NOW);
    expect(h.query('kitchen', 'temperature', 'hour', NOW).v).toEqual([20]);
    h.close();
  });

  it('drops what it could not write (a full disk) instead of holding it, and says so by throwing', () => {
    const h = store();
    h.record('kitchen', 'temperature', 'kitchen-1', 20, NOW - 2000);
    // The database goes away under it, as a write to a full disk fails.
    const db = (h as unknown as { db: { close(): void } }).db;
    db.close();
    expect(() => h.flush()).toThrow();
    expect(h.dropped).toBe(1);
    // Nothing is left pending: the next flush has nothing to do.
    expect(() => h.flush()).not.toThrow();
    (h as unknown as { db: undefined }).db = undefined;
  });

  it('keeps at most maxSeries series and says so once', () => {
    const full: string[] = [];
    const h = store(7, { maxSeries: 2, onFull: (room, m) => full.push(`${room}/${m}`) });
    h.record('a', 'temperature', undefined, 1, NOW);
    h.record('b', 'temperature', undefined, 1, NOW);
    h.record('c', 'temperature', undefined, 1, NOW);
    h.record('d', 'temperature', undefined, 1, NOW);
    expect(h.stats().series).toBe(2);
    expect(full).toEqual(['c/temperature']);
    h.close();
  });
});
