// The hub's own MQTT codec against mqtt-packet (the codec of MQTT.js and aedes): what the hub
// writes parses back to the same packets, byte for byte what MQTT.js would send, and what
// the broker sends is read right however the socket cuts it into chunks.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  encodeConnect,
  encodePublish,
  encodePublishes,
  encodePuback,
  encodeSubscribe,
  PacketReader,
  type ConnackProperties,
  type PublishFormat,
} from '../hub/mqtt/codec.ts';
import { FIRST_READING_ID } from '../hub/mqtt/packet-ids.ts';

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

describe('encodeConnect, encodePublish, encodePuback, encodeSubscribe', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: CONNECT with and without credentials, as mqtt-packet encodes it`, () => {
      const will = { topic: 'roomlink/bridge/status', payload: 'offline', qos: 1, retain: true } as const;
      for (const creds of [{}, { username: 'hub' }, { username: 'hub', password: 's3cr€t' }, { username: 'x'.repeat(300), password: Buffer.from([0, 255]) }]) {
        const ours = encodeConnect({ protocolVersion, clientId: 'roomlink-hub-a1', keepalive: 30, will, ...creds });
        const { username, password } = creds as { username?: string; password?: string | Buffer };
        const reference = mqttPacket.generate(
          {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion,
            clean: true,
            clientId: 'roomlink-hub-a1',
            keepalive: 30,
            ...(username !== undefined ? { username } : {}),
            ...(password !== undefined ? { password: typeof password === 'string' ? Buffer.from(password) : password } : {}),
            will: { ...will, payload: Buffer.from(will.payload) },
          },
          { protocolVersion },
        );
        expect(ours.equals(reference), JSON.stringify(creds)).toBe(true);
      }
    });

    it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: the same bytes as mqtt-packet`, () => {
      for (const [qos, payload] of [
        [0, 'online'],
        [1, Buffer.from([0, 1, 2, 0xff])],
        [1, 'x'.repeat(20_000)],
      ] as const) {
        const ours = encodePublish('roomlink/bridge/status', payload, { qos, retain: true, protocolVersion }, qos ? 17 : 0);
        const reference = mqttPacket.generate(
          { cmd: 'publish', topic: 'roomlink/bridge/status', payload, qos, retain: true, dup: false, ...(qos ? { messageId: 17 } : {}) },
          { protocolVersion },
        );
        expect(ours.equals(reference)).toBe(true);
      }
      expect(parseAll(encodePuback(4242), protocolVersion)).toMatchObject([{ cmd: 'puback', messageId: 4242 }]);
      const sub = parseAll(
        encodeSubscribe(
          7,
          [
            { topic: 'home/#', qos: 0, noLocal: true },
            { topic: 'roomlink/+/set', qos: 1 },
          ],
          protocolVersion,
        ),
        protocolVersion,
      )[0] as unknown as {
        messageId: number;
        subscriptions: { topic: string; qos: number; nl?: boolean }[];
      };
      expect(sub.messageId).toBe(7);
      expect(sub.subscriptions.map((s) => [s.topic, s.qos, s.nl ?? false])).toEqual([
        ['home/#', 0, protocolVersion === 5],
        ['roomlink/+/set', 1, false],
      ]);
    });
  }
});

describe('PacketReader', () => {
  type Event = (string | number | boolean | object)[];
  function reader(protocolVersion: 4 | 5) {
    const events: Event[] = [];
    const r = new PacketReader(
      {
        message: (topic, payload, qos, retain, id) => events.push(['message', topic, payload.toString(), qos, retain, id]),
        puback: (id, reason) => events.push(['puback', id, reason]),
        connack: (code, properties: ConnackProperties) => events.push(['connack', code, properties]),
        suback: (id, granted) => events.push(['suback', id, granted]),
        disconnect: (reason) => events.push(['disconnect', reason]),
        pingresp: () => events.push(['pingresp']),
      },
      protocolVersion,
    );
    return { r, events };
  }

  const v5 = Buffer.concat([
    mqttPacket.generate(
      {
        cmd: 'connack',
        sessionPresent: false,
        reasonCode: 0,
        properties: {
          receiveMaximum: 50,
          maximumQoS: 1,
          retainAvailable: true,
          maximumPacketSize: 268_435_455,
          serverKeepAlive: 20,
          assignedClientIdentifier: 'x',
          topicAliasMaximum: 10,
          reasonString: 'welcome',
          userProperties: { a: 'b', c: ['d', 'e'] },
          wildcardSubscriptionAvailable: true,
          sessionExpiryInterval: 0,
        },
      },
      { protocolVersion: 5 },
    ),
    mqttPacket.generate({ cmd: 'suback', messageId: 3, granted: [0, 1, 0x87], properties: {} }, { protocolVersion: 5 }),
    mqttPacket.generate({ cmd: 'publish', topic: 'home/kitchen/temperature', payload: '21.5', qos: 0, retain: false, dup: false }, { protocolVersion: 5 }),
    mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 'roomlink/n1/set',
        payload: '{"cmd":"info"}',
        qos: 1,
        retain: true,
        dup: false,
        messageId: 9,
        properties: { contentType: 'application/json', userProperties: { a: 'b' } },
      },
      { protocolVersion: 5 },
    ),
    mqttPacket.generate({ cmd: 'puback', messageId: FIRST_READING_ID + 1, reasonCode: 0x87, properties: { reasonString: 'ACL' } }, { protocolVersion: 5 }),
    mqttPacket.generate({ cmd: 'puback', messageId: FIRST_READING_ID + 2, reasonCode: 0 }, { protocolVersion: 5 }),
    mqttPacket.generate({ cmd: 'pingresp' }, { protocolVersion: 5 }),
    mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0x8e }, { protocolVersion: 5 }),
  ]);
  const expected: Event[] = [
    ['connack', 0, { receiveMaximum: 50, maximumQoS: 1, retainAvailable: true, maximumPacketSize: 268_435_455, serverKeepAlive: 20, reasonString: 'welcome' }],
    ['suback', 3, [0, 1, 0x87]],
    ['message', 'home/kitchen/temperature', '21.5', 0, false, 0],
    ['message', 'roomlink/n1/set', '{"cmd":"info"}', 1, true, 9],
    ['puback', FIRST_READING_ID + 1, 0x87],
    ['puback', FIRST_READING_ID + 2, 0],
    ['pingresp'],
    ['disconnect', 0x8e],
  ];

  it('MQTT 5: every packet the hub may get, in one chunk', () => {
    const { r, events } = reader(5);
    r.feed(v5);
    expect(events).toEqual(expected);
  });

  it('MQTT 5: the same bytes cut at every possible place, and one byte at a time', () => {
    for (let cut = 1; cut < v5.length; cut++) {
      const { r, events } = reader(5);
      r.feed(v5.subarray(0, cut));
      r.feed(v5.subarray(cut));
      expect(events, `cut at ${cut}`).toEqual(expected);
    }
    const { r, events } = reader(5);
    for (let i = 0; i < v5.length; i++) r.feed(v5.subarray(i, i + 1));
    expect(events).toEqual(expected);
  });

  it('MQTT 3.1.1: CONNACK codes, PUBLISH with a 2-byte Remaining Length, PUBACK', () => {
    const { r, events } = reader(4);
    r.feed(
      Buffer.concat([
        mqttPacket.generate({ cmd: 'connack', sessionPresent: false, returnCode: 5 }),
        mqttPacket.generate({
          cmd: 'publish',
          topic: 'homeassistant/device/x/config',
          payload: 'p'.repeat(300),
          qos: 1,
          retain: true,
          dup: false,
          messageId: 1,
        }),
        mqttPacket.generate({ cmd: 'puback', messageId: 7 }),
      ]),
    );
    expect(events).toEqual([
      ['connack', 5, {}],
      ['message', 'homeassistant/device/x/config', 'p'.repeat(300), 1, true, 1],
      ['puback', 7, 0],
    ]);
  });

  it("a 3.1.1 broker's refusal of an MQTT 5 CONNECT (two-byte CONNACK) is read as its code", () => {
    const { r, events } = reader(5);
    r.feed(Buffer.from([0x20, 0x02, 0x00, 0x01]));
    expect(events).toEqual([['connack', 1, {}]]);
  });

  it('a malformed packet throws (the connection closes it)', () => {
    const { r } = reader(4);
    expect(() => r.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/Remaining Length/);
  });
});
