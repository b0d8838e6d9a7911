// Unit tests where a real pty or broker adds nothing: the line splitter's cap, the serial
// link's reconnect/backoff and re-resolving and the port manager's auto-detection against
// @serialport/binding-mock, and the durable queue's bookkeeping against a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../hub/log.ts';
import { DurableQueue } from '../hub/queue/durable-queue.ts';
import { LineSplitter } from '../hub/serial/line-splitter.ts';
import type { PortInfo, SerialBinding } from '../hub/serial/port-list.ts';
import { PortManager } from '../hub/serial/port-manager.ts';
import { SerialLink } from '../hub/serial/serial-link.ts';
import { identifyBridge } from '../hub/serial/usb-bridges.ts';
import { backoffDelay } from '../hub/core/backoff.ts';

/** The part of @serialport/binding-mock used here (its package has no ESM type declarations). */
interface MockPort {
  isOpen: boolean;
  openOptions: { hupcl: boolean; path: string };
  emitData(data: Buffer | string): void;
  pendingRead: ((err?: Error) => void) | null;
}
interface MockBindingApi extends SerialBinding {
  reset(): void;
  createPort(path: string, options?: { vendorId?: string; productId?: string }): void;
  open(options: object): Promise<MockPort>;
}
const { MockBinding } = createRequire(import.meta.url)('@serialport/binding-mock') as { MockBinding: MockBindingApi };

/** MockBinding that remembers the ports it opened and what was set on them. */
function recordingBinding() {
  const opened: MockPort[] = [];
  const sets: object[] = [];
  const binding: SerialBinding = {
    list: () => MockBinding.list() as Promise<PortInfo[]>,
    async open(options: object) {
      const port = await MockBinding.open(options);
      const set = (port as unknown as { set(o: object): Promise<void> }).set.bind(port);
      (port as unknown as { set(o: object): Promise<void> }).set = (o: object) => {
        sets.push(o);
        return set(o);
      };
      opened.push(port);
      return port;
    },
  };
  /** Pulls the cable: the port vanishes and its pending read fails as bindings-cpp reports it. */
  const unplug = () => {
    const port = opened.at(-1)!;
    MockBinding.reset();
    port.pendingRead?.(Object.assign(new Error('device reports readiness to read but returned no data'), { disconnect: true }));
  };
  return { binding, opened, sets, unplug };
}

async function until(what: string, probe: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Lets I/O callbacks and promise chains run without moving the (fake) clock: vi.waitUntil
 * would advance fake timers itself and skew the backoff being measured.
 */
async function settle(probe: () => boolean, ms = 5000): Promise<void> {
  // Date is not faked; file-system calls (threadpool) may take a while on a busy machine.
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('LineSplitter', () => {
  function split(maxLineBytes: number) {
    const lines: string[] = [];
    let tooLong = 0;
    const splitter = new LineSplitter({ maxLineBytes, onLine: (l) => lines.push(l), onTooLong: () => tooLong++ });
    return { splitter, lines, tooLong: () => tooLong };
  }

  it('splits lines across chunks and drops the terminator, \\n or \\r\\n', () => {
    const { splitter, lines } = split(64);
    for (const chunk of ['a\nb', 'c\r', '\nd\r\ne', 'f', '\n\n']) splitter.push(Buffer.from(chunk));
    expect(lines).toEqual(['a', 'bc', 'd', 'ef', '']);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('keeps a line of exactly the cap, in one chunk or split, with or without \\r', () => {
    const { splitter, lines, tooLong } = split(8);
    splitter.push(Buffer.from('12345678\n'));
    splitter.push(Buffer.from('1234'));
    splitter.push(Buffer.from('5678\r'));
    splitter.push(Buffer.from('\n'));
    expect(lines).toEqual(['12345678', '12345678']);
    expect(tooLong()).toBe(0);
  });

  it('drops a longer line up to its newline, counts it once, and keeps the lines around it', () => {
    const { splitter, lines, tooLong } = split(8);
    splitter.push(Buffer.from('ok\n123456789\nfine\n'));
    splitter.push(Buffer.from('123456'));
    splitter.push(Buffer.from('789'));
    splitter.push(Buffer.from('abc'));
    splitter.push(Buffer.from('def\nafter\n'));
    expect(lines).toEqual(['ok', 'fine', 'after']);
    expect(tooLong()).toBe(2);
  });

  it('holds at most the cap in memory when no newline ever comes (wrong baud rate)', () => {
    const { splitter, lines, tooLong } = split(1024);
    const noise = Buffer.alloc(4096, 0x55);
    let maxHeld = 0;
    for (let i = 0; i < 1000; i++) {
      splitter.push(noise);
      maxHeld = Math.max(maxHeld, splitter.pendingBytes);
    }
    expect(maxHeld).toBeLessThanOrEqual(1025);
    expect(tooLong()).toBe(1);
    splitter.push(Buffer.from('\nnext\n'));
    expect(lines).toEqual(['next']);
  });

  it('decodes UTF-8 across chunk boundaries and marks invalid bytes as U+FFFD', () => {
    const { splitter, lines } = split(64);
    const text = Buffer.from('21.5\u00b0C\n');
    splitter.push(text.subarray(0, 5));
    splitter.push(text.subarray(5));
    splitter.push(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    expect(lines).toEqual(['21.5\u00b0C', 'a\ufffdb']);
  });
});

describe('USB bridges', () => {
  it('knows the ESP32 boards USB-UART chips and nothing else', () => {
    expect(identifyBridge('10C4', 'EA60')?.chip).toMatch(/CP210x/);
    expect(identifyBridge('0x1a86', '55d4')?.chip).toMatch(/CH9102/);
    expect(identifyBridge('303a', '1001')?.chip).toMatch(/USB-Serial-JTAG/);
    expect(identifyBridge('2341', '0043')).toBeUndefined();
    expect(identifyBridge(undefined, 'ea60')).toBeUndefined();
  });
});

describe('SerialLink with binding-mock', () => {
  beforeEach(() => MockBinding.reset());
  afterEach(() => vi.useRealTimers());

  function link(binding: SerialBinding, path: string, reconnectMaxMs = 1000) {
    const lines: string[] = [];
    const downs: string[] = [];
    const l = new SerialLink(
      { path, baud: 115200, dtr: false, rts: false, maxLineBytes: 1024, reconnectMaxMs, binding, log: silentLogger },
      { onLine: (line) => lines.push(line), onTooLong: () => {}, onDown: (_l, err) => downs.push(err.message) },
    );
    return { link: l, lines, downs };
  }

  it('opens without HUPCL, clears DTR and RTS, and splits what arrives into lines', async () => {
    MockBinding.createPort('/dev/ttyUSB0');
    const { binding, opened, sets } = recordingBinding();
    const { link: l, lines } = link(binding, '/dev/ttyUSB0');
    l.start();
    await until('open', () => l.state === 'open');
    expect(opened[0]!.openOptions.hupcl).toBe(false);
    await until('DTR/RTS set', () => sets.length === 1);
    expect(sets[0]).toMatchObject({ dtr: false, rts: false });
    opened[0]!.emitData('{"node":"a"}\r\npartial');
    opened[0]!.emitData(' line\n');
    await until('two lines', () => lines.length === 2);
    expect(lines).toEqual(['{"node":"a"}', 'partial line']);
    await l.stop();
    expect(l.state).toBe('closed');
  });

  it('retries an unplugged port with doubling delays up to the cap, and resumes when it is back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    MockBinding.createPort('/dev/ttyUSB0');
    const { binding, opened, unplug } = recordingBinding();
    const attempts: number[] = [];
    const counting: SerialBinding = {
      list: binding.list,
      open: (o) => {
        attempts.push(Date.now());
        return binding.open(o);
      },
    };
    const { link: l, lines, downs } = link(counting, '/dev/ttyUSB0', 500);
    l.start();
    await settle(() => l.state === 'open');
    unplug();
    await settle(() => l.state === 'retrying');
    expect(downs).toHaveLength(1);

    // Retry n comes backoff(n) ms after failure n: 100, 200, 400, then 500 (the cap).
    const expected = [100, 200, 400, 500, 500];
    for (const delay of expected) {
      const before = attempts.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(attempts.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      await settle(() => attempts.length === before + 1);
      await settle(() => l.state === 'retrying');
    }
    expect(expected.map((_, i) => backoffDelay(i + 1, 100, 500))).toEqual(expected);

    MockBinding.createPort('/dev/ttyUSB0');
    await vi.advanceTimersByTimeAsync(500);
    await settle(() => l.state === 'open');
    opened.at(-1)!.emitData('back\n');
    await settle(() => lines.includes('back'));
    expect(l.opens).toBe(2);
    await l.stop();
  });

  it('does not list every port (udevadm) to learn the identity of a pseudo-terminal', async () => {
    MockBinding.createPort('/dev/pts/7');
    MockBinding.createPort('/dev/ttyUSB0');
    const pty = recordingBinding();
    const usb = recordingBinding();
    let ptyLists = 0;
    const list = pty.binding.list;
    pty.binding.list = () => {
      ptyLists++;
      return list();
    };
    const { link: onPty } = link(pty.binding, '/dev/pts/7');
    onPty.start();
    await until('pty open', () => onPty.state === 'open');
    // The same steps on a USB path, started after: once it knows its board, the pty's
    // identity lookup has run as far as it ever will.
    const { link: onUsb } = link(usb.binding, '/dev/ttyUSB0');
    onUsb.start();
    await until('USB identity learnt', () => onUsb.serialNumber !== undefined);
    expect(ptyLists).toBe(0);
    expect(onPty.serialNumber).toBeUndefined();
    await onPty.stop();
    await onUsb.stop();
  });

  it('finds the board again by serial number when it comes back under another path', async () => {
    MockBinding.createPort('/dev/ttyUSB0');
    const { binding, opened, unplug } = recordingBinding();
    const { link: l } = link(binding, '/dev/ttyUSB0', 50);
    l.start();
    await until('identity learnt', () => l.serialNumber === '1');
    unplug();
    // Re-enumerated as ttyUSB1; after reset() the mock numbers it "1" again, like the same board.
    MockBinding.createPort('/dev/ttyUSB1');
    await until('reopened', () => l.state === 'open' && l.opens === 2);
    expect(l.openedPath).toBe('/dev/ttyUSB1');
    expect(opened.at(-1)!.openOptions.path).toBe('/dev/ttyUSB1');
    await l.stop();
  });
});

describe('PortManager auto-detection with binding-mock', () => {
  beforeEach(() => MockBinding.reset());

  it('attaches known USB-UART bridges only, and new ones on a rescan', async () => {
    MockBinding.createPort('/dev/ttyUSB0', { vendorId: '10c4', productId: 'ea60' });
    MockBinding.createPort('/dev/ttyS0');
    const lines: string[] = [];
    const manager = new PortManager(
      {
        ports: [],
        autodetect: true,
        baud: 115200,
        dtr: false,
        rts: false,
        maxLineBytes: 1024,
        reconnectMaxMs: 1000,
        rescanMs: 60_000,
        binding: MockBinding,
        log: silentLogger,
      },
      { onLine: (port, line) => lines.push(`${port.id}: ${line}`), onTooLong: () => {} },
    );
    await manager.start();
    try {
      expect(manager.all().map((p) => [p.id, p.chip])).toEqual([['/dev/ttyUSB0', 'CP210x (Silicon Labs)']]);
      MockBinding.createPort('/dev/ttyACM0', { vendorId: '303a', productId: '1001' });
      await manager.scan();
      await manager.scan();
      expect(manager.all().map((p) => p.id)).toEqual(['/dev/ttyUSB0', '/dev/ttyACM0']);
      await until('both open', () => Object.values(manager.status()).every((s) => s.state === 'open'));
    } finally {
      await manager.stop();
    }
  });
});

describe('DurableQueue', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roomlink-queue-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function queue(options: Partial<{ maxMessages: number; onDrop: (n: number) => void }> = {}) {
    const q = new DurableQueue({ file: join(dir, 'q.sqlite'), maxMessages: options.maxMessages ?? 1000, flushIntervalMs: 10_000, onDrop: options.onDrop });
    q.open();
    return q;
  }
  const topics = (messages: { topic: string }[]) => messages.map((m) => m.topic);

  it('hands readings out in order; one acknowledged before its flush never reaches the disk', () => {
    const q = queue();
    for (let i = 0; i < 5; i++) q.push(`t/${i}`, String(i));
    const first = q.take(3);
    expect(topics(first)).toEqual(['t/0', 't/1', 't/2']);
    q.ack(first[0]!);
    q.ack(first[1]!);
    q.flush();
    expect(q.stats()).toMatchObject({ queued: 3, written: 3 });
    expect(topics(q.take(10))).toEqual(['t/3', 't/4']);
    q.close();
  });

  it('after rewind (a reconnect) hands out every unacknowledged reading again, oldest first', () => {
    const q = queue();
    for (let i = 0; i < 6; i++) q.push(`t/${i}`, String(i));
    const sent = q.take(4);
    q.ack(sent[1]!);
    q.flush();
    q.ack(sent[2]!); // acknowledged after it was written: deleted at the next flush
    q.push('t/6', '6');
    q.rewind();
    expect(topics(q.take(100))).toEqual(['t/0', 't/3', 't/4', 't/5', 't/6']);
    q.close();
  });

  it('keeps unacknowledged readings across close and open (a hub restart)', () => {
    const q = queue();
    for (let i = 0; i < 4; i++) q.push(`t/${i}`, String(i));
    q.ack(q.take(1)[0]!);
    q.close();
    const again = queue();
    expect(again.size).toBe(3);
    const out = again.take(10);
    expect(out.map((m) => [m.topic, m.payload])).toEqual([
      ['t/1', '1'],
      ['t/2', '2'],
      ['t/3', '3'],
    ]);
    again.push('t/4', '4');
    expect(topics(again.take(10))).toEqual(['t/4']);
    again.close();
  });

  it('writes a large flush exactly (rows go to disk 64 per statement): every unacknowledged reading survives a restart', () => {
    const q = queue();
    // 300 readings, every 7th acknowledged before the flush: full 64-row statements and a tail.
    for (let i = 0; i < 300; i++) q.push(`t/${i % 5}`, `{"v":${i},"unit":"°C"}`);
    const taken = q.take(300);
    const kept = taken.filter((m, i) => {
      if (i % 7 === 0) q.ack(m);
      return i % 7 !== 0;
    });
    q.close();
    const again = queue();
    expect(again.size).toBe(kept.length);
    expect(again.take(1000).map((m) => [m.topic, m.payload])).toEqual(kept.map((m) => [m.topic, m.payload]));
    again.close();
  });

  it('serves readings beyond its memory window from disk, in order, without skipping or repeating', () => {
    const q = new DurableQueue({ file: join(dir, 'q.sqlite'), maxMessages: 1000, flushIntervalMs: 10_000, windowSize: 2 });
    q.open();
    for (let i = 0; i < 6; i++) q.push(`t/${i}`, String(i));
    q.flush(); // only t/4 and t/5 stay in memory; t/0..t/3 are read back from disk
    const first = q.take(3);
    expect(topics(first)).toEqual(['t/0', 't/1', 't/2']);
    q.push('t/6', '6');
    const rest = q.take(10);
    expect(topics(rest)).toEqual(['t/3', 't/4', 't/5', 't/6']);
    for (const m of [...first, ...rest]) q.ack(m);
    q.flush();
    expect(q.size).toBe(0);
    q.close();
    const again = queue();
    expect(again.size).toBe(0);
    again.close();
  });

  it('deletes acknowledged rows in ranges, keeping an unacknowledged one in the middle', () => {
    const q = queue();
    for (let i = 0; i < 10; i++) q.push(`t/${i}`, String(i));
    q.flush();
    const sent = q.take(10);
    for (const m of sent) if (m.topic !== 't/4') q.ack(m);
    q.flush();
    expect(q.size).toBe(1);
    q.close();
    const again = queue();
    expect(topics(again.take(10))).toEqual(['t/4']);
    again.close();
  });

  it('drops the oldest beyond max_messages at a flush and reports how many', () => {
    const drops: number[] = [];
    const q = queue({ maxMessages: 3, onDrop: (n) => drops.push(n) });
    for (let i = 0; i < 5; i++) q.push(`t/${i}`, String(i));
    q.flush();
    expect(drops).toEqual([2]);
    expect(q.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(topics(q.take(10))).toEqual(['t/2', 't/3', 't/4']);
    q.close();
  });
});
