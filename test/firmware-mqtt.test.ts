// dist/firmware.js in the host runtime, talking MQTT to a private Mosquitto (issue 4, "Must
// show"): readings, Last Will, readings kept through a broker outage and a reboot, the
// interval command, and no password on the console.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe, type Received, type Recorder } from '../bench/helpers/mqtt.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { ensureFirmwareBuilt } from '../tools/toolchain/build.ts';
import { checkEspruinoSafety } from '../tools/toolchain/espruino-check.ts';
import { Scd4x } from '../espruino-host/devices/index.ts';
import { firmwareCode, SimNode } from './firmware-node.ts';

const haveTools = requireTools('mosquitto');
const MQTT_PASSWORD = 'mqtt-Pa55-do-not-print';
const WIFI_PASSWORD = 'wifi-Pa55-do-not-print';

/** A node whose illuminance is the time since `t0` (x100), so every reading is distinct and increasing. */
function clockConfig(node: string, port: number, interval = 1) {
  return {
    node,
    room: 'kitchen',
    wifi: { ssid: 'home', password: WIFI_PASSWORD },
    mqtt: { host: '127.0.0.1', port, username: 'kitchen', password: MQTT_PASSWORD, keepalive: 5 },
    interval,
    sensors: [
      { type: 'sim', measurement: 'temperature' },
      { type: 'sim', measurement: 'humidity' },
      { type: 'analog', pin: 36, measurement: 'illuminance', scale: 100000 },
    ],
  };
}

/** Drives pin 36 so that illuminance = seconds since start x 100 (fraction = s / 1000). */
function clockPin(node: SimNode): { stop: () => void; now: () => number } {
  const t0 = Date.now();
  const now = () => (Date.now() - t0) / 10;
  const set = () => node.runtime.pins.setAnalog(36, now() / 1e5);
  set();
  const timer = setInterval(set, 10);
  return { stop: () => clearInterval(timer), now };
}

/** Live (not retained-on-subscribe) values of one topic, as numbers, in arrival order. */
function liveValues(rec: Recorder, topic: string): number[] {
  return rec.messages.filter((m: Received) => m.topic === topic && !m.retain).map((m) => Number(m.payload));
}

/** Consecutive duplicates (QoS 1 redelivery) removed. */
/** First arrival of each value: QoS 1 may redeliver a reading later (each value is unique). */
function dedupe(values: number[]): number[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}

describe.skipIf(!haveTools)('firmware over MQTT in the host runtime', () => {
  let broker: Mosquitto;
  let code: string;

  beforeAll(async () => {
    broker = await startMosquitto();
    code = await firmwareCode();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  test('the Espruino-safety check passes on dist/firmware.js and the minified file', async () => {
    const build = await ensureFirmwareBuilt();
    expect(checkEspruinoSafety(readFileSync(build.path, 'utf8'))).toEqual([]);
    expect(checkEspruinoSafety(readFileSync(build.minifiedPath, 'utf8'))).toEqual([]);
  });

  test('publishes its readings, status, info and discovery; a cut socket makes the broker publish the Last Will', async () => {
    const sub = await subscribe(broker.url, ['home/kitchen/#', 'roomlink/kitchen-1/#', 'homeassistant/device/kitchen-1/config']);
    const node = new SimNode(clockConfig('kitchen-1', broker.port), code);
    const clock = clockPin(node);
    try {
      node.boot();
      await node.waitForLine('the startup line', (l) => l.includes('roomlink 0.1.0 running node=kitchen-1 transport=wifi'));
      for (const m of ['temperature', 'humidity', 'illuminance']) {
        const msg = await sub.waitForTopic(`home/kitchen/${m}`);
        expect(Number.isFinite(Number(msg.payload))).toBe(true);
      }
      const t = sub.on('home/kitchen/temperature')[0];
      expect(Number(t.payload)).toBeGreaterThan(10);
      expect(Number(t.payload)).toBeLessThan(35);
      // Retained readings: a late subscriber gets the last value at once.
      const late = await subscribe(broker.url, 'home/kitchen/humidity');
      const retained = await late.waitForTopic('home/kitchen/humidity');
      expect(retained.retain).toBe(true);
      await late.end();

      const status = await waitFor('online status', () => sub.on('roomlink/kitchen-1/status').find((m) => m.payload === 'online'));
      expect(status.payload).toBe('online');
      const info = JSON.parse((await sub.waitForTopic('roomlink/kitchen-1/info')).payload);
      expect(info).toMatchObject({ version: '0.1.0', room: 'kitchen', transport: 'wifi', interval: 1, sensors: ['sim', 'sim', 'analog'] });
      expect(typeof info.free_blocks).toBe('number');
      const discovery = JSON.parse((await sub.waitForTopic('homeassistant/device/kitchen-1/config')).payload);
      expect(Object.keys(discovery.cmps).sort()).toEqual(['humidity', 'illuminance', 'temperature']);
      expect(discovery.avty).toEqual([{ t: 'roomlink/kitchen-1/status' }]);
      expect(discovery.cmps.temperature.unit_of_meas).toBe('\u00b0C');

      // Pull the plug on its TCP link: no DISCONNECT, so the broker sends the Last Will.
      const before = sub.on('roomlink/kitchen-1/status').length;
      node.runtime.net.cutAll();
      const will = await waitFor(
        'Last Will',
        () =>
          sub
            .on('roomlink/kitchen-1/status')
            .slice(before)
            .find((m) => m.payload === 'offline'),
        15_000,
      );
      expect(will.payload).toBe('offline');
      // ... and it comes back by itself.
      await waitFor(
        'online again',
        () =>
          sub
            .on('roomlink/kitchen-1/status')
            .slice(before)
            .find((m) => m.payload === 'online'),
        15_000,
      );
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
    expect(node.output).not.toContain(MQTT_PASSWORD);
    expect(node.output).not.toContain(WIFI_PASSWORD);
  });

  test('a reading round never runs while discovery streams (RAM): the round that waited follows it', async () => {
    // Eight measurements make a discovery of nine pieces, and on a slow link (each 'drain'
    // 300 ms after the data left) the firmware sends one every 150 ms: longer than the 1 s
    // interval, so a round falls due while it streams. Illuminance is the clock (in 10 ms
    // since start), so each reading says when its round ran.
    const sensors = [
      { type: 'analog', pin: 36, measurement: 'illuminance', scale: 100000 },
      ...['temperature', 'humidity', 'pressure', 'carbon_dioxide', 'pm1', 'pm25', 'pm10'].map((m) => ({ type: 'sim', measurement: m })),
    ];
    const config = { ...clockConfig('pantry-1', broker.port), room: 'pantry', sensors };
    const sub = await subscribe(broker.url, ['roomlink/pantry-1/status', 'homeassistant/device/pantry-1/config', 'home/pantry/illuminance']);
    const node = new SimNode(config, code, { sendDelayMs: 300 });
    const clock = clockPin(node);
    const arrived: Record<string, number> = {};
    sub.client.on('message', (topic, payload) => {
      arrived[`${topic} ${payload}`] ??= clock.now();
    });
    try {
      node.boot();
      const discovery = await sub.waitForTopic('homeassistant/device/pantry-1/config', 15_000);
      expect(Object.keys(JSON.parse(discovery.payload).cmps)).toHaveLength(8);
      const streamEnd = arrived[`homeassistant/device/pantry-1/config ${discovery.payload}`]!;
      const online = arrived['roomlink/pantry-1/status online']!;
      expect(streamEnd - online).toBeGreaterThan(100);
      // The round that waited: taken within 1.5 s after the discovery arrived.
      await waitFor('a reading after the discovery', () => liveValues(sub, 'home/pantry/illuminance').find((v) => v > streamEnd), 10_000);
      const taken = dedupe(liveValues(sub, 'home/pantry/illuminance'));
      // Slack: the node reads the clock pin a moment after its round begins, and the round
      // that waited starts as the last piece is written, up to tens of ms before the
      // broker has passed the whole discovery on.
      expect(taken.filter((v) => v > online + 1 && v < streamEnd - 5)).toEqual([]);
      expect(taken.find((v) => v > streamEnd)! - streamEnd).toBeLessThan(150);
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
  });

  test('discovery waits for a round running when the broker answers', async () => {
    // An SCD41 just started has no measurement for 5 s, so the boot round asks it for 2 s
    // before it gives up and reads the clock pin: the broker answers long before that.
    const sensors = [{ type: 'scd4x' }, { type: 'analog', pin: 36, measurement: 'illuminance', scale: 100000 }];
    const config = { ...clockConfig('cellar-1', broker.port), room: 'cellar', sensors };
    const sub = await subscribe(broker.url, ['roomlink/cellar-1/status', 'homeassistant/device/cellar-1/config', 'home/cellar/illuminance']);
    const node = new SimNode(config, code, { devices: { i2c: [new Scd4x({ periodMs: 5000 })] } });
    const clock = clockPin(node);
    const arrived: Record<string, number> = {};
    sub.client.on('message', (topic) => {
      arrived[topic] ??= clock.now();
    });
    try {
      node.boot();
      await sub.waitForTopic('homeassistant/device/cellar-1/config', 15_000);
      const boot = await waitFor('the boot round', () => liveValues(sub, 'home/cellar/illuminance')[0], 10_000);
      // The clock pin is read at the end of the boot round, 2 s in; the broker said online first.
      expect(boot).toBeGreaterThan(150);
      expect(arrived['roomlink/cellar-1/status']!).toBeLessThan(boot);
      expect(arrived['homeassistant/device/cellar-1/config']!).toBeGreaterThan(boot);
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
  });

  test('every reading taken while the broker is down arrives after it returns, in order, also across a reboot', async () => {
    const topic = 'home/outage/illuminance';
    const sub = await subscribe(broker.url, topic, { clean: false, clientId: 'fw-outage-sub' });
    const config = { ...clockConfig('outage-1', broker.port), room: 'outage' };
    const node = new SimNode(config, code);
    const clock = clockPin(node);
    try {
      node.boot();
      await sub.waitForCount(2, (m) => m.topic === topic && !m.retain);

      // Lines the node has put in its flash queue while offline (one per value, three per reading).
      const queuedLines = () =>
        node.runtime.storage
          .storageFileChunks()
          .filter((name) => name.length === 11 && name.startsWith('roomlink.q') && name.charCodeAt(10) >= 1 && name.charCodeAt(10) <= 0x7f)
          .map((name) => node.runtime.storage.readBinary(name)!.split('\n').length - 1)
          .reduce((a, b) => a + b, 0);

      // Outage 1: the broker is gone and the node keeps measuring, into its flash queue.
      await broker.kill();
      let queuedBefore = queuedLines();
      await waitFor('readings queued while the broker is down', () => queuedLines() >= queuedBefore + 15, 30_000);
      await broker.start();
      // Delivery is in order, so once a reading taken after the broker return has come,
      // everything measured during the outage has come before it (checked below).
      let back = clock.now();
      await waitFor('a reading taken after the broker returned', () => liveValues(sub, topic).some((v) => v > back), 30_000);

      // Outage 2 with a reboot in the middle: queued readings survive it.
      await broker.kill();
      queuedBefore = queuedLines();
      await waitFor('readings queued before the reboot', () => queuedLines() >= queuedBefore + 9, 30_000);
      node.runtime.reboot();
      await node.waitForLine('the firmware after reboot', (l) => l.includes('running node=outage-1'));
      queuedBefore = queuedLines();
      await waitFor('readings queued after the reboot', () => queuedLines() >= queuedBefore + 6, 30_000);
      await broker.start();
      back = clock.now();
      await waitFor('a reading taken after the reboot and the broker return', () => liveValues(sub, topic).some((v) => v > back), 30_000);

      const values = dedupe(liveValues(sub, topic));
      // In order: strictly increasing once QoS 1 redeliveries are removed ...
      for (let i = 1; i < values.length; i++) expect(values[i], `reading ${i} of ${values.join(', ')}`).toBeGreaterThan(values[i - 1]);
      // ... and complete: readings are one interval apart (100 per second here), none missing.
      for (let i = 1; i < values.length; i++) expect(values[i] - values[i - 1], `gap before reading ${i} of ${values.join(', ')}`).toBeLessThan(175);
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
  }, 120_000);

  test('a command on roomlink/<node>/set changes the interval, and it survives a reboot', async () => {
    const sub = await subscribe(broker.url, ['home/cmd/illuminance', 'roomlink/cmd-1/info']);
    const node = new SimNode({ ...clockConfig('cmd-1', broker.port), room: 'cmd' }, code);
    const clock = clockPin(node);
    try {
      node.boot();
      await sub.waitForCount(3, (m) => m.topic === 'home/cmd/illuminance' && !m.retain);
      await sub.client.publishAsync('roomlink/cmd-1/set', '{"interval":2}', { qos: 1 });
      const changed = await waitFor('info with interval 2', () => sub.on('roomlink/cmd-1/info').find((m) => JSON.parse(m.payload).interval === 2));
      const from = sub.messages.indexOf(changed);
      const live = () =>
        sub.messages
          .slice(from)
          .filter((m) => m.topic === 'home/cmd/illuminance' && !m.retain)
          .map((m) => Number(m.payload));
      const readings = await waitFor('three readings at the new interval', () => live().length >= 3 && live(), 20_000);
      // The node's own clock (illuminance = time x 100) shows the new cadence: 2 s apart.
      for (let i = 1; i < readings.length; i++) {
        expect(readings[i] - readings[i - 1]).toBeGreaterThan(170);
        expect(readings[i] - readings[i - 1]).toBeLessThan(250);
      }
      // A refused command changes nothing and says why on the console.
      await sub.client.publishAsync('roomlink/cmd-1/set', '{"interval":0}', { qos: 1 });
      await node.waitForLine('refusal', (l) => l.includes('command refused: interval: must be 1..86400 seconds'));

      node.runtime.reboot();
      const infos = sub.on('roomlink/cmd-1/info').length;
      const after = await waitFor('info after reboot', () => sub.on('roomlink/cmd-1/info').slice(infos)[0], 15_000);
      expect(JSON.parse(after.payload).interval).toBe(2);

      // A retained reboot is carried out once (it arrives live), not again at every connect:
      // the retained copy the broker hands over after the reboot is ignored.
      await sub.client.publishAsync('roomlink/cmd-1/set', '{"reboot":true}', { qos: 1, retain: true });
      await node.waitForLine('the retained copy ignored after the reboot', (l) => l.includes('retained command ignored'), 20_000);
      await sub.client.publishAsync('roomlink/cmd-1/set', '', { qos: 1, retain: true });
      expect(node.lines.filter((l) => l.includes('roomlink: rebooting')).length).toBe(1);
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
  }, 60_000);

  test('battery mode on an ESP32 board: WiFi, readings delivered, then deep sleep, again after each wake', async () => {
    const sub = await subscribe(broker.url, ['home/porch/#'], { clean: false, clientId: 'fw-battery-sub' });
    const config = { ...clockConfig('porch-1', broker.port), room: 'porch', sleep: 60 };
    const node = new SimNode(config, code, { board: 'esp32', accessPoint: { ssid: 'home', password: WIFI_PASSWORD }, sleepTimeScale: 0.02 });
    const sleeps: number[] = [];
    node.runtime.on('deepSleep', (us: number) => sleeps.push(us));
    const clock = clockPin(node);
    try {
      node.boot();
      await waitFor('two deep sleeps', () => sleeps.length >= 2, 30_000);
      expect(sleeps[0]).toBe(60e6);
      // Each wake delivered its readings before sleeping: one per wake, all live, in order.
      const values = await waitFor('two readings', () => {
        const v = liveValues(sub, 'home/porch/illuminance');
        return v.length >= 2 && v;
      });
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]);
      expect(node.output).toContain('deep sleep for 60 s');
    } finally {
      clock.stop();
      node.dispose();
      await sub.end();
    }
    expect(node.output).not.toContain(WIFI_PASSWORD);
  }, 60_000);

  test('an invalid config gives a clear message, an idle REPL and no password on the console', async () => {
    const bad = { ...clockConfig('bad-1', broker.port), interval: 0 };
    const node = new SimNode(bad, code);
    try {
      node.boot();
      await node.waitForLine('the config problem', (l) => l.includes('invalid roomlink.json: interval: must be 1..86400 seconds'));
      // Idle, not crashed: the REPL answers, and the command entry point says why it does nothing.
      expect(node.runtime.running).toBe(true);
      node.runtime.run('roomlinkCommand({"info":true})');
      await node.waitForLine('command refusal', (l) => l.includes('no config, command ignored'));
      expect(node.output).not.toContain(MQTT_PASSWORD);
      expect(node.output).not.toContain(WIFI_PASSWORD);
    } finally {
      node.dispose();
    }
  });
});
