// Issue 12, items 3-5, on the hub's own embedded broker (the default set-up: `roomlink hub`
// without mqtt.url), through a real hub process:
// 3. QoS 1 readings at 2,000/s reach a persistent `mosquitto_sub -c -q 1`, every one, whether
//    it stays connected or disconnects and returns.
// 4. A packet announcing 200 MB is refused from its fixed header: the connection closes
//    before the body is read, before CONNECT is authenticated, and memory stays flat.
// 5. Topic permissions: anonymous and the accounts of broker.users may publish only where
//    their role allows; wrong credentials are refused; the hub still publishes everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHubProcess, type HubProcess } from './helpers/hub-process.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools, toolPath } from '../bench/helpers/tools.ts';
import { freePort, waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto_sub', 'socat');

function line(seq: number): string {
  return `{"node":"flow-1","room":"flow","temperature":${(20 + seq / 1000).toFixed(3)},"seq":${seq}}\n`;
}

/** Writes readings from..to-1 at `perSecond`, in 10 ms slices; resolves when all are written. */
function writeAt(pty: PtyPair, from: number, to: number, perSecond: number, onProgress?: (next: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    let next = from;
    const timer = setInterval(() => {
      const due = Math.min(to, from + Math.floor(((Date.now() - started) / 1000) * perSecond));
      let chunk = '';
      while (next < due) chunk += line(next++);
      if (chunk) pty.write(chunk);
      onProgress?.(next);
      if (next >= to) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

/** A persistent QoS 1 `mosquitto_sub -c`, counting the distinct readings it prints. */
class MosquittoSub {
  readonly seen = new Set<number>();
  duplicates = 0;
  private child: ChildProcess | undefined;
  private rest = '';
  constructor(private readonly args: string[]) {}
  start(): this {
    const child = spawn(toolPath('mosquitto_sub'), ['-c', '-q', '1', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.rest + chunk.toString()).split('\n');
      this.rest = lines.pop()!;
      for (const text of lines) {
        const seq = Math.round((Number(text) - 20) * 1000);
        if (this.seen.has(seq)) this.duplicates++;
        else this.seen.add(seq);
      }
    });
    return this;
  }
  /** Waits until it is subscribed: its session exists from then on. */
  async subscribed(hubLog: () => string, clientId: string): Promise<void> {
    await waitFor(`${clientId} connected`, () => hubLog().includes(`client connected client=${clientId}`), 10_000);
  }
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
  missing(total: number): number[] {
    const gaps: number[] = [];
    for (let i = 0; i < total; i++) if (!this.seen.has(i)) gaps.push(i);
    return gaps;
  }
}

interface Setup {
  hub: HubProcess;
  pty: PtyPair;
  port: number;
  url: string;
  dataDir: string;
}

describe.skipIf(!ok)('the hub on its embedded broker, under faults', () => {
  const cleanups = cleanupsAfterEach();

  async function startHub(broker: Record<string, unknown> = {}, logLevel = 'debug'): Promise<Setup> {
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-embedded-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const port = await freePort();
    const configFile = join(dataDir, 'hub.yaml');
    writeFileSync(
      configFile,
      stringify({
        broker: { port, ...broker },
        serial: { ports: [{ path: pty.devicePath }] },
        data_dir: dataDir,
        health: { interval: 1 },
        log_level: logLevel,
      }),
    );
    const hub = startHubProcess(configFile);
    cleanups.push(() => hub.stop('SIGKILL'));
    await hub.waitForLog(/serial port open/);
    await hub.waitForLog(/\[mqtt\] connected to broker/);
    return { hub, pty, port, url: `mqtt://127.0.0.1:${port}`, dataDir };
  }

  it('delivers 10,000 QoS 1 readings at 2,000/s to a persistent mosquitto_sub that stays connected', async () => {
    const { hub, pty, port } = await startHub();
    const sub = new MosquittoSub(['-h', '127.0.0.1', '-p', String(port), '-i', 'counter', '-t', 'home/flow/#']).start();
    cleanups.push(() => sub.stop('SIGKILL'));
    await sub.subscribed(() => hub.log, 'counter');
    const total = 10_000;
    const started = Date.now();
    await writeAt(pty, 0, total, 2000);
    await waitFor('every reading at the subscriber', () => sub.seen.size >= total, 60_000).catch((err) => {
      throw new Error(`${err.message}; got ${sub.seen.size}, missing ${sub.missing(total).slice(0, 20).join(',')}`);
    });
    console.log(`embedded broker, connected subscriber: ${total} at 2,000/s in ${Date.now() - started} ms, ${sub.duplicates} duplicates`);
    expect(sub.missing(total)).toEqual([]);
  }, 120_000);

  it('delivers 10,000 QoS 1 readings at 2,000/s to a persistent mosquitto_sub that disconnects and returns', async () => {
    const { hub, pty, port } = await startHub();
    const args = ['-h', '127.0.0.1', '-p', String(port), '-i', 'returning', '-t', 'home/flow/#'];
    const first = new MosquittoSub(args).start();
    cleanups.push(() => first.stop('SIGKILL'));
    await first.subscribed(() => hub.log, 'returning');
    const total = 10_000;
    let second: MosquittoSub | undefined;
    let phase = 0;
    await writeAt(pty, 0, total, 2000, (next) => {
      if (phase === 0 && next >= total / 3) {
        phase = 1;
        // Gone without DISCONNECT, as a crashed or unplugged consumer goes.
        void first.stop('SIGKILL');
      } else if (phase === 1 && next >= (2 * total) / 3) {
        phase = 2;
        second = new MosquittoSub(args).start();
        cleanups.push(() => second!.stop('SIGKILL'));
      }
    });
    const seen = () => new Set([...first.seen, ...(second?.seen ?? [])]);
    await waitFor('every reading at the subscriber, across its absence', () => seen().size >= total, 60_000).catch((err) => {
      const all = seen();
      const gaps: number[] = [];
      for (let i = 0; i < total; i++) if (!all.has(i)) gaps.push(i);
      throw new Error(`${err.message}; got ${all.size}, missing ${gaps.length}: ${gaps.slice(0, 20).join(',')}`);
    });
    console.log(`embedded broker, returning subscriber: first ${first.seen.size}, second ${second!.seen.size}, together ${seen().size}`);
    expect(seen().size).toBe(total);
  }, 120_000);

  it('closes a connection announcing a 200 MB CONNECT or PUBLISH from its fixed header, with memory flat', async () => {
    const { hub, url, port } = await startHub({}, 'info');
    const before = hub.rssMb();
    // 200 MB as MQTT's Remaining Length (4 bytes of 7 bits each).
    const length = [0x80, 0x80, 0x80, 0x64].reduce((sum, byte, i) => sum + (byte & 0x7f) * 128 ** i, 0);
    expect(length).toBe(200 * 1024 * 1024);
    const header = (type: number) => Buffer.from([type, 0x80, 0x80, 0x80, 0x64]);

    // Unauthenticated: the CONNECT itself is too big. Send 20 MB of it and see the door shut.
    const connectSent = await floodUntilClosed(port, [header(0x10)], 20 * 1024 * 1024);
    expect(connectSent.closed).toBe(true);
    expect(connectSent.bytesWritten).toBeLessThan(20 * 1024 * 1024);

    // After a valid CONNECT: a PUBLISH that big.
    const connect = Buffer.from([0x10, 0x0e, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x1e, 0x00, 0x02, 0x68, 0x68]);
    const publishSent = await floodUntilClosed(port, [connect, header(0x30)], 20 * 1024 * 1024);
    expect(publishSent.closed).toBe(true);

    await hub.waitForLog(/connection closed: packet larger than broker.max_packet_bytes.*announced_bytes=\d+/);
    const after = hub.rssMb();
    console.log(`200 MB CONNECT + PUBLISH: hub RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB`);
    expect(after - before).toBeLessThan(25);
    // The broker is still fine for everyone else.
    const sub = await subscribe(url, 'home/#', { qos: 1 });
    cleanups.push(() => sub.end());
    expect(sub.client.connected).toBe(true);
  }, 60_000);

  it("keeps the hub's topics, discovery and readings to their owners, and refuses wrong credentials", async () => {
    const passwords = { homeassistant: 'ha-secret-1', 'living-1': 'node-secret-2', alice: 'alice-secret-3' };
    const { hub, pty, url, dataDir } = await startHub(
      {
        users: {
          homeassistant: { password: passwords.homeassistant, role: 'homeassistant' },
          'living-1': { password: passwords['living-1'], role: 'node' },
          alice: { password: passwords.alice, role: 'person' },
        },
        allow_anonymous: true,
      },
      'info',
    );
    const connectOnce = (options: mqtt.IClientOptions) => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });

    // Wrong credentials are refused, never taken for anonymous.
    await expect(connectOnce({ username: 'homeassistant', password: 'wrong' })).rejects.toThrow(/bad user ?name or password|Not authorized/i);
    await expect(connectOnce({ username: 'made-up', password: 'whatever' })).rejects.toThrow(/bad user ?name or password|Not authorized/i);
    await expect(connectOnce({ username: 'alice' })).rejects.toThrow(/bad user ?name or password|Not authorized/i);
    // A last will is a publish too, made later: refused at CONNECT when not allowed.
    await expect(connectOnce({ will: { topic: 'roomlink/bridge/status', payload: Buffer.from('offline'), qos: 1, retain: true } })).rejects.toThrow(
      /Not authorized/i,
    );

    // Home Assistant sees everything the hub publishes.
    const ha = await subscribe(url, '#', { username: 'homeassistant', password: passwords.homeassistant, qos: 1 });
    cleanups.push(() => ha.end());
    pty.write('{"node":"kitchen-1","room":"kitchen","temperature":21.5}\n');
    await ha.waitForTopic('home/kitchen/temperature');
    await ha.waitForTopic('homeassistant/device/kitchen-1/config');
    await ha.waitForTopic('roomlink/kitchen-1/status');
    await ha.waitForTopic('roomlink/bridge/health');
    expect(ha.on('roomlink/bridge/status').at(-1)?.payload).toBe('online');

    // Anonymous: reads, but publishes nowhere, and stays connected (denied = dropped, as Mosquitto does).
    const anonymous = await connectOnce({});
    await anonymous.publishAsync('roomlink/bridge/status', 'offline', { qos: 1, retain: true });
    await anonymous.publishAsync('homeassistant/device/fake/config', '{"dev":{"ids":["fake"]}}', { qos: 1, retain: true });
    await anonymous.publishAsync('home/kitchen/temperature', '99', { qos: 1, retain: true });
    await anonymous.publishAsync('roomlink/kitchen-1/set', '{"reboot":true}', { qos: 1 });
    expect(anonymous.connected).toBe(true);

    // A node account: its own topics and readings, nobody else's.
    const node = await connectOnce({ username: 'living-1', password: passwords['living-1'] });
    await node.publishAsync('home/living_room/temperature', '20.5', { qos: 1, retain: true });
    await node.publishAsync('roomlink/living-1/status', 'online', { qos: 1, retain: true });
    await node.publishAsync('roomlink/kitchen-1/status', 'offline', { qos: 1, retain: true });
    await node.publishAsync('roomlink/bridge/status', 'offline', { qos: 1, retain: true });
    await node.publishAsync('homeassistant/device/kitchen-1/config', '', { qos: 1, retain: true });
    expect((await node.subscribeAsync('roomlink/living-1/set', { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    // SUBACK 0x80 for a filter it may not read; MQTT.js turns that into an error.
    await expect(node.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(node.connected).toBe(true);

    // People and Home Assistant send commands; HA its birth message too.
    const alice = await connectOnce({ username: 'alice', password: passwords.alice });
    await alice.publishAsync('roomlink/kitchen-1/set', '{"identify":true}', { qos: 1 });
    await alice.publishAsync('home/kitchen/temperature', '-40', { qos: 1, retain: true });
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });

    await ha.waitForTopic('home/living_room/temperature');
    await ha.waitForTopic('roomlink/living-1/status');
    await ha.waitForTopic('roomlink/kitchen-1/set');
    await waitFor(
      "discovery sent again after Home Assistant's birth",
      () => ha.on('homeassistant/device/kitchen-1/config').filter((m) => !m.retain).length > 0,
      15_000,
    );
    // A last, allowed message: everything published before it has been dealt with.
    await node.publishAsync('home/living_room/temperature', '20.6', { qos: 1 });
    await waitFor('the last allowed message', () => ha.on('home/living_room/temperature').some((m) => m.payload === '20.6'));

    expect(ha.on('roomlink/bridge/status').map((m) => m.payload)).not.toContain('offline');
    expect(ha.on('homeassistant/device/fake/config')).toEqual([]);
    expect(ha.on('home/kitchen/temperature').map((m) => m.payload)).toEqual(['21.5']);
    expect(ha.on('roomlink/kitchen-1/status').map((m) => m.payload)).not.toContain('offline');
    expect(ha.on('homeassistant/device/kitchen-1/config').every((m) => m.payload !== '')).toBe(true);
    expect(ha.on('roomlink/kitchen-1/set').map((m) => m.payload)).toEqual(['{"identify":true}']);

    // A late subscriber sees the retained truth, not what was refused.
    const late = await subscribe(url, ['roomlink/bridge/status', 'home/kitchen/temperature', 'homeassistant/device/+/config'], { qos: 1 });
    cleanups.push(() => late.end());
    await late.waitForTopic('home/kitchen/temperature');
    await late.waitForTopic('roomlink/bridge/status');
    expect(late.on('roomlink/bridge/status').map((m) => m.payload)).toEqual(['online']);
    expect(late.on('home/kitchen/temperature').map((m) => m.payload)).toEqual(['21.5']);
    expect(late.on('homeassistant/device/fake/config')).toEqual([]);

    await Promise.all([anonymous.endAsync(), node.endAsync(), alice.endAsync()]);
    expect(hub.log).toMatch(/publish denied.*user=\(anonymous\)/);
    expect(hub.log).toMatch(/subscription refused.*user=living-1 filter=#/);
    expect(hub.log).toMatch(/client refused.*reason=bad-credentials/);
    // Counted in health: 4 anonymous, 3 node and 1 person publishes denied, 1 subscription, 4 logins.
    const counted = await waitFor('the refusals in health', () => {
      const report = JSON.parse(ha.on('roomlink/bridge/health').at(-1)!.payload);
      return report.embedded_broker?.denied_publishes === 8 ? report.embedded_broker : undefined;
    });
    expect(counted).toEqual({ refused_connections: 4, denied_publishes: 8, denied_subscriptions: 1, oversized_packets: 0, persistence_errors: 0 });
    // No password in the log, the health report or anything in the data dir.
    const health = ha.on('roomlink/bridge/health').at(-1)!.payload;
    for (const secret of Object.values(passwords)) {
      expect(hub.log).not.toContain(secret);
      expect(health).not.toContain(secret);
      for (const file of filesUnder(join(dataDir, 'broker'))) expect(readFileSync(file).includes(secret), file).toBe(false);
    }
    expect(await hub.stop('SIGTERM')).toBe(0);
  }, 90_000);
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/**
 * Writes `first` and then zeros until `limit` bytes or until the broker closes the
 * connection; says whether it closed and how much it took.
 */
function floodUntilClosed(port: number, first: Buffer[], limit: number): Promise<{ closed: boolean; bytesWritten: number }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const zeros = Buffer.alloc(64 * 1024);
    let written = 0;
    let closed = false;
    const finish = () => resolve({ closed, bytesWritten: written });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      for (const b of first) socket.write(b);
      const pump = () => {
        while (!closed && written < limit) {
          written += zeros.length;
          if (!socket.write(zeros)) return void socket.once('drain', pump);
        }
        if (!closed) {
          // All of it written and still open: wait a moment for a close that may be coming.
          setTimeout(() => {
            socket.destroy();
            finish();
          }, 2000);
        }
      };
      pump();
    });
  });
}
