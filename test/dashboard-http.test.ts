// The dashboard's HTTP side against a real hub, a real Mosquitto, a pty as the serial node
// and an MQTT client as a WiFi node: the page and its API, every refusal (unknown node,
// invalid interval, oversized and non-JSON bodies, wrong methods, other origins and host
// names, no login), the login itself, commands through the serial port and the broker with
// the node's answer, the history of both kinds of node without the hub's own readings
// counted twice, secrets never sent, and the start refusals with hints that name real flags.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_FLAGS } from '../hub/config/args.ts';
import { loadHubSettings } from '../hub/config/load.ts';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { DashboardStartError } from '../hub/dashboard/dashboard.ts';
import { MAX_BODY_BYTES } from '../hub/dashboard/server.ts';
import { createHub } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { fakeWifiNode, http, openEvents, startDashboardHub, type DashboardHub, type FakeWifiNode, type HttpResponse } from './helpers/dashboard.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'socat');

const BROKER_SECRET = 'broker-secret-4242';
const WIFI_SECRET = 'wifi-secret-7171';

describe.skipIf(!ok)('dashboard over HTTP', () => {
  const broker = new Mosquitto({ persistence: false });
  let dash: DashboardHub;
  let wifi: FakeWifiNode;
  const fromNode: string[] = [];

  beforeAll(async () => {
    await broker.start();
    dash = await startDashboardHub(broker.url, 'dash-http', { mqtt: { url: broker.url, client_id: 'dash-http', username: 'hub', password: BROKER_SECRET } });
    dash.pty
      .readNodeSide()
      .on('data', (d) => fromNode.push(d.toString()))
      // The pty vanishes at the end (EIO).
      .on('error', () => {});
    dash.pty.write(
      '{"node":"kitchen-1","room":"kitchen","info":{"version":"0.1.0","interval":60,"uptime":5,"free_blocks":1200,"errors":{"bme280":"no answer"}}}\n',
    );
    dash.pty.write('{"node":"kitchen-1","room":"kitchen","temperature":21.5,"humidity":40,"boot":"abc123"}\n');
    // A careless device also prints its WiFi settings: the dashboard must not pass the password on.
    wifi = await fakeWifiNode(broker.url, 'living-1', 'living_room', { wifi: { ssid: 'home', password: WIFI_SECRET } });
    await wifi.reading('temperature', '19.5');
    await waitFor('both nodes on the dashboard', async () => {
      const state = (await http(dash.url, '/api/state')).json();
      const ids = state.nodes.map((n: { id: string }) => n.id);
      return ids.includes('kitchen-1') && ids.includes('living-1') && state.rooms.length === 2;
    });
  });

  afterAll(async () => {
    await wifi?.client.endAsync();
    await dash?.stop();
    await broker.dispose();
  });

  it('listens on the free port it was given and serves the page gzipped, with its security headers', async () => {
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dash.url).not.toMatch(/:8080$/);
    expect(dash.logs.some((l) => l.includes('dashboard listening') && l.includes(dash.url))).toBe(true);
    const page = await http(dash.url, '/', { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const again = await http(dash.url, '/', { headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.status).toBe(304);
    const uplot = await http(dash.url, '/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.body).toContain('uPlot');
    expect((await http(dash.url, '/../package.json')).status).toBe(404);
    expect((await http(dash.url, '/hub/dashboard/server.ts')).status).toBe(404);
  });

  it('shows both kinds of node, with what they said about themselves', async () => {
    const state = (await http(dash.url, '/api/state')).json();
    const kitchen = state.nodes.find((n: { id: string }) => n.id === 'kitchen-1');
    expect(kitchen).toMatchObject({
      source: 'hub',
      status: 'online',
      room: 'kitchen',
      transport: 'serial',
      port: dash.pty.devicePath,
      firmware: true,
      version: '0.1.0',
      free_blocks: 1200,
    });
    expect(kitchen.errors).toEqual([expect.objectContaining({ source: 'bme280', message: 'no answer' })]);
    const living = state.nodes.find((n: { id: string }) => n.id === 'living-1');
    expect(living).toMatchObject({ source: 'broker', status: 'online', room: 'living_room', transport: 'wifi', rssi: -61, uptime_s: 42, interval: 30 });
    const rooms = Object.fromEntries(
      state.rooms.map((r: { room: string; readings: { measurement: string; value: unknown; node: string }[] }) => [r.room, r.readings]),
    );
    expect(rooms.kitchen.map((r: { measurement: string }) => r.measurement)).toEqual(['temperature', 'humidity']);
    expect(rooms.living_room).toEqual([expect.objectContaining({ measurement: 'temperature', value: 19.5, node: 'living-1', unit: '°C' })]);
    expect(state.hub.ports[dash.pty.devicePath]).toMatchObject({ state: 'open', baud: 115200 });
  });

  it('shows refused lines by reason per port, the last one on its node, and topic conflicts', async () => {
    dash.pty.write('{"node":"kitchen-1","room":"kitchen","humidity":140,"boot":"abc123"}\n');
    // kitchen-2 on the same port claims kitchen-1's topic while kitchen-1 is online.
    dash.pty.write('{"node":"kitchen-2","room":"kitchen","temperature":30}\n');
    const state = await waitFor('both refusals in the hub view', async () => {
      const s = (await http(dash.url, '/api/state')).json();
      const refused = s.hub.ports[dash.pty.devicePath].refused;
      return refused.out_of_range === 1 && refused.topic_conflict === 1 ? s : undefined;
    });
    expect(state.hub.topic_conflicts).toEqual([{ topic: 'home/kitchen/temperature', owner: 'kitchen-1', other: 'kitchen-2', refused: 1 }]);
    const kitchen = state.nodes.find((n: { id: string }) => n.id === 'kitchen-1');
    // The port's last refusal is shown on the nodes of that port.
    expect(kitchen.errors.map((e: { source: string }) => e.source)).toContain('line refused (topic_conflict)');
  });

  it("records the hub's own readings once (MQTT 5 No Local: the broker sends no echo of them) and the WiFi node's too", async () => {
    const first = (await http(dash.url, '/api/state')).json().hub;
    const before = first.dashboard.history.recorded;
    const echo = await mqtt.connectAsync(broker.url);
    const seen: string[] = [];
    echo.on('message', (_t, p) => seen.push(p.toString()));
    await echo.subscribeAsync('home/kitchen/temperature');
    for (let i = 0; i < 5; i++) dash.pty.write(`{"node":"kitchen-1","room":"kitchen","temperature":${22 + i / 10},"boot":"abc123"}\n`);
    // Once the broker has passed the last serial value on, an echo of it (were there one)
    // would be queued ahead of anything published later: the WiFi reading arrives after it.
    await waitFor('the last kitchen value on the broker', () => seen.includes('22.4'));
    await echo.endAsync();
    await wifi.reading('pressure', '1013.2');
    await waitFor('the WiFi pressure in the history', async () => (await http(dash.url, '/api/history?room=living_room&measurement=pressure')).status === 200);
    const state = (await http(dash.url, '/api/state')).json();
    // 5 serial values (not 10: no echo of them came back) and one from the broker.
    expect(state.hub.dashboard.history.recorded - before).toBe(6);
    expect(state.hub.broker.mqtt).toBe('5');
    // What the broker sent the hub meanwhile: the WiFi pressure, not the 5 echoes as well.
    expect(state.hub.broker.received - first.broker.received).toBeLessThan(5);
    const history = (await http(dash.url, '/api/history?room=living_room&range=hour')).json();
    expect(history.series.map((s: { measurement: string }) => s.measurement).sort()).toEqual(['pressure', 'temperature']);
    const pressure = history.series.find((s: { measurement: string }) => s.measurement === 'pressure');
    expect(pressure.v).toEqual([1013.2]);
  });

  it('sends identify to the serial node through its port, and reports the answer', async () => {
    const reply = setInterval(() => {
      if (fromNode.join('').includes('roomlinkCommand({"identify":true})')) {
        clearInterval(reply);
        dash.pty.write('{"node":"kitchen-1","room":"kitchen","info":{"version":"0.1.0","interval":60,"uptime":9,"free_blocks":1190,"errors":{}}}\n');
      }
    }, 20);
    const res = await http(dash.url, '/api/nodes/kitchen-1/command', { body: { identify: true } });
    clearInterval(reply);
    expect(res.status).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({ node: 'kitchen-1', via: 'serial', as: 'repl', port: dash.pty.devicePath, answered: true });
    expect(result.message).toMatch(/^identify: sent to .*; kitchen-1 answered after \d+\.\d s$/);
    expect(fromNode.join('')).toContain('\u0010roomlinkCommand({"identify":true})\n');
    expect(result.info.free_blocks).toBe(1190);
  });

  it('publishes a command for a WiFi node on its /set topic, and reports its answer', async () => {
    const res = await http(dash.url, '/api/nodes/living-1/command', { body: { interval: 30 } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ node: 'living-1', via: 'broker', topic: 'roomlink/living-1/set', answered: true });
    expect(wifi.commands).toEqual(['{"interval":30}']);
  });

  it('answers a room known only from a value the broker kept with no series, not a 404', async () => {
    // Kept (retained) before this hub subscribed: shown at once, recorded only once live.
    const cellar = await fakeWifiNode(broker.url, 'cellar-1', 'cellar');
    await cellar.reading('temperature', '12.5');
    const second = await startDashboardHub(broker.url, 'dash-http-2', {
      mqtt: { url: broker.url, client_id: 'dash-http-2', username: 'hub', password: BROKER_SECRET },
    });
    try {
      await waitFor('the cellar on the second dashboard', async () =>
        (await http(second.url, '/api/state')).json().rooms.some((r: { room: string }) => r.room === 'cellar'),
      );
      const res = await http(second.url, '/api/history?room=cellar&range=hour');
      expect(res.status).toBe(200);
      expect(res.json().series).toEqual([]);
      expect((await http(second.url, '/api/history?room=attic&range=hour')).status).toBe(404);
    } finally {
      await cellar.client.endAsync();
      await second.stop();
    }
  });

  it('refuses bad commands with a status and a message that say what is wrong', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => http(dash.url, path, { body, headers });
    const cases: [string, Promise<HttpResponse>, number, RegExp][] = [
      ['unknown node', post('/api/nodes/garage-9/command', { identify: true }), 404, /no node "garage-9"/],
      ['not a node id', post('/api/nodes/Kitchen%201/command', { identify: true }), 400, /not a node id/],
      ['interval 0', post('/api/nodes/kitchen-1/command', { interval: 0 }), 400, /interval: must be 1\.\.86400 seconds/],
      ['interval too long', post('/api/nodes/kitchen-1/command', { interval: 86401 }), 400, /interval: must be 1\.\.86400 seconds/],
      ['interval as text', post('/api/nodes/kitchen-1/command', { interval: '60' }), 400, /interval: must be 1\.\.86400 seconds/],
      ['unknown command', post('/api/nodes/kitchen-1/command', { selfdestruct: true }), 400, /unknown command/],
      ['two commands', post('/api/nodes/kitchen-1/command', { identify: true, reboot: true }), 400, /exactly one key/],
      ['not JSON', post('/api/nodes/kitchen-1/command', '{"identify":'), 400, /not JSON/],
      ['no body', post('/api/nodes/kitchen-1/command', ''), 400, /no body/],
      ['oversized body', post('/api/nodes/kitchen-1/command', JSON.stringify({ identify: true, pad: 'x'.repeat(MAX_BODY_BYTES) })), 413, /larger than 4096/],
      ['form post', post('/api/nodes/kitchen-1/command', 'identify=true', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /send JSON/],
      ['another origin', post('/api/nodes/kitchen-1/command', { identify: true }, { origin: 'http://evil.example' }), 403, /cross-origin/],
      ['another site', post('/api/nodes/kitchen-1/command', { identify: true }, { 'sec-fetch-site': 'cross-site' }), 403, /cross-origin/],
      ['wrong method', http(dash.url, '/api/nodes/kitchen-1/command'), 405, /GET is not allowed .* use POST/],
      ['wrong method on state', http(dash.url, '/api/state', { method: 'DELETE' }), 405, /DELETE is not allowed/],
      ['no such API', http(dash.url, '/api/nope'), 404, /no API/],
      ['bad range', http(dash.url, '/api/history?room=kitchen&range=year'), 400, /range must be hour, day, week/],
      ['unknown room', http(dash.url, '/api/history?room=attic&range=hour'), 404, /no history for room attic/],
      ['login without password', post('/api/login', { password: 'x' }), 400, /no password/],
    ];
    for (const [what, response, status, message] of cases) {
      const res = await response;
      expect(res.status, what).toBe(status);
      expect(res.json().error, what).toMatch(message);
    }
    // Behind a reverse proxy that rewrites Host, X-Forwarded-Host names the site: accepted.
    const proxied = await post('/api/nodes/garage-9/command', { identify: true }, { origin: 'https://hub.example.com', 'x-forwarded-host': 'hub.example.com' });
    expect(proxied.status).toBe(404);
    const wrong = await http(dash.url, '/api/state', { method: 'PUT', body: {} });
    expect(wrong.headers.allow).toBe('GET');
    // None of them reached the node.
    expect(fromNode.join('')).not.toMatch(/selfdestruct|"interval":0|86401|garage/);
  });

  it('answers only as 127.0.0.1 or localhost without a password (no DNS rebinding)', async () => {
    const rebound = await http(dash.url, '/api/state', { headers: { host: 'evil.example:8080' } });
    expect(rebound.status).toBe(421);
    expect(rebound.json().error).toMatch(/only as 127\.0\.0\.1 or localhost/);
    const local = await http(dash.url, '/api/state', { headers: { host: 'localhost:9000' } });
    expect(local.status).toBe(200);
  });

  it("never sends the broker password or a node's WiFi password to the browser", async () => {
    const events = await openEvents(dash.url);
    await wifi.reading('temperature', '19.7');
    await waitFor('a live reading on the stream', () => events.events().some((e) => e.event === 'readings'));
    events.close();
    const bodies = [events.text()];
    for (const path of ['/', '/js/app.js', '/api/state', '/api/session', '/api/history?range=week', '/api/history?room=living_room&range=day']) {
      bodies.push((await http(dash.url, path)).body);
    }
    for (const body of bodies) {
      expect(body).not.toContain(BROKER_SECRET);
      expect(body).not.toContain(WIFI_SECRET);
    }
    const state = JSON.parse(bodies[3]!);
    expect(state.nodes.find((n: { id: string }) => n.id === 'living-1').info.wifi).toEqual({ ssid: 'home' });
  });

  it('streams the state first, then changes: readings, nodes and the hub', async () => {
    const events = await openEvents(dash.url);
    expect(events.status).toBe(200);
    await waitFor('the state event', () => events.events()[0]?.event === 'state');
    dash.pty.write('{"node":"kitchen-1","room":"kitchen","humidity":41.5,"boot":"abc123"}\n');
    const readings = await waitFor('the humidity on the stream', () =>
      events
        .events()
        .find((e) => e.event === 'readings' && e.data.some((r: { measurement: string; value: number }) => r.measurement === 'humidity' && r.value === 41.5)),
    );
    expect(readings.data.find((r: { measurement: string }) => r.measurement === 'humidity')).toMatchObject({
      room: 'kitchen',
      node: 'kitchen-1',
      unit: '%',
      source: 'serial',
    });
    await waitFor('a hub event', () => events.events().some((e) => e.event === 'hub' && e.data.lines_read > 0));
    await wifi.client.publishAsync('roomlink/living-1/status', 'offline', { retain: true, qos: 1 });
    await waitFor('living-1 offline on the stream', () =>
      events.events().some((e) => e.event === 'node' && e.data.id === 'living-1' && e.data.status === 'offline'),
    );
    await wifi.client.publishAsync('roomlink/living-1/status', 'online', { retain: true, qos: 1 });
    events.close();
  });
});

describe.skipIf(!ok)('dashboard with a password', () => {
  const broker = new Mosquitto({ persistence: false });
  let dash: DashboardHub;

  beforeAll(async () => {
    await broker.start();
    dash = await startDashboardHub(broker.url, 'dash-login', { http: { password: 'correct horse' } });
  });

  afterAll(async () => {
    await dash?.stop();
    await broker.dispose();
  });

  it('needs a login for everything but the page, by an HttpOnly SameSite=Strict session cookie', async () => {
    expect((await http(dash.url, '/')).status).toBe(200);
    expect((await http(dash.url, '/api/session')).json()).toMatchObject({ auth: 'password', logged_in: false });
    for (const path of ['/api/state', '/api/events', '/api/history?range=hour']) {
      const res = await http(dash.url, path);
      expect(res.status, path).toBe(401);
      expect(res.json().error).toMatch(/log in first/);
    }
    const command = await http(dash.url, '/api/nodes/kitchen-1/command', { body: { identify: true } });
    expect(command.status).toBe(401);

    const wrong = await http(dash.url, '/api/login', { body: { password: 'wrong' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const right = await http(dash.url, '/api/login', { body: { password: 'correct horse' } });
    expect(right.status).toBe(200);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).toMatch(/^roomlink_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const session = cookie.split(';')[0]!;
    const state = await http(dash.url, '/api/state', { headers: { cookie: session } });
    expect(state.status).toBe(200);
    expect(state.body).not.toContain('correct horse');
    // A known host name is fine with a password (the session is the guard), another origin is not.
    expect((await http(dash.url, '/api/state', { headers: { cookie: session, host: 'pi.local:8080' } })).status).toBe(200);
    const crossSite = await http(dash.url, '/api/nodes/kitchen-1/command', {
      body: { identify: true },
      headers: { cookie: session, origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const unknown = await http(dash.url, '/api/nodes/kitchen-1/command', { body: { identify: true }, headers: { cookie: session } });
    expect(unknown.status).toBe(404);

    const out = await http(dash.url, '/api/logout', { body: {}, headers: { cookie: session } });
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await http(dash.url, '/api/state', { headers: { cookie: session } })).status).toBe(401);
  });

  it('slows down guessing: five wrong passwords, then 429 for a minute', async () => {
    for (let i = 0; i < 5; i++) expect((await http(dash.url, '/api/login', { body: { password: `guess ${i}` } })).status).toBe(401);
    const blocked = await http(dash.url, '/api/login', { body: { password: 'correct horse' } });
    expect(blocked.status).toBe(429);
    expect(blocked.json().error).toMatch(/too many wrong passwords/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe.skipIf(!ok)('dashboard start refusals', () => {
  const broker = new Mosquitto({ persistence: false });
  beforeAll(async () => {
    await broker.start();
  });
  afterAll(async () => {
    await broker.dispose();
  });

  let demoHelp: string | undefined;
  /** Every --flag named in a message must be one `roomlink hub` and `roomlink demo` take. */
  function expectRealFlags(message: string): void {
    demoHelp ??= spawnSync(process.execPath, ['cli/bin.js', 'demo', '--help'], { encoding: 'utf8' }).stdout;
    const flags = [...message.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      expect(
        HUB_FLAGS.map((f) => f.flag),
        `${flag} in "${message}"`,
      ).toContain(flag);
      if (flag !== '--http-password-file') expect(demoHelp, `${flag} in roomlink demo --help`).toContain(flag);
    }
  }

  it('refuses a network address without a password, naming the flag that sets one', async () => {
    const load = loadHubSettings({ argv: ['--http', '0.0.0.0:0', '--broker', broker.url], env: {} });
    await expect(load).rejects.toThrow(/flag --http: http\.listen: refusing to serve the dashboard on 0\.0\.0\.0 without a password/);
    const error = await load.then(
      () => '',
      (e: Error) => e.message,
    );
    expectRealFlags(error);
    // The same from the command line: exit 2, the message, no stack trace.
    const cli = spawnSync(process.execPath, ['cli/bin.js', 'hub', '--broker', broker.url, '--http', '0.0.0.0:0', '--serial', '/dev/null-none'], {
      encoding: 'utf8',
      env: { ...process.env, ROOMLINK_CONFIG: '' },
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/refusing to serve the dashboard on 0\.0\.0\.0 without a password/);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    // And the hub itself refuses, should its settings come from anywhere else.
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-dash-'));
    try {
      const settings = hubSettingsSchema.parse({ mqtt: { url: broker.url }, http: { listen: '127.0.0.1:0' }, data_dir: dataDir });
      settings.http.listen = '0.0.0.0:0';
      const hub = createHub(settings, { log: createLogger({ level: 'error' }) });
      await expect(hub.start()).rejects.toThrow(DashboardStartError);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    // With a password it listens there.
    const open = await startDashboardHub(broker.url, 'dash-open', { http: { listen: '0.0.0.0:0', password: 'pw' } });
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await http(open.url, '/api/state')).status).toBe(401);
    } finally {
      await open.stop();
    }
  });

  it('says when the port is taken and which flag picks another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startDashboardHub(broker.url, 'dash-busy', { http: { listen: `127.0.0.1:${port}` } }).then(
        async (d) => {
          await d.stop();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(DashboardStartError);
      expect(err!.message).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--http 127\\.0\\.0\\.1:\\d+.*--no-http`));
      expectRealFlags(err!.message);
      // `roomlink hub` prints it as one line and exits 1.
      const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-dash-'));
      const child = spawn(
        process.execPath,
        ['cli/bin.js', 'hub', '--broker', broker.url, '--http', `127.0.0.1:${port}`, '--data-dir', dataDir, '--serial', '/dev/null-none'],
        {
          env: { ...process.env, ROOMLINK_CONFIG: '' },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/already in use.*--no-http/);
      expect(stderr).not.toMatch(/\n\s+at /);
      rmSync(dataDir, { recursive: true, force: true });
    } finally {
      blocker.close();
    }
  });
});
