// The durable queue against a trivial model, with random sequences of push, take, ack,
// flush, rewind, clean close and crash (the database dropped without a flush) and reopen.
// The model says exactly what must come back: every reading committed and not deleted,
// in the order accepted; a crash may bring back a reading whose acknowledgement had not
// reached the disk yet (at-least-once), never loses one that had been committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableQueue, type QueuedMessage } from '../hub/queue/durable-queue.ts';

interface Reading {
  n: number;
  committed: boolean;
}

interface Model {
  /** Pushed and not acknowledged (or back after a crash), in the order accepted. */
  live: Reading[];
  /** Acknowledged, committed, and deleted on disk only at the next flush. */
  ackedOnDisk: Reading[];
  /** The last reading handed out since the last rewind (0: none). */
  cursor: number;
  next: number;
}

interface Real {
  queue: DurableQueue;
  file: string;
  windowSize: number;
  /** Handed out and not acknowledged, by reading number. */
  handed: Map<number, QueuedMessage>;
}

const numberOf = (m: QueuedMessage) => Number(m.payload);

function open(file: string, windowSize: number): DurableQueue {
  // Timers never fire in a run: flushes happen only where a command asks for one.
  const queue = new DurableQueue({ file, maxMessages: 1_000_000, flushIntervalMs: 1e9, windowSize });
  queue.open();
  return queue;
}

/** What a SIGKILL leaves: the database as last committed. */
function crash(queue: DurableQueue): void {
  const inside = queue as unknown as { db?: { close(): void }; flushTimer?: NodeJS.Timeout };
  clearTimeout(inside.flushTimer);
  inside.db?.close();
  inside.db = undefined;
}

class Push implements fc.Command<Model, Real> {
  constructor(readonly count: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    for (let i = 0; i < this.count; i++) {
      const n = m.next++;
      r.queue.push(`t/${n % 7}`, String(n));
      m.live.push({ n, committed: false });
    }
  }
  toString = () => `push(${this.count})`;
}

class Take implements fc.Command<Model, Real> {
  constructor(readonly max: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const got = r.queue.take(this.max);
    const expected = m.live
      .filter((x) => x.n > m.cursor)
      .slice(0, this.max)
      .map((x) => x.n);
    expect(got.map(numberOf)).toEqual(expected);
    for (const message of got) r.handed.set(numberOf(message), message);
    if (got.length > 0) m.cursor = numberOf(got[got.length - 1]!);
  }
  toString = () => `take(${this.max})`;
}

class Ack implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    if (r.handed.size === 0) return;
    const numbers = [...r.handed.keys()];
    const n = numbers[this.pick % numbers.length]!;
    r.queue.ack(r.handed.get(n)!);
    r.handed.delete(n);
    const at = m.live.findIndex((x) => x.n === n);
    const [reading] = m.live.splice(at, 1);
    if (reading!.committed) m.ackedOnDisk.push(reading!);
  }
  toString = () => `ack(#${this.pick})`;
}

function commit(m: Model): void {
  for (const x of m.live) x.committed = true;
  m.ackedOnDisk = [];
}

class Flush implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    r.queue.flush();
    commit(m);
    expect(r.queue.size).toBe(m.live.length);
  }
  toString = () => 'flush';
}

class Rewind implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    r.queue.rewind();
    commit(m);
    m.cursor = 0;
    r.handed.clear();
  }
  toString = () => 'rewind';
}

class Reopen implements fc.Command<Model, Real> {
  constructor(readonly crashed: boolean) {}
  check = () => true;
  run(m: Model, r: Real): void {
    if (this.crashed) {
      crash(r.queue);
      // Only what was committed survives, and so does a committed one whose ack was not.
      m.live = [...m.live.filter((x) => x.committed), ...m.ackedOnDisk].sort((a, b) => a.n - b.n);
      m.ackedOnDisk = [];
    } else {
      r.queue.close();
      commit(m);
    }
    r.queue = open(r.file, r.windowSize);
    m.cursor = 0;
    r.handed.clear();
    expect(r.queue.size).toBe(m.live.length);
  }
  toString = () => (this.crashed ? 'crash+reopen' : 'close+reopen');
}

const commands = [
  fc.integer({ min: 1, max: 40 }).map((k) => new Push(k)),
  fc.integer({ min: 1, max: 50 }).map((k) => new Take(k)),
  fc.nat().map((k) => new Ack(k)),
  fc.nat().map((k) => new Ack(k)),
  fc.constant(new Flush()),
  fc.constant(new Rewind()),
  fc.boolean().map((crashed) => new Reopen(crashed)),
];

describe('DurableQueue against a model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-queue-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let run = 0;

  it('random push/take/ack/flush/rewind/close/crash sequences: nothing committed is lost, order holds, nothing acknowledged and deleted comes back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.commands(commands, { maxCommands: 120 }), (windowSize, cmds) => {
        const file = join(dir, `q${run++}.sqlite`);
        const real: Real = { queue: open(file, windowSize), file, windowSize, handed: new Map() };
        const model: Model = { live: [], ackedOnDisk: [], cursor: 0, next: 1 };
        try {
          fc.modelRun(() => ({ model, real }), cmds);
          // In the end, a rewind hands out exactly what the model holds, in order.
          real.queue.rewind();
          expect(real.queue.take(1_000_000).map(numberOf)).toEqual(model.live.map((x) => x.n));
        } finally {
          real.queue.close();
          rmSync(file, { force: true });
        }
      }),
      { numRuns: Number(process.env.ROOMLINK_MODEL_RUNS ?? 200) },
    );
  });
});
