// The hub through real parts: a private Mosquitto, socat pty pairs as serial ports and
// MQTT.js subscribers. A line written on the node's side of a pty must come out on the
// broker as the right topic and payload, retained and at QoS 1; node state, discovery,
// health and downlink commands are checked the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../shared/line-protocol.ts';
import { hubSettingsSchema, type HubSettingsInput } from '../hub/config/schema.ts';
import { createHub } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { discoveryProblems } from './helpers/ha-rules.ts';
import { connectRecorder, type Recorder, subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach, mosquittoForAll } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto', 'socat');

describe.skipIf(!ok)('hub bridge (Mosquitto + pty)', () => {
  const broker = mosquittoForAll({ persistence: false });
  const cleanups = cleanupsAfterEach();
  let caseNo = 0;

  /** A hub on its own pty(s), data dir and client id; stopped after the test. */
  async function startHub(input: HubSettingsInput = {}, portCount = 1, portSettings: { node?: string; room?: string } = {}) {
    caseNo++;
    const ptys: PtyPair[] = [];
    for (let i = 0; i < portCount; i++) {
      const pty = await openPtyPair();
      ptys.push(pty);
      cleanups.push(() => pty.dispose());
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-hub-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const logLines: string[] = [];
    const settings = hubSettingsSchema.parse({
      mqtt: { url: broker.url, client_id: `hub-bridge-${caseNo}` },
      data_dir: dataDir,
      queue: { flush_interval_ms: 50 },
      http: { listen: '127.0.0.1:0' },
      ...input,
      serial: { ports: ptys.map((p) => ({ path: p.devicePath, ...portSettings })), ...input.serial },
    });
    const hub = createHub(settings, {
      log: createLogger({ level: 'info', stream: { write: (line: string) => logLines.push(line) } }),
      birthDelayMs: () => 10,
    });
    await hub.start();
    cleanups.push(() => hub.stop());
    await waitFor('the hub to connect', () => hub.stats().broker.connected);
    await waitFor('the ports to open', () => Object.values(hub.stats().ports).every((p) => (p as { state: string }).state === 'open'));
    return { hub, ptys, pty: ptys[0]!, logLines, settings };
  }

  /** A persistent-session client coming back: queued messages follow its CONNACK at once. */
  async function resume(clientId: string): Promise<Recorder> {
    const r = await connectRecorder(broker.url, { clientId, clean: false, reconnectPeriod: 0 });
    cleanups.push(() => r.client.endAsync(true));
    return r;
  }

  /** A plain MQTT.js client for publishing, closed after the test. */
  async function publisherClient() {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  async function recorder(filters: string | string[], options: Parameters<typeof subscribe>[2] = {}): Promise<Recorder> {
    const r = await subscribe(broker.url, filters, options);
    cleanups.push(() => r.client.endAsync(true));
    return r;
  }

  it('a line on the pty shows up on home/kitchen/temperature, retained, and at QoS 1 for an offline persistent subscriber', async () => {
    // A persistent session that is offline while the reading is published.
    const persistent = await subscribe(broker.url, 'home/kitchen/#', { clientId: 'persistent-kitchen', clean: false, qos: 1 });
    await persistent.client.endAsync();

    const live = await recorder('home/kitchen/#');
    const { pty, hub } = await startHub();
    pty.write('{"node":"kitchen-1","room":"kitchen","temperature":21.5,"humidity":40.25,"seq":1}\n');

    const temperature = await live.waitForTopic('home/kitchen/temperature');
    expect(temperature.payload).toBe('21.5');
    expect((await live.waitForTopic('home/kitchen/humidity')).payload).toBe('40.25');

    const late = await recorder('home/kitchen/temperature');
    const retained = await late.waitForTopic('home/kitchen/temperature');
    expect(retained).toMatchObject({ payload: '21.5', retain: true });

    await waitFor('the queue to empty', () => hub.stats().queued === 0);
    const back = await resume('persistent-kitchen');
    // Queued for the offline session (retain flag clear), not just the retained copy.
    const queued = await waitFor('the queued message', () => back.on('home/kitchen/temperature').find((m) => !m.retain));
    expect(queued).toMatchObject({ payload: '21.5', qos: 1 });
  });

  it('bridges a plain USB gadget whose key=value lines leave out the node its port setting names', async () => {
    const live = await recorder('home/office/#');
    const { pty, hub } = await startHub({}, 1, { node: 'usb-co2', room: 'office' });
    pty.write('booting CO2 sensor v1.2\ncarbon_dioxide=612\n');
    expect((await live.waitForTopic('home/office/carbon_dioxide')).payload).toBe('612');
    await waitFor('the gadget online', () => hub.stats().nodes['usb-co2']?.online);
  });

  it('refuses a bare key=value reading on a port that names no node, as no_node', async () => {
    const { pty, hub, logLines } = await startHub();
    pty.write('carbon_dioxide=612\nhello=world of prose\n{"node":"annex-9","room":"annex","temperature":20}\n');
    await waitFor('the good line', () => hub.stats().values_accepted === 1);
    expect(hub.stats().refused).toEqual({ no_node: 1 });
    expect(hub.stats().output_lines).toBe(1);
    expect(logLines.find((l) => l.includes('reason=no_node'))).toContain('serial.ports[].node');
  });

  it('publishes node status, info and Home Assistant discovery that follows the rules; offline after silence', async () => {
    const all = await recorder(['roomlink/#', 'homeassistant/#']);
    const { pty } = await startHub({ nodes: { 'hall-1': { availability_timeout: 0.4 } } });
    pty.write('{"node":"hall-1","room":"hall","info":{"version":"0.3.0","interval":30}}\n');
    pty.write('{"node":"hall-1","room":"hall","temperature":19,"motion":true}\n');

    // (A retained `offline` from the previous test's hub may come first.)
    await waitFor('bridge online', () => all.on('roomlink/bridge/status').find((m) => m.payload === 'online'));
    expect((await all.waitForTopic('roomlink/hall-1/status')).payload).toBe('online');
    expect(JSON.parse((await all.waitForTopic('roomlink/hall-1/info')).payload)).toEqual({ version: '0.3.0', interval: 30 });

    const config = await waitFor('discovery with both measurements', () =>
      all.on('homeassistant/device/hall-1/config').find((m) => m.payload.includes('"motion"') && m.payload.includes('"temperature"')),
    );
    const lateConfig = await (await recorder('homeassistant/device/hall-1/config')).waitForTopic('homeassistant/device/hall-1/config');
    expect(lateConfig).toMatchObject({ retain: true, payload: config.payload });
    const statusOf = (topic: string) => all.on(topic).at(-1)?.payload;
    expect(discoveryProblems(config.topic, config.payload, statusOf)).toEqual([]);
    const doc = JSON.parse(config.payload);
    expect(doc.avty.map((a: { t: string }) => a.t)).toEqual(['roomlink/hall-1/status', 'roomlink/bridge/status']);
    expect(doc.cmps.temperature.stat_t).toBe('home/hall/temperature');
    expect(doc.dev.sw).toBe('0.3.0');

    // No line for 0.4 s: offline, retained.
    await waitFor('hall-1 offline', () => all.on('roomlink/hall-1/status').find((m) => m.payload === 'offline'), 5000);
    const lateStatus = await (await recorder('roomlink/hall-1/status')).waitForTopic('roomlink/hall-1/status');
    expect(lateStatus).toMatchObject({ retain: true, payload: 'offline' });
    // The next line brings it back.
    pty.write('{"node":"hall-1","temperature":19.5}\n');
    await waitFor('hall-1 online again', () => all.on('roomlink/hall-1/status').filter((m) => m.payload === 'online').length >= 2);
  });

  it('republishes discovery when Home Assistant says online, and marks nodes offline when their port is unplugged', async () => {
    const all = await recorder(['roomlink/+/status', 'homeassistant/device/#']);
    const { pty } = await startHub();
    pty.write('{"node":"porch-1","room":"porch","door":false}\n');
    await waitFor('discovery', () => all.on('homeassistant/device/porch-1/config').length === 1);

    const ha = await publisherClient();
    await ha.publishAsync('homeassistant/status', 'online');
    await waitFor('discovery again', () => all.on('homeassistant/device/porch-1/config').length === 2);

    await pty.close();
    await waitFor('porch-1 offline', () => all.on('roomlink/porch-1/status').at(-1)?.payload === 'offline');
  });

  it('sends a command to a roomlink node as the exact echo-off REPL line, and JSON to a plain device', async () => {
    const { ptys, hub, logLines } = await startHub({}, 2);
    const [firmwarePty, plainPty] = ptys as [PtyPair, PtyPair];
    // No info line: the boot id on its reading is what says the node runs roomlink firmware.
    firmwarePty.write('{"node":"desk-1","room":"office","temperature":20,"seq":0,"boot":"k3f9a"}\n');
    plainPty.write('node=usb-co2 room=office carbon_dioxide=612\n');
    await waitFor('both nodes', () => hub.stats().nodes['desk-1'] && hub.stats().nodes['usb-co2']);

    const received = (pty: PtyPair) => {
      let text = '';
      const stream = pty.readNodeSide();
      stream.on('data', (chunk) => (text += chunk.toString('latin1')));
      // EIO once the pty is closed at the end of the test.
      stream.on('error', () => {});
      cleanups.push(() => stream.destroy());
      return () => text;
    };
    // The hub also acknowledges the node's numbered readings there; those lines are not the point here.
    const atFirmwareRaw = received(firmwarePty);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: \u0010 (DLE) is the prefix by which Espruino runs the hub's ack call without echoing it.
    const atFirmware = () => atFirmwareRaw().replace(/\u0010roomlinkAck\([^\n]*\n/g, '');
    const atPlain = received(plainPty);

    const sender = { client: await publisherClient() };
    await sender.client.publishAsync('roomlink/desk-1/set', '{"interval":  30}', { qos: 1 });
    await sender.client.publishAsync('roomlink/usb-co2/set', '{"calibrate":400,"label":"a\\u2028b"}', { qos: 1 });
    const expected = commandLine({ interval: 30 });
    expect(expected).toBe('\u0010roomlinkCommand({"interval":30})\n');
    await waitFor('the REPL line at the firmware node', () => atFirmware() === expected);
    await waitFor('the JSON line at the plain device', () => atPlain() === '{"calibrate":400,"label":"a\\u2028b"}\n');

    // Refused: not JSON, not an object, not a firmware command; nothing written. A command
    // for a node this hub does not serve (a WiFi node's) is not refused, only counted.
    await sender.client.publishAsync('roomlink/desk-1/set', '{"interval":', { qos: 1 });
    await sender.client.publishAsync('roomlink/desk-1/set', '[1,2]', { qos: 1 });
    await sender.client.publishAsync('roomlink/wifi-node/set', '{"identify":true}', { qos: 1 });
    await sender.client.publishAsync('roomlink/desk-1/set', '{"format":"flash"}', { qos: 1 });
    const refused = await waitFor('three refusals', () => {
      const r = hub.stats().commands.refused;
      return r.malformed_json === 1 && r.not_object === 1 && r.invalid_command === 1 ? r : undefined;
    });
    expect(refused).toEqual({ malformed_json: 1, not_object: 1, invalid_command: 1 });
    await waitFor('the WiFi node command counted', () => hub.stats().commands.not_ours === 1);
    expect(logLines.filter((l) => l.includes('wifi-node'))).toEqual([]);
    expect(hub.stats().commands.sent).toBe(2);
    expect(atFirmware()).toBe(expected);
  });

  it('refuses bad lines with a log line naming port, reason and a safe excerpt, counts them in health, and bridges the good ones around them', async () => {
    const sub = await recorder(['home/#', 'roomlink/bridge/health']);
    const { pty, logLines } = await startHub({ health: { interval: 0.2 } });
    pty.write('{"node":"lab-1","room":"lab","temperature":20}\n');
    pty.write('{"node":"lab-1","room":"lab","temperature":\n');
    pty.write('{"node":"lab-1","room":"a/b","temperature":20}\n');
    pty.write('{"node":"#","room":"lab","temperature":20}\n');
    pty.write('{"node":"lab-1","room":"lab","temperature":900}\n');
    pty.write(Buffer.concat([Buffer.from('{"node":"lab-1","room":"lab","temperature":2'), Buffer.from([0xff, 0xfe]), Buffer.from('}\n')]));
    pty.write(`${'x'.repeat(3000)}\n`);
    pty.write('{"node":"lab-1","temperature":21}\n');
    pty.write('{"node":"lab-2","temperature":22}\n');
    pty.write('{"node":"lab-1","room":"lab","temperature":23,"bogus":1}\n');

    await waitFor('three temperatures', () => sub.on('home/lab/temperature').length === 3);
    expect(sub.on('home/lab/temperature').map((m) => m.payload)).toEqual(['20', '21', '23']);
    const health = await waitFor('a health report with all refusals', () => {
      const last = sub.on('roomlink/bridge/health').at(-1);
      const report = last && JSON.parse(last.payload);
      return report?.refused_total === 8 ? report : undefined;
    });
    expect(health.refused).toEqual({
      malformed_json: 1,
      invalid_room: 1,
      invalid_node: 1,
      out_of_range: 1,
      binary: 1,
      too_long: 1,
      no_room: 1,
      unknown_measurement: 1,
    });
    expect(health.lines_read).toBe(10);
    expect(health.values_accepted).toBe(3);
    expect(health.ports[pty.devicePath]).toMatchObject({ state: 'open', lines: 9 });
    const live = sub.messages.filter((m) => !m.retain);
    expect(live.every((m) => m.topic === 'roomlink/bridge/health' || m.topic === 'home/lab/temperature')).toBe(true);

    const refusal = logLines.find((l) => l.includes('reason=invalid_room'))!;
    expect(refusal).toContain(`port=${pty.devicePath}`);
    expect(refusal).toContain('excerpt=');
    const binary = logLines.find((l) => l.includes('reason=binary'))!;
    expect([...binary].filter((ch) => ch.charCodeAt(0) <= 8 || ch === '\ufffd')).toEqual([]);
  });

  it("reports two nodes claiming one state topic and keeps the first one's value", async () => {
    const sub = await recorder('home/galley/#');
    const { ptys, hub } = await startHub({}, 2);
    ptys[0]!.write('{"node":"galley-1","room":"galley","temperature":21}\n');
    await sub.waitForTopic('home/galley/temperature');
    ptys[1]!.write('{"node":"galley-2","room":"galley","temperature":25,"humidity":50}\n');
    await sub.waitForTopic('home/galley/humidity');
    ptys[0]!.write('{"node":"galley-1","room":"galley","temperature":21.5}\n');
    await waitFor('the second value of galley-1', () => sub.on('home/galley/temperature').length === 2);

    expect(sub.on('home/galley/temperature').map((m) => m.payload)).toEqual(['21', '21.5']);
    const stats = hub.stats();
    expect(stats.refused.topic_conflict).toBe(1);
    expect(stats.topic_conflicts).toEqual([{ topic: 'home/galley/temperature', owner: 'galley-1', other: 'galley-2', refused: 1 }]);
  });
});
