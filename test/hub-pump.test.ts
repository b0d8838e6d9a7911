// The reading pump on the hub's own MQTT connection, through a real Mosquitto: the pump's
// PUBLISH batches and the connection's own QoS 1 publishes share one socket, every reading
// arrives once and in order, the broker's Receive Maximum holds, what was in flight when the
// connection died is sent again, and a reading the broker refuses is handed over once, not
// resent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../hub/log.ts';
import { MqttConnection, type BrokerLink } from '../hub/mqtt/connection.ts';
import { CLOSED_ON_IT, ReadingPump } from '../hub/mqtt/reading-pump.ts';
import { DurableQueue, type QueuedMessage } from '../hub/queue/durable-queue.ts';
import { FaultProxy } from './helpers/fault-proxy.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe, type Recorder } from '../bench/helpers/mqtt.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'mosquitto_passwd');

describe.skipIf(!ok)('reading pump (Mosquitto)', () => {
  // Receive Maximum 50 for MQTT 5 clients: the pump must not exceed it. The user `hub` may
  // publish everywhere but under denied/: the broker refuses those readings (MQTT 5: 0x87).
  const aclDir = mkdtempSync(join(tmpdir(), 'roomlink-pump-acl-'));
  const acl = join(aclDir, 'acl');
  writeFileSync(acl, 'user hub\ntopic deny denied/#\ntopic readwrite #\n\nuser rec\ntopic read #\n');
  const broker = new Mosquitto({ persistence: false, users: { hub: 'hub-pw', rec: 'rec-pw' }, extraConfig: `max_inflight_messages 50\nacl_file ${acl}` });
  const cleanup: (() => unknown)[] = [];
  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.dispose();
    rmSync(aclDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function setup(protocol: 4 | 5, qos: 0 | 1, topic: string, url = broker.url) {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-pump-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const queue = new DurableQueue({ file: join(dir, 'queue.sqlite'), maxMessages: 1_000_000, flushIntervalMs: 50 });
    queue.open();
    cleanup.push(() => queue.close());
    const refused: { message: QueuedMessage; reason: number }[] = [];
    const pump = new ReadingPump(queue, { qos, retain: false, maxInflight: 1000, onRefused: (message, reason) => refused.push({ message, reason }) });
    const recorder: Recorder = await subscribe(broker.url, `${topic}/#`, { qos: 1, protocolVersion: protocol, username: 'rec', password: 'rec-pw' });
    cleanup.push(() => recorder.end());
    const lines: string[] = [];
    let link: BrokerLink | undefined;
    let closes = 0;
    const connection = new MqttConnection(
      {
        will: { topic: `${topic}/will`, payload: 'gone' },
        subscriptions: [],
        protocol,
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
        log: createLogger({ level: 'debug', stream: { write: (l: string) => lines.push(l) } }),
      },
      {
        onConnect: (l) => {
          link = l;
          pump.connected(l);
        },
        onClose: () => {
          closes++;
          pump.disconnected();
        },
        onMessage: () => {},
      },
    );
    connection.start({ url, client: { clientId: `pump-${topic}`, username: 'hub', password: 'hub-pw' } });
    cleanup.push(() => connection.stop());
    await waitFor('connected', () => link !== undefined);
    return { queue, pump, recorder, connection, link: () => link!, refused, lines, closes: () => closes };
  }

  for (const protocol of [4, 5] as const) {
    for (const qos of [0, 1] as const) {
      it(`MQTT ${protocol === 5 ? '5' : '3.1.1'}, QoS ${qos}: 20,000 readings arrive once and in order while the connection publishes state on the same socket`, async () => {
        const topic = `pump-${protocol}-${qos}`;
        const t = await setup(protocol, qos, topic);
        expect(t.link().protocolVersion).toBe(protocol);
        let peakInflight = 0;
        const count = 20_000;
        const stateAcks: Promise<Error | undefined>[] = [];
        for (let i = 0; i < count; i++) {
          t.queue.push(`${topic}/r${i % 3}`, String(i));
          t.pump.kick();
          // The connection's own QoS 1 publishes, acknowledged to it and not to the pump.
          if (i % 400 === 0) stateAcks.push(new Promise((resolve) => t.link().publish(`${topic}/state`, `s${i}`, { qos: 1, retain: false }, resolve)));
          if (i % 50 === 0) await new Promise((r) => setImmediate(r));
          peakInflight = Math.max(peakInflight, t.pump.inFlight);
        }
        const sampler = setInterval(() => (peakInflight = Math.max(peakInflight, t.pump.inFlight)), 1);
        try {
          expect(await Promise.all(stateAcks)).toEqual(stateAcks.map(() => undefined));
          const readings = await t.recorder.waitForCount(count, (m) => !m.topic.endsWith('/state'), 30_000);
          expect(readings.map((m) => Number(m.payload))).toEqual(Array.from({ length: count }, (_, i) => i));
          expect(readings.map((m) => m.topic).slice(0, 4)).toEqual([`${topic}/r0`, `${topic}/r1`, `${topic}/r2`, `${topic}/r0`]);
          expect(t.recorder.on(`${topic}/state`)).toHaveLength(stateAcks.length);
          expect(await t.pump.drained(10_000)).toBe(true);
        } finally {
          clearInterval(sampler);
        }
        expect(t.pump.published).toBe(count);
        expect(t.queue.size).toBe(0);
        expect(t.refused).toEqual([]);
        expect(t.closes()).toBe(0);
        if (qos === 1) {
          // MQTT 5: Mosquitto announces max_inflight_messages as its Receive Maximum.
          if (protocol === 5) expect(t.link().receiveMaximum).toBe(50);
          expect(peakInflight).toBeGreaterThan(1);
          expect(peakInflight).toBeLessThanOrEqual(protocol === 5 ? 50 : 1000);
        }
      }, 60_000);
    }
  }

  it('QoS 1: what was in flight when the connection died is sent again on the next one', async () => {
    const topic = 'pump-resend';
    const proxy = await new FaultProxy(broker.port).start();
    cleanup.push(() => proxy.dispose());
    const t = await setup(5, 1, topic, proxy.url);
    for (let i = 0; i < 5000; i++) t.queue.push(`${topic}/x`, String(i));
    t.pump.kick();
    // Cut the link as soon as the first acknowledgements come back: some are still in flight.
    await waitFor('a first PUBACK with more still in flight', () => t.pump.published > 0 && t.pump.inFlight > 0);
    proxy.cutAll();
    const before = t.pump.published;
    expect(before).toBeLessThan(5000);
    await waitFor('the close', () => t.closes() > 0);
    await waitFor('connected again', () => t.connection.connected);
    expect(await t.pump.drained(20_000)).toBe(true);
    // A PUBACK can overtake the delivery to the subscriber: wait for it.
    const distinct = () => new Set(t.recorder.on(`${topic}/x`).map((m) => Number(m.payload))).size;
    await waitFor('all 5,000 readings at the subscriber', () => distinct() === 5000, 20_000);
    expect(t.queue.size).toBe(0);
  }, 60_000);

  it('MQTT 5: a reading the broker refuses (0x87 not authorized) leaves the queue once and does not hold up the others', async () => {
    const t = await setup(5, 1, 'pump-refused');
    for (let i = 0; i < 300; i++) t.queue.push(i % 100 === 50 ? `denied/r${i}` : `pump-refused/r${i}`, String(i));
    t.pump.kick();
    expect(await t.pump.drained(20_000)).toBe(true);
    expect(t.refused.map((r) => [r.message.topic, r.reason])).toEqual([
      ['denied/r50', 0x87],
      ['denied/r150', 0x87],
      ['denied/r250', 0x87],
    ]);
    expect(t.pump.refused).toBe(3);
    expect(t.pump.published).toBe(297);
    // Mosquitto 2.0 closes the connection after its refusal: readings whose PUBACK was lost
    // with it arrive twice (at least once, as QoS 1 promises), and the Last Will goes out.
    const readings = (m: { topic: string }) => m.topic.startsWith('pump-refused/r');
    const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 100 !== 50);
    await waitFor('all 297 readings at the subscriber', () => new Set(t.recorder.messages.filter(readings).map((m) => m.payload)).size === 297, 10_000);
    const got = t.recorder.messages.filter(readings).map((m) => Number(m.payload));
    expect([...new Set(got)].sort((a, b) => a - b)).toEqual(expected);
    expect(t.recorder.messages.filter((m) => m.topic.startsWith('denied/'))).toEqual([]);
    // Not queued, not resent after a reconnect either.
    expect(t.queue.size).toBe(0);
    t.queue.rewind();
    expect(t.queue.take(10)).toEqual([]);
  }, 30_000);

  it('a reading on which the broker hangs up each time (no PUBACK at all) is parked after three tries alone, the rest go on', async () => {
    const proxy = await new FaultProxy(broker.port).start();
    cleanup.push(() => proxy.dispose());
    proxy.cutOnTopic = 'pump-poison/bad';
    const t = await setup(5, 1, 'pump-poison', proxy.url);
    for (let i = 0; i < 200; i++) t.queue.push(i === 120 ? 'pump-poison/bad' : `pump-poison/r${i}`, String(i));
    t.pump.kick();
    expect(await t.pump.drained(20_000)).toBe(true);
    expect(t.refused.map((r) => [r.message.topic, r.reason])).toEqual([['pump-poison/bad', CLOSED_ON_IT]]);
    expect(t.pump.published).toBe(199);
    // Sent in a batch once, then alone three times (the last of which parked it).
    const sends = proxy.published.filter((p) => p.topic === 'pump-poison/bad');
    expect(sends.length).toBe(1 + 3);
    await waitFor(
      'all 199 others at the subscriber',
      () => new Set(t.recorder.messages.filter((m) => m.topic.startsWith('pump-poison/r')).map((m) => m.payload)).size === 199,
      10_000,
    );
    expect(t.queue.size).toBe(0);
  }, 30_000);
});
