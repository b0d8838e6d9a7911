// The embedded aedes broker through real MQTT.js clients: delivery, persistence across
// restarts, access rules, plain start errors, and the `roomlink broker` command.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BROKER_FLAGS, renderHint } from '../hub/config/args.ts';
import { EVERYTHING } from '../hub/broker/acl.ts';
import { BrokerStartError, startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../hub/broker/embedded.ts';
import { createLogger } from '../hub/log.ts';
import { Recorder, subscribe } from '../bench/helpers/mqtt.ts';
import { freePort, waitFor } from '../bench/helpers/wait.ts';

const dirs: string[] = [];
const running: EmbeddedBroker[] = [];
const logLines: string[] = [];
const log = createLogger({ level: 'debug', stream: { write: (line: string) => logLines.push(line) } });

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-broker-'));
  dirs.push(dir);
  return dir;
}

async function start(options: Partial<EmbeddedBrokerOptions> & { dataDir: string }): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: false, log, ...options });
  running.push(broker);
  return broker;
}

async function startError(options: Partial<EmbeddedBrokerOptions> & { dataDir: string }): Promise<BrokerStartError> {
  const error = await start(options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(BrokerStartError);
  return error as BrokerStartError;
}

/** Connects without retrying, so a refused CONNECT surfaces as an error. */
function connectOnce(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('embedded broker', () => {
  it('delivers between MQTT.js clients on an ephemeral port and says where it listens and persists', async () => {
    const dataDir = tempDir();
    // Anonymous clients may publish nothing by default (broker-faults.test.ts); here they may.
    const broker = await start({ dataDir, anonymous: EVERYTHING });
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(logLines.join('')).toContain(`port=${broker.port}`);
    expect(logLines.join('')).toContain(`persistence=${join(dataDir, 'broker')}`);

    const sub = await subscribe(broker.url, 'home/+/temperature', { qos: 1 });
    const pub = await connectOnce(broker.url);
    await pub.publishAsync('home/kitchen/temperature', '21.5', { qos: 1 });
    await pub.publishAsync('home/kitchen/humidity', '40', { qos: 1 });
    const got = await sub.waitForTopic('home/kitchen/temperature');
    expect(got).toMatchObject({ payload: '21.5', qos: 1 });
    expect(sub.on('home/kitchen/humidity')).toEqual([]);
    await Promise.all([sub.end(), pub.endAsync()]);
  });

  it("sends one copy of a message that matches two of a client's subscriptions, at QoS 0 and 1", async () => {
    const broker = await start({ dataDir: tempDir(), anonymous: EVERYTHING });
    const sub = await subscribe(broker.url, ['home/#', 'home/+/temperature'], { qos: 1 });
    const pub = await connectOnce(broker.url);
    await pub.publishAsync('home/kitchen/temperature', 'one', { qos: 1 });
    await pub.publishAsync('home/kitchen/temperature', 'zero', { qos: 0 });
    await pub.publishAsync('home/kitchen/done', 'x', { qos: 1 });
    await sub.waitForTopic('home/kitchen/done');
    // One of each (in either order: the QoS 0 one skips the persistence the QoS 1 one passes).
    expect(
      sub
        .on('home/kitchen/temperature')
        .map((m) => m.payload)
        .sort(),
    ).toEqual(['one', 'zero']);
    await Promise.all([sub.end(), pub.endAsync()]);
  });

  it('keeps a retained message across close() and a restart on the same data dir', async () => {
    const dataDir = tempDir();
    const first = await start({ dataDir, anonymous: EVERYTHING });
    const pub = await connectOnce(first.url);
    await pub.publishAsync('home/hall/temperature', '19.0', { qos: 1, retain: true });
    await pub.endAsync();
    await first.close();

    const second = await start({ dataDir });
    const sub = await subscribe(second.url, 'home/hall/temperature', { qos: 1 });
    const got = await sub.waitForTopic('home/hall/temperature');
    expect(got).toMatchObject({ payload: '19.0', retain: true });
    await sub.end();
  });

  it('delivers a QoS 1 message published while a persistent subscriber was offline, after a restart', async () => {
    const dataDir = tempDir();
    const first = await start({ dataDir, anonymous: EVERYTHING });
    const clientId = 'persistent-sub';
    const sub = await connectOnce(first.url, { clientId, clean: false });
    await sub.subscribeAsync('home/+/co2', { qos: 1 });
    await sub.endAsync();

    const pub = await connectOnce(first.url);
    await pub.publishAsync('home/office/co2', '812', { qos: 1 }); // PUBACK: queued for the session
    await pub.endAsync();
    await first.close();

    const second = await start({ dataDir });
    // Listen before CONNACK: the queued message follows it immediately.
    const again = mqtt.connect(second.url, { clientId, clean: false, reconnectPeriod: 0 });
    const recorder = new Recorder(again);
    const got = await recorder.waitForTopic('home/office/co2');
    expect(got).toMatchObject({ payload: '812', qos: 1 });
    await recorder.end();
  });

  it('refuses to listen on a network address without credentials, and says what to set', async () => {
    const dataDir = tempDir();
    const error = await startError({ dataDir, host: '0.0.0.0' });
    expect(error.message).toContain('0.0.0.0');
    expect(error.message).toContain('broker.username');
    expect(error.message).toContain('broker.allow_anonymous');
    expect(renderHint(error.template, BROKER_FLAGS)).toContain('--allow-anonymous');
    // It refused before taking the data dir: a broker on loopback can start there.
    await start({ dataDir });
  });

  it('listens on a network address when anonymous access is explicit', async () => {
    const broker = await start({ dataDir: tempDir(), host: '0.0.0.0', allowAnonymous: true });
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const client = await connectOnce(broker.url);
    await client.endAsync();
  });

  it('with credentials, refuses a wrong password and anonymous clients and accepts the right one', async () => {
    const password = 'correct horse battery';
    logLines.length = 0;
    const broker = await start({ dataDir: tempDir(), host: '0.0.0.0', username: 'hub', password });
    await expect(connectOnce(broker.url, { username: 'hub', password: 'wrong' })).rejects.toThrow(/bad user ?name or password/i);
    await expect(connectOnce(broker.url, { username: 'other', password })).rejects.toThrow(/bad user ?name or password/i);
    await expect(connectOnce(broker.url)).rejects.toThrow(/bad user ?name or password/i);
    const client = await connectOnce(broker.url, { username: 'hub', password });
    await client.endAsync();
    const logged = logLines.join('');
    expect(logged).toContain('client refused');
    expect(logged).not.toContain(password);
    expect(logged).not.toContain('wrong');
  });

  it('says when another broker already uses the data dir', async () => {
    const dataDir = tempDir();
    await start({ dataDir });
    const error = await startError({ dataDir });
    expect(error.message).toContain(`the broker data directory ${join(dataDir, 'broker')} is in use`);
  });

  it('says plainly that a busy port is in use and how to choose another', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const dataDir = tempDir();
      const error = await startError({ dataDir, port });
      expect(error.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(error.message).toContain('broker.port');
      expect(renderHint(error.template, BROKER_FLAGS)).toContain('--port N');
      expect(error.stack).not.toMatch(/\n\s+at /);
      // The data dir was released on the way out.
      await start({ dataDir });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('roomlink broker command', () => {
  const bin = new URL('../cli/bin.js', import.meta.url).pathname;

  function runBroker(args: string[], env: NodeJS.ProcessEnv = {}) {
    const child = spawn(process.execPath, [bin, 'broker', ...args], {
      env: { ...process.env, ROOMLINK_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  it('runs until SIGTERM with the credentials from --password-file', async () => {
    const dataDir = tempDir();
    const passwordFile = join(dataDir, 'pw');
    writeFileSync(passwordFile, 'cmd-secret\n');
    const port = await freePort();
    const broker = runBroker(['--port', String(port), '--data-dir', dataDir, '--username', 'hub', '--password-file', passwordFile]);
    try {
      await waitFor('the broker to listen', () => broker.output().includes('embedded MQTT broker listening'), 20_000);
      await expect(connectOnce(`mqtt://127.0.0.1:${port}`, { username: 'hub', password: 'nope' })).rejects.toThrow(/bad user ?name or password/i);
      const client = await connectOnce(`mqtt://127.0.0.1:${port}`, { username: 'hub', password: 'cmd-secret' });
      await client.endAsync();
    } finally {
      broker.child.kill('SIGTERM');
    }
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toContain('embedded MQTT broker stopped');
    expect(broker.output()).not.toContain('cmd-secret');
  });

  it('exits 1 with the reason and no stack trace when it must not start', async () => {
    const broker = runBroker(['--host', '0.0.0.0', '--port', '0', '--data-dir', tempDir()]);
    expect(await broker.exited).toBe(1);
    expect(broker.output()).toContain('refusing to listen on 0.0.0.0 without credentials');
    expect(broker.output()).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown option', async () => {
    const broker = runBroker(['--prot', '1884']);
    expect(await broker.exited).toBe(2);
    expect(broker.output()).toContain('unknown option --prot (did you mean --port?)');
  });
});
