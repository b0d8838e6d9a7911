// The hub's own MQTT connection over every transport its settings allow, against a real
// Mosquitto: TLS with the CA of the settings, TLS with a client certificate the broker
// requires, WebSocket and WebSocket over TLS; a certificate it cannot verify is an error it
// says and retries, not a crash; the Last Will is published when the hub vanishes; a
// 3.1.1-only broker (the embedded aedes) gets 3.1.1 at once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING } from '../hub/broker/acl.ts';
import { startEmbeddedBroker } from '../hub/broker/embedded.ts';
import { createLogger } from '../hub/log.ts';
import { MqttConnection, type BrokerClientOptions, type BrokerLink } from '../hub/mqtt/connection.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { freePort, waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'openssl');

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=roomlink test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  for (const [name, cn, ext] of [
    ['server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'roomlink-hub', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }
}

describe.skipIf(!ok)('hub MQTT transports (Mosquitto)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-tls-'));
  const ports = { tls: 0, mtls: 0, ws: 0, wss: 0 };
  let broker: Mosquitto;
  const cleanup: (() => unknown)[] = [];

  beforeAll(async () => {
    makeCertificates(dir);
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const certs = `cafile ${dir}/ca.crt\ncertfile ${dir}/server.crt\nkeyfile ${dir}/server.key`;
    broker = new Mosquitto({
      persistence: false,
      extraConfig: [
        `listener ${ports.tls} 127.0.0.1`,
        certs,
        `listener ${ports.mtls} 127.0.0.1`,
        certs,
        'require_certificate true',
        `listener ${ports.ws} 127.0.0.1`,
        'protocol websockets',
        `listener ${ports.wss} 127.0.0.1`,
        'protocol websockets',
        certs,
      ].join('\n'),
    });
    await broker.start();
  }, 60_000);
  afterAll(async () => {
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  function connect(url: string, client: BrokerClientOptions, name: string) {
    const lines: string[] = [];
    const messages: string[] = [];
    let link: BrokerLink | undefined;
    const connection = new MqttConnection(
      {
        will: { topic: `transport/${name}/status`, payload: 'offline' },
        subscriptions: [`transport/${name}/in`],
        reconnectMinMs: 100,
        reconnectMaxMs: 200,
        log: createLogger({ level: 'debug', stream: { write: (l: string) => lines.push(l) } }),
      },
      { onConnect: (l) => (link = l), onClose: () => (link = undefined), onMessage: (topic, payload) => messages.push(`${topic} ${payload}`) },
    );
    connection.start({ url, client: { clientId: `transport-${name}`, ...client } });
    cleanup.push(() => connection.stop());
    return { connection, lines, messages, link: () => link };
  }

  /** Connected over `url`: its subscription works, and a QoS 1 publish is acknowledged. */
  async function roundTrip(url: string, client: BrokerClientOptions, name: string): Promise<void> {
    const c = connect(url, client, name);
    const link = await waitFor(`connected over ${url}`, () => c.link(), 15_000);
    expect(link.protocolVersion).toBe(5);
    const acked = await new Promise<Error | undefined>((resolve) => link.publish(`transport/${name}/in`, 'hello', { qos: 1, retain: false }, resolve));
    expect(acked).toBeUndefined();
    await waitFor('its own message back through its subscription', () => c.messages.includes(`transport/${name}/in hello`));
  }

  const ca = () => readFileSync(join(dir, 'ca.crt'));

  it('mqtts:// with the CA of the settings', async () => {
    await roundTrip(`mqtts://127.0.0.1:${ports.tls}`, { ca: ca() }, 'tls');
  });

  it('mqtts:// to a broker that requires a client certificate', async () => {
    await roundTrip(
      `mqtts://localhost:${ports.mtls}`,
      { ca: ca(), cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) },
      'mtls',
    );
  });

  it('ws:// and wss://', async () => {
    await roundTrip(`ws://127.0.0.1:${ports.ws}`, {}, 'ws');
    await roundTrip(`wss://127.0.0.1:${ports.wss}/mqtt`, { ca: ca() }, 'wss');
  });

  it('a certificate it cannot verify: said as the error, retried, never connected', async () => {
    const c = connect(`mqtts://127.0.0.1:${ports.tls}`, {}, 'untrusted');
    await waitFor('a second attempt', () => c.lines.filter((l) => l.includes('reconnecting to broker')).length >= 2);
    expect(c.connection.connected).toBe(false);
    expect(c.lines.join('')).toMatch(
      /broker connection error .*error="(self[- ]signed certificate in certificate chain|unable to get local issuer certificate)"/,
    );
    expect(c.lines.filter((l) => l.includes('broker connection error'))).toHaveLength(1);
  });

  it('the Last Will is published when the connection vanishes, and not at a clean stop', async () => {
    const watcher = await subscribe(broker.url, 'transport/+/status', { qos: 1 });
    cleanup.push(() => watcher.end());
    const gone = connect(broker.url, {}, 'will-a');
    await waitFor('connected', () => gone.link());
    const clean = connect(broker.url, {}, 'will-b');
    await waitFor('connected', () => clean.link());
    // Vanish: the socket is cut without DISCONNECT.
    (gone.connection as unknown as { current: { stream: { destroy(): void } } }).current.stream.destroy();
    await watcher.waitForTopic('transport/will-a/status');
    await gone.connection.stop();
    await clean.connection.stop();
    // A clean stop sends DISCONNECT: no Will. (A QoS 1 probe published after it comes after anything the broker would have sent.)
    const probe = connect(broker.url, {}, 'will-probe');
    const l = await waitFor('connected', () => probe.link());
    await new Promise((resolve) => l.publish('transport/probe/status', 'x', { qos: 1, retain: false }, resolve));
    await watcher.waitForTopic('transport/probe/status');
    expect(watcher.on('transport/will-b/status')).toEqual([]);
  });

  it('MQTT 5 No Local: what the connection publishes does not come back on a subscription that asks so', async () => {
    const c = connect(broker.url, {}, 'nolocal');
    const link = await waitFor('connected', () => c.link());
    const granted = await new Promise<number[]>((resolve) =>
      link.subscribe(
        [
          { topic: 'transport/nolocal/echo/#', qos: 0, noLocal: true },
          { topic: 'transport/nolocal/plain/#', qos: 0 },
        ],
        (_err, g) => resolve(g),
      ),
    );
    expect(granted).toEqual([0, 0]);
    for (const kind of ['echo', 'plain']) await new Promise((resolve) => link.publish(`transport/nolocal/${kind}/x`, kind, { qos: 1, retain: false }, resolve));
    await waitFor('the plain one back', () => c.messages.includes('transport/nolocal/plain/x plain'));
    expect(c.messages.filter((m) => m.startsWith('transport/nolocal/echo'))).toEqual([]);
  });

  it('a broker that speaks only MQTT 3.1.1 (aedes) is spoken to in 3.1.1 from the second attempt on', async () => {
    const data = mkdtempSync(join(tmpdir(), 'roomlink-aedes-'));
    cleanup.push(() => rmSync(data, { recursive: true, force: true }));
    const aedes = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      dataDir: data,
      log: createLogger({ level: 'error' }),
      allowAnonymous: true,
      anonymous: EVERYTHING,
    });
    cleanup.push(() => aedes.close());
    const c = connect(aedes.url, {}, 'aedes');
    const link = await waitFor('connected', () => c.link());
    expect(link.protocolVersion).toBe(4);
    expect(c.lines.filter((l) => l.includes('does not speak MQTT 5'))).toHaveLength(1);
    expect(c.lines.filter((l) => l.includes('broker connection error'))).toEqual([]);
    await new Promise((resolve) => link.publish('transport/aedes/in', 'hi', { qos: 1, retain: false }, resolve));
    await waitFor('its message back', () => c.messages.includes('transport/aedes/in hi'));
  });
});
