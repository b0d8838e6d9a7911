// A real hub with its dashboard on a free port, a pty as its serial port, against a private
// Mosquitto; and plain HTTP requests (node:http, so Host, Origin and bodies can be anything).
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubSettingsSchema, type HubSettingsInput } from '../../hub/config/schema.ts';
import { createHub, type Hub } from '../../hub/hub.ts';
import { createLogger } from '../../hub/log.ts';
import mqtt, { type MqttClient } from 'mqtt';
import { discoveryMessage } from '../../shared/discovery.ts';
import { DEFAULT_PREFIXES } from '../../shared/topics.ts';
import { openPtyPair, type PtyPair } from '../../bench/helpers/pty.ts';
import { waitFor } from '../../bench/helpers/wait.ts';

export interface DashboardHub {
  hub: Hub;
  url: string;
  pty: PtyPair;
  dataDir: string;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a hub (dashboard on 127.0.0.1:0 unless `settings.http` says otherwise) with one pty. */
export async function startDashboardHub(brokerUrl: string, clientId: string, settings: HubSettingsInput = {}): Promise<DashboardHub> {
  const pty = await openPtyPair();
  const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-dash-'));
  const logs: string[] = [];
  const parsed = hubSettingsSchema.parse({
    mqtt: { url: brokerUrl, client_id: clientId },
    serial: { ports: [{ path: pty.devicePath }] },
    data_dir: dataDir,
    queue: { flush_interval_ms: 50 },
    ...settings,
    http: { listen: '127.0.0.1:0', ...settings.http },
  });
  const hub = createHub(parsed, {
    log: createLogger({ level: 'info', stream: { write: (line: string) => logs.push(line) } }),
    birthDelayMs: () => 10,
  });
  try {
    await hub.start();
    // What is written before the hub opened the port is read by no one.
    await waitFor('the hub to open the pty', () => hub.stats().ports[pty.devicePath]?.state === 'open');
  } catch (err) {
    await hub.stop();
    await pty.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    hub,
    url: hub.dashboardUrl()!,
    pty,
    dataDir,
    logs,
    async stop() {
      await hub.stop();
      await pty.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any;
}

/** One HTTP request; `body` is sent as is (a string) or as JSON (anything else). */
export function http(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<HttpResponse> {
  const url = new URL(path, base);
  const body =
    options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An open /api/events stream collecting everything it receives. */
export function openEvents(
  base: string,
  headers: Record<string, string> = {},
): Promise<{ text: () => string; events: () => { event: string; data: any }[]; close: () => void; status: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = httpRequest(new URL('/api/events', base), { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', () => {});
      resolve({
        status: res.statusCode!,
        text: () => text,
        events: () =>
          text
            .split('\n\n')
            .map((block) => {
              const event = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              return event && data ? { event, data: JSON.parse(data) } : undefined;
            })
            .filter((e): e is { event: string; data: any } => e !== undefined),
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      if (!text) reject(err);
    });
    req.end();
  });
}

export interface FakeWifiNode {
  client: MqttClient;
  /** Command payloads received on its /set topic. */
  commands: string[];
  reading(measurement: string, value: string): Promise<void>;
  /** Drops off the network without a goodbye: the broker publishes its Last Will (offline). */
  vanish(): void;
}

/**
 * A WiFi node as roomlink firmware is one, over MQTT: retained discovery, status and info
 * (with `infoExtra` merged in), and an info answer to every command.
 */
export async function fakeWifiNode(
  url: string,
  id: string,
  room: string,
  infoExtra: object = {},
  measurements = ['temperature', 'pressure'],
): Promise<FakeWifiNode> {
  const client = await mqtt.connectAsync(url, {
    clientId: id,
    reconnectPeriod: 0,
    will: { topic: `roomlink/${id}/status`, payload: Buffer.from('offline'), retain: true, qos: 1 },
  });
  const commands: string[] = [];
  let uptime = 42;
  const info = () =>
    client.publishAsync(
      `roomlink/${id}/info`,
      JSON.stringify({
        version: '0.1.0',
        room,
        transport: 'wifi',
        interval: 30,
        uptime: uptime++,
        free_blocks: 900,
        rssi: -61,
        queued: 0,
        errors: {},
        ...infoExtra,
      }),
      { retain: true, qos: 0 },
    );
  client.on('message', (topic, payload) => {
    if (topic !== `roomlink/${id}/set`) return;
    commands.push(payload.toString());
    void info();
  });
  await client.subscribeAsync(`roomlink/${id}/set`, { qos: 1 });
  const disc = discoveryMessage(DEFAULT_PREFIXES, { node: id, room, measurements, availability: [`roomlink/${id}/status`] });
  await client.publishAsync(disc.topic, disc.payload, { retain: true, qos: 1 });
  await client.publishAsync(`roomlink/${id}/status`, 'online', { retain: true, qos: 1 });
  await info();
  return {
    client,
    commands,
    reading: (m, v) => client.publishAsync(`home/${room}/${m}`, v, { retain: true, qos: 1 }).then(() => {}),
    vanish: () => client.stream.destroy(),
  };
}
