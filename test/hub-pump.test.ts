// The reading pump through a real Mosquitto: its own PUBLISH packets and MQTT.js's share one
// connection, every reading arrives once and in order, and the broker's Receive Maximum holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientIdRange } from '../hub/mqtt/packet-ids.ts';
import { ReadingPump } from '../hub/mqtt/reading-pump.ts';
import { DurableQueue } from '../hub/queue/durable-queue.ts';
import { Mosquitto } from './helpers/mosquitto.ts';
import { subscribe, type Recorder } from './helpers/mqtt.ts';
import { requireTools } from './helpers/tools.ts';
import { waitFor } from './helpers/wait.ts';

const ok = requireTools('mosquitto');

describe.skipIf(!ok)('reading pump (Mosquitto)', () => {
  // Receive Maximum 50 for MQTT 5 clients: the pump must not exceed it.
  const broker = new Mosquitto({ persistence: false, extraConfig: 'max_inflight_messages 50' });
  const cleanup: (() => unknown)[] = [];
  beforeAll(() => broker.start());
  afterAll(() => broker.stop());
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function setup(protocolVersion: 4 | 5, qos: 0 | 1, topic: string) {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-pump-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const queue = new DurableQueue({ file: join(dir, 'queue.sqlite'), maxMessages: 1_000_000, flushIntervalMs: 50 });
    queue.open();
    cleanup.push(() => queue.close());
    const errors: Error[] = [];
    const pump = new ReadingPump(queue, { qos, retain: false, maxInflight: 1000, onError: (e) => errors.push(e) });
    const recorder: Recorder = await subscribe(broker.url, `${topic}/#`, { qos: 1, protocolVersion });
    cleanup.push(() => recorder.end());
    const client: MqttClient = mqtt.connect(broker.url, { protocolVersion, reconnectPeriod: 0, messageIdProvider: new ClientIdRange() });
    cleanup.push(() => client.endAsync());
    let receiveMaximum: number | undefined;
    let closes = 0;
    client.on('error', (e) => errors.push(e));
    client.on('close', () => closes++);
    await new Promise<void>((resolve) =>
      client.once('connect', (connack) => {
        receiveMaximum = connack.properties?.receiveMaximum;
        pump.connected(client, receiveMaximum);
        resolve();
      }),
    );
    return { queue, pump, recorder, client, errors, closes: () => closes, receiveMaximum: () => receiveMaximum };
  }

  for (const protocolVersion of [4, 5] as const) {
    for (const qos of [0, 1] as const) {
      it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS ${qos}: 20,000 readings arrive once and in order while MQTT.js publishes state on the same connection`, async () => {
        const topic = `pump-${protocolVersion}-${qos}`;
        const t = await setup(protocolVersion, qos, topic);
        let peakInflight = 0;
        t.client.on('packetreceive', () => (peakInflight = Math.max(peakInflight, t.pump.inFlight)));
        const count = 20_000;
        const stateAcks: Promise<unknown>[] = [];
        for (let i = 0; i < count; i++) {
          t.queue.push(`${topic}/r${i % 3}`, String(i));
          t.pump.kick();
          // MQTT.js's own QoS 1 publishes, acknowledged to MQTT.js and not to the pump.
          if (i % 400 === 0) stateAcks.push(t.client.publishAsync(`${topic}/state`, `s${i}`, { qos: 1 }));
        }
        await Promise.all(stateAcks);
        const readings = await t.recorder.waitForCount(count, (m) => !m.topic.endsWith('/state'), 30_000);
        expect(readings.map((m) => Number(m.payload))).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(readings.map((m) => m.topic).slice(0, 4)).toEqual([`${topic}/r0`, `${topic}/r1`, `${topic}/r2`, `${topic}/r0`]);
        expect(t.recorder.on(`${topic}/state`)).toHaveLength(stateAcks.length);
        expect(await t.pump.drained(10_000)).toBe(true);
        expect(t.pump.published).toBe(count);
        expect(t.queue.size).toBe(0);
        expect(t.errors).toEqual([]);
        expect(t.closes()).toBe(0);
        if (qos === 1) {
          // MQTT 5: Mosquitto announces max_inflight_messages as its Receive Maximum.
          if (protocolVersion === 5) expect(t.receiveMaximum()).toBe(50);
          expect(peakInflight).toBeGreaterThan(1);
          expect(peakInflight).toBeLessThanOrEqual(protocolVersion === 5 ? 50 : 1000);
        }
      }, 60_000);
    }
  }

  it('QoS 1: what was in flight when the connection died is sent again on the next one', async () => {
    const topic = 'pump-resend';
    const t = await setup(4, 1, topic);
    for (let i = 0; i < 5000; i++) t.queue.push(`${topic}/x`, String(i));
    t.pump.kick();
    // Cut the socket as soon as the first acknowledgements come back: some are still in flight.
    await waitFor('a first PUBACK with more still in flight', () => t.pump.published > 0 && t.pump.inFlight > 0);
    t.client.stream.destroy();
    const before = t.pump.published;
    expect(before).toBeLessThan(5000);
    await waitFor('the close', () => t.closes() > 0);
    t.pump.disconnected();
    const second = mqtt.connect(broker.url, { reconnectPeriod: 0, messageIdProvider: new ClientIdRange() });
    cleanup.push(() => second.endAsync());
    await new Promise<void>((resolve) => second.once('connect', () => resolve()));
    t.pump.connected(second);
    expect(await t.pump.drained(20_000)).toBe(true);
    // A PUBACK can overtake the delivery to the subscriber: wait for it.
    const distinct = () => new Set(t.recorder.on(`${topic}/x`).map((m) => Number(m.payload))).size;
    await waitFor('all 5,000 readings at the subscriber', () => distinct() === 5000, 20_000);
    expect(t.queue.size).toBe(0);
  }, 60_000);
});
