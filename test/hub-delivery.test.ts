// "Nothing lost", through real parts: readings keep flowing into a pty while the broker is
// SIGKILLed and restarted, and while it is down from the start across a hub SIGTERM and
// restart (the hub as a child process, `node cli/bin.js hub`). A persistent QoS 1
// subscriber must see every reading; each carries its sequence number in its value
// (temperature 20 + seq/1000, three decimals), so gaps are found exactly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { createHub, QUEUE_FILE } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { Database, type SqliteDatabase } from '../hub/queue/sqlite.ts';
import { startHubProcess } from './helpers/hub-process.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { connectRecorder, type Recorder, subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto', 'socat');
/**
 * Mosquitto started as root drops to the `mosquitto` user and then cannot write its
 * persistence file into the root-owned temporary data dir (helpers/mosquitto.ts makes it
 * 0700), so sessions would silently not survive a restart. Staying root avoids that; as
 * any other user the setting is ignored.
 */
const BROKER_OPTIONS = { persistence: true, maxQueuedMessages: 0 };

function line(seq: number): string {
  return `{"node":"flow-1","room":"flow","temperature":${(20 + seq / 1000).toFixed(3)},"seq":${seq}}\n`;
}

function seqOf(payload: string): number {
  return Math.round((Number(payload) - 20) * 1000);
}

/** Sequence numbers received, and whether their first arrivals came in order. */
function received(r: Recorder): { unique: Set<number>; inOrder: boolean } {
  const unique = new Set<number>();
  let last = -1;
  let inOrder = true;
  for (const m of r.on('home/flow/temperature')) {
    const seq = seqOf(m.payload);
    if (unique.has(seq)) continue;
    if (seq < last) inOrder = false;
    last = seq;
    unique.add(seq);
  }
  return { unique, inOrder };
}

function missing(unique: Set<number>, count: number): number[] {
  const gaps: number[] = [];
  for (let i = 0; i < count; i++) if (!unique.has(i)) gaps.push(i);
  return gaps;
}

/** A persistent QoS 1 session whose recorder listens before CONNACK (queued messages follow it at once). */
function persistentSubscriber(url: string, clientId: string): Promise<Recorder> {
  return connectRecorder(url, { clientId, clean: false });
}

describe.skipIf(!ok)('hub delivery (nothing lost)', () => {
  const cleanups = cleanupsAfterEach();

  it('delivers all 1,000 readings at ~100/s to a persistent QoS 1 subscriber while the broker is SIGKILLed and restarted', async () => {
    const broker = await new Mosquitto(BROKER_OPTIONS).start();
    cleanups.push(() => broker.dispose());
    const session = await subscribe(broker.url, 'home/flow/#', { clientId: 'flow-sub', clean: false, qos: 1 });
    await session.end();
    const sub = await persistentSubscriber(broker.url, 'flow-sub');
    cleanups.push(() => sub.client.endAsync(true));

    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-hub-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const settings = hubSettingsSchema.parse({
      mqtt: { url: broker.url, client_id: 'hub-flow' },
      serial: { ports: [{ path: pty.devicePath }] },
      data_dir: dataDir,
      queue: { flush_interval_ms: 50 },
      http: { enabled: false },
    });
    const hub = createHub(settings, { log: createLogger({ level: 'error' }) });
    await hub.start();
    cleanups.push(() => hub.stop());
    await waitFor('hub connected and port open', () => hub.stats().broker.connected && hub.stats().ports[pty.devicePath]);

    const total = 1000;
    let sent = 0;
    const writer = setInterval(() => {
      // ~100 per second, in 10 ms ticks.
      if (sent < total) pty.write(line(sent++));
    }, 10);
    cleanups.push(() => clearInterval(writer));

    await waitFor('300 readings through', () => received(sub).unique.size >= 300, 20_000);
    await broker.kill();
    await waitFor('100 more readings written while the broker is down', () => sent >= 400 || sent === total, 20_000);
    await broker.start();

    await waitFor('all readings at the subscriber', () => received(sub).unique.size === total, 60_000).catch((err) => {
      throw new Error(`${err.message}; missing: ${missing(received(sub).unique, total).slice(0, 20).join(',')}`);
    });
    const { unique, inOrder } = received(sub);
    expect(missing(unique, total)).toEqual([]);
    expect(inOrder).toBe(true);
    expect(hub.stats().broker.connects).toBeGreaterThanOrEqual(2);
    expect(hub.stats().dropped).toBe(0);
  }, 120_000);

  it('queues 10,000 readings with the broker down, keeps them across a hub SIGTERM and restart, and delivers all when the broker starts', async () => {
    // Not killed here, only stopped (SIGTERM saves): no need to save on every change, which
    // with 10,000 queued messages makes Mosquitto rewrite its whole database per message.
    const broker = new Mosquitto({ ...BROKER_OPTIONS, extraConfig: 'autosave_on_changes false\nautosave_interval 1800' });
    cleanups.push(() => broker.dispose());
    // The subscriber's persistent session exists before the outage.
    await broker.start();
    const session = await subscribe(broker.url, 'home/flow/#', { clientId: 'flow-sub-2', clean: false, qos: 1 });
    await session.end();
    await broker.stop();

    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-hub-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const configFile = join(dataDir, 'hub.yaml');
    writeFileSync(
      configFile,
      stringify({
        mqtt: { url: broker.url, client_id: 'hub-flow-2' },
        serial: { ports: [{ path: pty.devicePath }] },
        data_dir: dataDir,
        queue: { flush_interval_ms: 50 },
        log_level: 'info',
      }),
    );

    const first = startHubProcess(configFile, ['--no-http']);
    cleanups.push(() => first.stop('SIGKILL'));
    await first.waitForLog(/serial port open/);
    const total = 10_000;
    for (let seq = 0; seq < total; seq++) pty.write(line(seq));

    const queueFile = join(dataDir, QUEUE_FILE);
    await waitFor(`${total} readings in the durable queue`, () => queuedRows(queueFile) === total, 30_000);
    const code = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(first.log).toMatch(/hub stopped.*queued=10000/);
    expect(queuedRows(queueFile)).toBe(total);

    const second = startHubProcess(configFile, ['--no-http']);
    cleanups.push(() => second.stop('SIGKILL'));
    await second.waitForLog(/durable queue open.*queued=10000/);
    await broker.start();
    const sub = await persistentSubscriber(broker.url, 'flow-sub-2');
    cleanups.push(() => sub.client.endAsync(true));

    await waitFor('all readings at the subscriber', () => received(sub).unique.size === total, 60_000).catch((err) => {
      throw new Error(`${err.message}; missing: ${missing(received(sub).unique, total).slice(0, 20).join(',')}`);
    });
    const { unique, inOrder } = received(sub);
    expect(missing(unique, total)).toEqual([]);
    expect(inOrder).toBe(true);
    await waitFor('the queue to empty', () => queuedRows(queueFile) === 0, 10_000);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 120_000);
});

/** Rows in the hub's queue file, read from outside (WAL allows a reader beside the writer). */
function queuedRows(file: string): number {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM readings').get()!.n;
  } catch {
    return -1;
  } finally {
    db?.close();
  }
}
