// The firmware's MQTT client (firmware/mqtt.ts) under Node, on a fake socket: what a broker
// sends byte by byte, malformed or not, and what the client does about it (MQTT 3.1.1 §4.8:
// close on a malformed packet or a protocol violation; reconnect; acknowledge as the spec
// says). The same source is what the firmware build bundles; the fault-proxy tests run the
// built firmware against a real broker.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import net from 'node:net';

declare global {
  // The Espruino globals firmware/mqtt.ts uses.
  // eslint-disable-next-line no-var
  var E: { kickWatchdog(): void };
  function getTime(): number;
  function print(...text: unknown[]): void;
}

class FakeSocket extends EventEmitter {
  written = '';
  ended = false;
  write(data: string): boolean {
    if (this.ended) throw new Error('This socket is closed');
    this.written += data;
    return false;
  }
  end(): void {
    this.ended = true;
  }
  /** What the client has written since the last call. */
  take(): string {
    const out = this.written;
    this.written = '';
    return out;
  }
}

const sockets: FakeSocket[] = [];
let printed: string[] = [];
let refuseConnects = false;

type Mqtt = typeof import('../firmware/mqtt.ts');

interface Events {
  up: number;
  down: number;
  msgs: Array<[string, string, boolean]>;
  acks: number[];
}

async function client(subs = ['roomlink/n1/set', 'homeassistant/status'], known: (id: number) => boolean = () => true): Promise<{ mqtt: Mqtt; ev: Events }> {
  vi.resetModules();
  const mqtt = (await import('../firmware/mqtt.ts')) as Mqtt;
  const ev: Events = { up: 0, down: 0, msgs: [], acks: [] };
  mqtt.mqttStart({
    host: 'broker',
    port: 1883,
    id: 'n1',
    keepalive: 10,
    will: 'roomlink/n1/status',
    subs,
    up: () => ev.up++,
    down: () => ev.down++,
    msg: (t, p, r) => ev.msgs.push([t, p, r]),
    ack: (id) => {
      ev.acks.push(id);
      return known(id);
    },
  });
  return { mqtt, ev };
}

const bin = (...bytes: number[]) => String.fromCharCode(...bytes);
const CONNACK = bin(0x20, 2, 0, 0);
const last = () => sockets[sockets.length - 1]!;

/** Connects and accepts: CONNECT written, CONNACK in, SUBSCRIBE out, SUBACK in. */
async function connected(subs?: string[], known?: (id: number) => boolean) {
  const c = await client(subs, known);
  await vi.advanceTimersByTimeAsync(1);
  const s = last();
  expect(s.take().charCodeAt(0)).toBe(0x10);
  s.emit('data', CONNACK);
  const sub = s.take();
  expect(sub.charCodeAt(0)).toBe(0x82);
  const n = (subs ?? ['a', 'b']).length;
  s.emit('data', bin(0x90, 2 + n, sub.charCodeAt(2), sub.charCodeAt(3), ...new Array(n).fill(1)));
  expect(s.ended).toBe(false);
  return { ...c, s, sub };
}

beforeEach(() => {
  vi.useFakeTimers();
  sockets.length = 0;
  printed = [];
  refuseConnects = false;
  globalThis.E = { kickWatchdog: () => undefined };
  globalThis.getTime = () => Date.now() / 1000;
  globalThis.print = (...t: unknown[]) => void printed.push(t.join(' '));
  // The module's require('net') is Node's own (vitest gives modules a require): its
  // connect() is replaced by one that hands out fake sockets.
  vi.spyOn(net, 'connect').mockImplementation(((_o: unknown, cb: () => void) => {
    if (refuseConnects) throw new Error('Unable to create socket');
    const s = new FakeSocket();
    sockets.push(s);
    setTimeout(cb, 0);
    return s;
  }) as unknown as typeof net.connect);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('firmware MQTT client: what the broker sends', () => {
  test('subscribes to every filter at QoS 1 in one SUBSCRIBE after the CONNACK', async () => {
    const { ev, sub } = await connected(['roomlink/n1/set', 'homeassistant/status']);
    expect(ev.up).toBe(1);
    const body = sub.slice(4);
    expect(body).toBe(`${bin(0, 15)}roomlink/n1/set${bin(1)}${bin(0, 20)}homeassistant/status${bin(1)}`);
  });

  // Each of these must close the connection and reconnect within one backoff step.
  const malformed: Array<[string, string]> = [
    ['a length field of 5 bytes', bin(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f)],
    ['a PINGRESP claiming 268,435,455 bytes (d0 ff ff ff 7f)', bin(0xd0, 0xff, 0xff, 0xff, 0x7f)],
    ['64 bytes of junk', bin(...Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255))],
    ['a zero first byte', bin(0, 0)],
    ['QoS 3 PUBLISH', bin(0x36, 5, 0, 1, 0x61, 0, 1)],
    ['QoS 2 PUBLISH (never granted)', bin(0x34, 5, 0, 1, 0x61, 0, 1)],
    ['DUP on a QoS 0 PUBLISH', bin(0x38, 3, 0, 1, 0x61)],
    ['a PUBLISH shorter than its topic', bin(0x30, 3, 0, 9, 0x61)],
    ['a second CONNACK', CONNACK],
    ['a PUBACK of length 3', bin(0x40, 3, 0, 1, 0)],
    ['a PUBACK with reserved flags', bin(0x42, 2, 0, 1)],
    ['a PINGRESP with a body', bin(0xd0, 1, 0)],
    ['a SUBACK with a bad return code', bin(0x90, 4, 0, 1, 1, 3)],
    ['a PUBREL (no QoS 2 here)', bin(0x62, 2, 0, 1)],
    ['a CONNECT', bin(0x10, 0)],
    ['an UNSUBACK (nothing unsubscribed)', bin(0xb0, 2, 0, 1)],
    ['a DISCONNECT from the server', bin(0xe0, 0)],
  ];
  test.each(malformed)('%s: the connection is closed and reopened, unacknowledged QoS 1 are the caller’s to resend', async (_name, bytes) => {
    const { ev, s, mqtt } = await connected(['a', 'b']);
    mqtt.mqttPublish('home/x/t', '21.5', 1, true, 7);
    s.take();
    s.emit('data', bytes);
    expect(s.ended).toBe(true);
    expect(ev.down).toBe(1);
    expect(mqtt.mqttUp).toBe(false);
    expect(printed.join('\n')).toMatch(/from the broker, reconnecting/);
    // A later PUBACK on the dead socket changes nothing.
    s.emit('data', bin(0x40, 2, 0, 7));
    expect(ev.acks).toEqual([]);
    // Backoff 1 s: the first reconnect comes one second later.
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets.length).toBe(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(sockets.length).toBe(2);
  });

  test('a CONNACK shorter than 2 bytes is not taken as accepted', async () => {
    const { ev } = await client();
    await vi.advanceTimersByTimeAsync(1);
    last().emit('data', bin(0x20, 1, 0));
    expect(ev.up).toBe(0);
    expect(last().ended).toBe(true);
  });

  test('a refused CONNACK says why and reconnects', async () => {
    const { ev } = await client();
    await vi.advanceTimersByTimeAsync(1);
    last().emit('data', bin(0x20, 2, 0, 5));
    expect(ev.up).toBe(0);
    expect(printed.join('\n')).toContain('not authorised');
    expect(last().ended).toBe(true);
  });

  test('a packet split across reads, and several packets in one read, are both taken', async () => {
    const { ev, s } = await connected(['a', 'b']);
    const pub = `${bin(0x32, 7, 0, 1, 0x61, 0, 9)}{}${bin(0x32, 7, 0, 1, 0x62, 0, 10)}on`;
    for (const ch of pub) s.emit('data', ch);
    expect(ev.msgs).toEqual([
      ['a', '{}', false],
      ['b', 'on', false],
    ]);
    // Each QoS 1 PUBLISH gets its PUBACK with the same packet id.
    expect(s.take()).toBe(bin(0x40, 2, 0, 9) + bin(0x40, 2, 0, 10));
    s.emit('data', `${bin(0x31, 5, 0, 1, 0x62)}on${bin(0x40, 2, 0, 3)}`);
    expect(ev.msgs[2]).toEqual(['b', 'on', true]);
    expect(ev.acks).toEqual([3]);
    expect(s.ended).toBe(false);
  });

  test('a refused subscription (SUBACK 0x80) is reported and the connection kept', async () => {
    const c = await client(['roomlink/n1/set', 'homeassistant/status']);
    await vi.advanceTimersByTimeAsync(1);
    const s = last();
    s.take();
    s.emit('data', CONNACK);
    const sub = s.take();
    s.emit('data', bin(0x90, 4, sub.charCodeAt(2), sub.charCodeAt(3), 1, 0x80));
    expect(printed.join('\n')).toContain('broker refused the subscription to homeassistant/status');
    expect(s.ended).toBe(false);
    expect(c.mqtt.mqttUp).toBe(true);
  });

  test('a SUBACK for another packet id closes the connection', async () => {
    await client(['a']);
    await vi.advanceTimersByTimeAsync(1);
    const s = last();
    s.emit('data', CONNACK);
    s.take();
    s.emit('data', bin(0x90, 3, 0x7f, 0x7f, 1));
    expect(s.ended).toBe(true);
  });

  test('an oversized PUBLISH is acknowledged and skipped without being held; the next packet is read', async () => {
    const { ev, s } = await connected(['a', 'b']);
    const payload = 'x'.repeat(3000);
    const len = 2 + 1 + 2 + payload.length;
    const pub = bin(0x32, (len & 127) | 128, len >> 7, 0, 1, 0x61, 0x12, 0x34) + payload;
    for (let i = 0; i < pub.length; i += 100) s.emit('data', pub.slice(i, i + 100));
    s.emit('data', `${bin(0x30, 5, 0, 1, 0x62)}on`);
    expect(s.take()).toBe(bin(0x40, 2, 0x12, 0x34));
    expect(ev.msgs).toEqual([['b', 'on', false]]);
    expect(s.ended).toBe(false);
  });

  test('backoff grows 1, 2, 4, 8 s when the broker closes right after every CONNACK, and resets after 30 s up', async () => {
    const { mqtt } = await connected(['a', 'b']);
    const times: number[] = [];
    const t0 = Date.now();
    for (let round = 0; round < 4; round++) {
      const s = last();
      s.emit('close');
      const n = sockets.length;
      while (sockets.length === n) await vi.advanceTimersByTimeAsync(100);
      times.push(Math.round((Date.now() - t0) / 100) / 10);
      await vi.advanceTimersByTimeAsync(1);
      last().emit('data', CONNACK);
    }
    const steps = times.map((t, i) => Math.round(t - (i ? times[i - 1]! : 0)));
    expect(steps).toEqual([1, 2, 4, 8]);
    // Up for 30 s (ticks every 5 s, as the firmware calls it): the next drop retries after 1 s.
    for (let i = 0; i < 7; i++) {
      await vi.advanceTimersByTimeAsync(5000);
      last().emit('data', bin(0xd0, 0));
      mqtt.mqttTick();
    }
    const n = sockets.length;
    last().emit('close');
    await vi.advanceTimersByTimeAsync(1001);
    expect(sockets.length).toBe(n + 1);
  });

  test('a PUBACK resets the backoff at once', async () => {
    const { mqtt, s } = await connected(['a', 'b']);
    s.emit('close');
    await vi.advanceTimersByTimeAsync(1001); // retry after 1 s; the next would wait 2 s
    last().emit('data', CONNACK);
    mqtt.mqttPublish('t', 'v', 1, true, 5);
    last().emit('data', bin(0x40, 2, 0, 5));
    const n = sockets.length;
    last().emit('close');
    await vi.advanceTimersByTimeAsync(1001);
    expect(sockets.length).toBe(n + 1);
  });

  test('no PUBACK within min(keepalive, 30) s: the connection is dropped (the caller resends with DUP)', async () => {
    const { mqtt, s, ev } = await connected(['a', 'b']);
    mqtt.mqttPublish('home/x/t', '21.5', 1, true, 7);
    for (let i = 0; i < 2; i++) {
      await vi.advanceTimersByTimeAsync(5000);
      s.emit('data', bin(0xd0, 0)); // the link itself is alive
      mqtt.mqttTick();
    }
    expect(s.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    mqtt.mqttTick();
    expect(s.ended).toBe(true);
    expect(ev.down).toBe(1);
    expect(printed.join('\n')).toMatch(/no PUBACK for 1\d s/);
  });

  test('a PUBACK for no waiting message does not count as progress', async () => {
    const { mqtt, s } = await connected(['a', 'b'], (id) => id === 7);
    mqtt.mqttPublish('home/x/t', '21.5', 1, true, 7);
    mqtt.mqttPublish('home/x/h', '40', 1, true, 8);
    s.emit('data', bin(0x40, 2, 0, 7));
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(4000);
      s.emit('data', bin(0x40, 2, 0, 99));
      mqtt.mqttTick();
    }
    expect(s.ended).toBe(true);
  });

  test('bytes that never make a valid packet do not keep the link alive', async () => {
    const { mqtt, s } = await connected(['a', 'b']);
    // A PUBLISH that starts and never completes, fed a byte now and then.
    s.emit('data', bin(0x30, 100, 0, 1, 0x61));
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(5000);
      s.emit('data', 'x');
      mqtt.mqttTick();
    }
    expect(s.ended).toBe(true); // keepalive 10: dead after 10 x 1.5 + 5 s without a packet
  });

  test('mqttStop sends DISCONNECT and calls back once the socket has closed, or after 2 s', async () => {
    const { mqtt, s } = await connected(['a', 'b']);
    let done = 0;
    mqtt.mqttStop(() => done++);
    expect(s.take()).toBe(bin(0xe0, 0));
    expect(s.ended).toBe(true);
    expect(done).toBe(0);
    s.emit('close');
    expect(done).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(done).toBe(1);

    const c = await connected(['a', 'b']);
    let done2 = 0;
    c.mqtt.mqttStop(() => done2++);
    await vi.advanceTimersByTimeAsync(1999);
    expect(done2).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(done2).toBe(1);
  });

  test('a stream whose first write finds the socket closed leaves nothing held: the next CONNECT goes out', async () => {
    const { mqtt, s } = await connected(['a', 'b']);
    s.ended = true; // the broker has closed it; the close event has not come yet
    mqtt.mqttStream(
      'homeassistant/device/n1/config',
      (i) => (i < 2 ? '{}' : undefined),
      () => undefined,
    );
    expect(mqtt.streaming).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1001);
    expect(sockets.length).toBe(2);
    expect(last().take().charCodeAt(0)).toBe(0x10);
  });

  test('a connect that blocked for long is retried only at the longest backoff', async () => {
    refuseConnects = true;
    const real = globalThis.getTime;
    let calls = 0;
    // The clock jumps 20 s inside connect, as a blocking connect to a silent host does on ESP32.
    globalThis.getTime = () => real() + (calls++ % 2 ? 20 : 0);
    await client();
    globalThis.getTime = real;
    refuseConnects = false;
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sockets.length).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(sockets.length).toBe(1);
  });
});
