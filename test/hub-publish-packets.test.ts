// The pump's own PUBLISH encoding, read back by MQTT.js's parser (mqtt-packet), and the
// packet id split between MQTT.js and the pump.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ClientIdRange, FIRST_READING_ID, LAST_CLIENT_ID } from '../hub/mqtt/packet-ids.ts';
import { encodePublishes, type PublishFormat } from '../hub/mqtt/publish-packets.ts';

interface Parsed {
  cmd: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  messageId?: number;
  properties?: object;
}

function parseAll(buffer: Buffer, protocolVersion: number): Parsed[] {
  const parser = mqttPacket.parser({ protocolVersion });
  const out: Parsed[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => out.push(p as unknown as Parsed));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(buffer);
  expect(errors).toEqual([]);
  return out;
}

const items = [
  { topic: 'home/kitchen/temperature', payload: '21.5' },
  { topic: 'home/küche/température', payload: '{"v":"°C ✓"}' },
  { topic: 't', payload: '' },
  // Remaining Length at each varint width boundary: 1, 2 and 3 bytes.
  { topic: 'a/b', payload: 'x'.repeat(127 - 2 - 3 - 2) },
  { topic: 'a/b', payload: 'x'.repeat(128) },
  { topic: 'a/b', payload: 'y'.repeat(16_384) },
  { topic: 'a/b', payload: 'z'.repeat(70_000) },
];

describe('encodePublishes', () => {
  for (const protocolVersion of [4, 5]) {
    for (const qos of [0, 1] as const) {
      for (const retain of [false, true]) {
        it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS ${qos}, retain ${retain}: parses back to the same packets`, () => {
          const format: PublishFormat = { qos, retain, protocolVersion };
          const ids = items.map((_, i) => FIRST_READING_ID + i * 1000);
          const buffer = encodePublishes(items, format, qos ? ids : undefined);
          const parsed = parseAll(buffer, protocolVersion);
          expect(parsed.map((p) => ({ cmd: p.cmd, topic: p.topic, payload: p.payload.toString(), qos: p.qos, retain: p.retain }))).toEqual(
            items.map((i) => ({ cmd: 'publish', topic: i.topic, payload: i.payload, qos, retain })),
          );
          if (qos === 1) expect(parsed.map((p) => p.messageId)).toEqual(ids);
          // Byte for byte what MQTT.js itself would send.
          const reference = Buffer.concat(
            items.map((i, k) =>
              mqttPacket.generate(
                { cmd: 'publish', topic: i.topic, payload: i.payload, qos, retain, dup: false, ...(qos ? { messageId: ids[k] } : {}) },
                { protocolVersion },
              ),
            ),
          );
          expect(buffer.equals(reference)).toBe(true);
        });
      }
    }
  }

  it('gives each packet its own id, in order', () => {
    const buffer = encodePublishes(items.slice(1, 3), { qos: 1, retain: false, protocolVersion: 4 }, [5000, 5001]);
    expect(parseAll(buffer, 4).map((p) => [p.topic, p.messageId])).toEqual([
      [items[1]!.topic, 5000],
      [items[2]!.topic, 5001],
    ]);
  });
});

describe('packet ids', () => {
  it("MQTT.js's ids stay below the readings' range and are never handed out twice while in use", () => {
    const ids = new ClientIdRange();
    const first = ids.allocate()!;
    expect(first).toBeGreaterThanOrEqual(1);
    const inUse = new Set([first]);
    for (let i = 1; i < LAST_CLIENT_ID; i++) {
      const id = ids.allocate()!;
      expect(id).toBeLessThan(FIRST_READING_ID);
      expect(inUse.has(id)).toBe(false);
      inUse.add(id);
    }
    expect(ids.allocate()).toBeNull();
    ids.deallocate(42);
    expect(ids.allocate()).toBe(42);
    expect(ids.getLastAllocated()).toBe(42);
    expect(ids.register(42)).toBe(false);
    ids.clear();
    expect(ids.register(42)).toBe(true);
    expect(ids.register(FIRST_READING_ID)).toBe(false);
  });
});
