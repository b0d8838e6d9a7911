// Fuzz through real parts: 100,000+ random and adversarial lines (garbage, truncated JSON,
// 2 KB lines, control and invalid UTF-8 bytes, topic injection in node and room, NUL,
// unknown measurements, 1e999, out-of-range values) mixed with valid readings, written into
// a pty. The hub must not crash, must publish nothing outside its topic trees, and must
// publish every valid value: the generator knows which lines are valid and counts them.
import { open as openFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { createHub } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { MEASUREMENTS } from '../shared/measurements.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'socat');

const LINES = 100_000;
const NODES = 16;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
  };
}

const NUMERIC = Object.entries(MEASUREMENTS).filter(([, m]) => m.kind === 'numeric') as [string, { min: number; max: number }][];

interface Generated {
  chunks: Buffer[];
  /** Expected message count per reading topic. */
  expected: Map<string, number>;
  valuesExpected: number;
  tooLong: number;
}

function generate(seed: number): Generated {
  const r = random(seed);
  const chunks: Buffer[] = [];
  const expected = new Map<string, number>();
  let valuesExpected = 0;
  let tooLong = 0;
  const expect1 = (room: string, measurement: string) => {
    const topic = `home/${room}/${measurement}`;
    expected.set(topic, (expected.get(topic) ?? 0) + 1);
    valuesExpected++;
  };
  const text = (s: string) => chunks.push(Buffer.from(`${s}\n`));
  const validValue = () => {
    const [id, m] = r.pick(NUMERIC);
    const value = Math.round((m.min + r.next() * (m.max - m.min)) * 100) / 100;
    return [id, value] as const;
  };
  /** A valid JSON reading, registered as expected. */
  const validJson = () => {
    const k = r.int(NODES);
    const [id, value] = validValue();
    expect1(`room-${k}`, id);
    return `{"node":"fz-${k}","room":"room-${k}","${id}":${value},"seq":${r.int(1e6)}}`;
  };
  const garbageBytes = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let c = r.int(256);
      if (c === 0x0a) c = 0x0b;
      b[i] = c;
    }
    return b;
  };
  const json = (o: object) => JSON.stringify(o);

  const adversarial: (() => void)[] = [
    () => chunks.push(Buffer.concat([garbageBytes(1 + r.int(200)), Buffer.from('\n')])),
    () => text(`garbage ${r.next().toString(36)} no equals sign`),
    () => {
      const line = validJsonUnregistered();
      text(line.slice(0, 1 + r.int(line.length - 2)));
    },
    () => {
      tooLong++;
      text(`{"node":"fz-1","room":"room-1","temperature":20,"pad":"${'x'.repeat(2048)}"}`);
    },
    () => {
      const line = validJsonUnregistered();
      const at = 1 + r.int(line.length - 2);
      chunks.push(Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from([r.pick([0x00, 0x01, 0x07, 0x1b, 0x7f])]), Buffer.from(`${line.slice(at)}\n`)]));
    },
    () => {
      const line = validJsonUnregistered();
      const at = 1 + r.int(line.length - 2);
      const bad = r.pick([[0xff], [0xc0, 0x80], [0xe2, 0x82], [0x80], [0xed, 0xa0, 0x80]]);
      chunks.push(Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from(bad), Buffer.from(`${line.slice(at)}\n`)]));
    },
    () => text(json({ node: 'fz-1', room: r.pick(['a/b', 'a+b', '#', '+', '', 'Kitchen', 'x'.repeat(40), 'a\u0000b', '../x', 'a b']), temperature: 20 })),
    () => text(json({ node: r.pick(['#', '+', 'a/b', 'bridge', '', 'A', 'n\u0000', '$SYS', 'x'.repeat(33)]), room: 'room-1', temperature: 20 })),
    () => text(json({ node: 'fz-2', room: 'room-2', [r.pick(['temp', 'co2', 'Temperature', 'a/b', '#', '__proto__'])]: 20 })),
    () => text(`{"node":"fz-3","room":"room-3","temperature":${r.pick(['1e999', '-1e999', 'NaN', 'Infinity', '"hot"', 'null', 'true', '[]', '{}'])}}`),
    () => {
      const [id, m] = r.pick(NUMERIC);
      text(json({ node: 'fz-4', room: 'room-4', [id]: r.pick([m.max + 1 + r.int(1000), m.min - 1 - r.int(1000)]) }));
    },
    () => text(`node=fz-5 room=${r.pick(['a/b', '#', 'UP'])} temperature=20`),
    () => text(`node=${r.pick(['#', '+', 'a/b'])} room=room-5 temperature=20`),
    () => text(`node=fz-5 room=room-5 temperature=${r.pick(['1e3', '0x10', 'NaN', 'hot', ''])}`),
    () =>
      text(
        r.pick(['[1,2,3]', '[]', '{}', '{"node":1}', '{"node":"fz-6","room":"room-6"}', '{"node":"fz-6","seq":-1,"temperature":20}', '{"node":"#","info":{}}']),
      ),
    () => text(json({ node: 'fz-7', room: 'room-7', motion: r.pick(['maybe', 2, 'on ', null]) })),
  ];
  function validJsonUnregistered(): string {
    const k = r.int(NODES);
    const [id, value] = validValue();
    return `{"node":"fz-${k}","room":"room-${k}","${id}":${value}}`;
  }

  const valid: (() => void)[] = [
    () => text(validJson()),
    // Espruino's prompt-erase prefix in front of a program's line.
    () => text(`>\r\x1b[J${validJson()}`),
    () => {
      const k = r.int(NODES);
      const [id, value] = validValue();
      expect1(`room-${k}`, id);
      text(`node=fz-${k} room=room-${k} ${id}=${value}`);
    },
    () => {
      // One good value next to bad ones: the good one is still published.
      const k = r.int(NODES);
      const [id, value] = validValue();
      expect1(`room-${k}`, id);
      const [badId, badValue] = id === 'battery' ? ['voltage', -1] : ['battery', 101];
      text(`{"node":"fz-${k}","room":"room-${k}","${id}":${value},"bogus_${r.int(9)}":1,"${badId}":${badValue}}`);
    },
    () => {
      const k = r.int(NODES);
      const state = r.next() < 0.5;
      expect1(`room-${k}`, 'motion');
      text(`{"node":"fz-${k}","room":"room-${k}","motion":${state}}`);
    },
  ];

  for (let i = 0; i < LINES; i++) {
    if (r.next() < 0.3) r.pick(valid)();
    else r.pick(adversarial)();
  }
  return { chunks, expected, valuesExpected, tooLong };
}

/** Every topic the hub may publish to with the default layout and nodes fz-<n>. */
const ALLOWED = [
  /^home\/room-\d+\/[a-z0-9_]+$/,
  /^roomlink\/fz-\d+\/(status|info)$/,
  /^roomlink\/bridge\/(status|health)$/,
  /^homeassistant\/device\/fz-\d+\/config$/,
  // The hub itself, as a device.
  /^homeassistant\/device\/roomlink_hub_roomlink_bridge\/config$/,
];

describe.skipIf(!ok)('hub fuzz (Mosquitto + pty)', () => {
  it(`survives ${LINES.toLocaleString('en')} random and adversarial lines and publishes every valid value, nothing else`, async () => {
    // No restarts here: persistence would only make Mosquitto rewrite 100,000 retained messages per change.
    const broker = await new Mosquitto({ persistence: false }).start();
    const pty = await openPtyPair();
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-hub-'));
    const settings = hubSettingsSchema.parse({
      mqtt: { url: broker.url, client_id: 'hub-fuzz' },
      serial: { ports: [{ path: pty.devicePath }] },
      data_dir: dataDir,
      queue: { flush_interval_ms: 50 },
      http: { listen: '127.0.0.1:0' },
    });
    let logBytes = 0;
    const hub = createHub(settings, { log: createLogger({ level: 'info', stream: { write: (l: string) => (logBytes += l.length) } }) });
    const sub = await subscribe(broker.url, '#');
    const node = await openFile(pty.nodePath, 'r+');
    try {
      await hub.start();
      await waitFor('hub ready', () => hub.stats().broker.connected && (hub.stats().ports[pty.devicePath] as { state: string } | undefined)?.state === 'open');

      const { chunks, expected, valuesExpected, tooLong } = generate(20261126);
      // Written from the threadpool, so this event loop keeps reading the other end.
      const data = Buffer.concat(chunks);
      for (let at = 0; at < data.length; at += 65536) await node.write(data.subarray(at, at + 65536));

      await waitFor('every line read', () => hub.stats().lines_read === LINES, 60_000);
      const readingMessages = () => sub.messages.filter((m) => m.topic.startsWith('home/')).length;
      await waitFor(`${valuesExpected} readings at the subscriber`, () => readingMessages() >= valuesExpected, 60_000);
      const stats = hub.stats();

      expect(stats.values_accepted).toBe(valuesExpected);
      const got = new Map<string, number>();
      for (const m of sub.messages) if (m.topic.startsWith('home/')) got.set(m.topic, (got.get(m.topic) ?? 0) + 1);
      expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));

      const outside = [...new Set(sub.messages.map((m) => m.topic))].filter((t) => !ALLOWED.some((re) => re.test(t)));
      expect(outside).toEqual([]);
      expect(stats.refused.too_long).toBe(tooLong);
      for (const reason of [
        'binary',
        'malformed_json',
        'invalid_room',
        'invalid_node',
        'no_node',
        'unknown_measurement',
        'invalid_value',
        'out_of_range',
        'not_object',
        'invalid_seq',
      ]) {
        expect(stats.refused[reason], reason).toBeGreaterThan(0);
      }
      expect(stats.topic_conflicts).toEqual([]);
      expect(stats.ports[pty.devicePath]).toMatchObject({ state: 'open', opens: 1 });
      // Rate-limited: tens of thousands of refusals, a bounded log.
      expect(logBytes).toBeLessThan(200_000);
    } finally {
      await node.close();
      await hub.stop();
      await sub.end();
      await pty.dispose();
      await broker.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
