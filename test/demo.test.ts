// `roomlink demo` headless, as `npm start` runs it, with Home Assistant's view of it:
// readings from both rooms, mosquitto_sub on home/kitchen/#, discovery that follows Home
// Assistant's rules, and discovery sent again when Home Assistant announces itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools, toolPath } from '../bench/helpers/tools.ts';
import { subscribe, type Recorder } from '../bench/helpers/mqtt.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { discoveryProblems } from './helpers/ha-rules.ts';

const ok = requireTools('mosquitto_sub');

describe.skipIf(!ok)('roomlink demo (npm start), headless', () => {
  let demo: ChildProcess;
  let out = '';
  let err = '';
  let port = 0;
  let ha: Recorder;

  beforeAll(async () => {
    demo = spawn(process.execPath, ['cli/bin.js', 'demo', '--port', '0', '--http', '127.0.0.1:0', '--plain', '--interval', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d) => (out += d));
    demo.stderr!.on('data', (d) => (err += d));
    port = await waitFor('the demo to print its broker URL', () => Number(/broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]) || undefined, 50_000);
    ha = await subscribe(`mqtt://127.0.0.1:${port}`, ['homeassistant/#', 'roomlink/+/status', 'roomlink/bridge/status']);
  });

  afterAll(async () => {
    await ha?.end();
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
    }
  });

  it('shows both rooms, and mosquitto_sub sees the kitchen', async () => {
    const sub = spawn(toolPath('mosquitto_sub'), ['-h', '127.0.0.1', '-p', String(port), '-t', 'home/kitchen/#', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let subOut = '';
    sub.stdout.on('data', (d) => (subOut += d));
    try {
      await waitFor(
        'readings from the kitchen and the living room',
        () => /^kitchen temperature .* °C \(kitchen-1\)$/m.test(out) && /^living_room pressure .* hPa \(living-1\)$/m.test(out),
        60_000,
      );
      await waitFor(
        'mosquitto_sub to print kitchen readings',
        () => /^home\/kitchen\/temperature -?\d+(\.\d+)?$/m.test(subOut) && /^home\/kitchen\/humidity /m.test(subOut),
      );
      // The kitchen's simulated SCD41 and PMS5003 (the PMS5003's fan needs 30 s after power-up).
      await waitFor(
        'CO2 and PM2.5 in the kitchen',
        () => /^kitchen carbon_dioxide \d+ ppm \(kitchen-1\)$/m.test(out) && /^kitchen pm25 \d+ µg\/m³ \(kitchen-1\)$/m.test(out),
        60_000,
      );
      await waitFor(
        'mosquitto_sub to print CO2 and PM2.5',
        () => /^home\/kitchen\/carbon_dioxide \d+$/m.test(subOut) && /^home\/kitchen\/pm25 \d+$/m.test(subOut),
      );
      expect(subOut).not.toMatch(/home\/living_room/);
    } finally {
      sub.kill();
    }
    // Readings carry the shared schema: values inside the measurement's range, units shown.
    const kitchenTemps = [...out.matchAll(/^kitchen temperature (-?[\d.]+) °C/gm)].map((m) => Number(m[1]));
    expect(kitchenTemps.length).toBeGreaterThan(0);
    for (const t of kitchenTemps) expect(t).toBeGreaterThan(-55);
  }, 120_000);

  it('announces both nodes to Home Assistant by its rules, with availability that says online', async () => {
    const configs = await waitFor('discovery for both nodes', () => {
      const kitchen = ha.messages.find((m) => m.topic === 'homeassistant/device/kitchen-1/config');
      const living = ha.messages.find((m) => m.topic === 'homeassistant/device/living-1/config');
      return kitchen && living ? [kitchen, living] : undefined;
    });
    const statusOf = (topic: string) => ha.messages.filter((m) => m.topic === topic).at(-1)?.payload;
    await waitFor(
      'node and bridge status online',
      () =>
        statusOf('roomlink/kitchen-1/status') === 'online' &&
        statusOf('roomlink/living-1/status') === 'online' &&
        statusOf('roomlink/bridge/status') === 'online',
    );
    const discovery = ha.messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
    expect(discovery.length).toBeGreaterThanOrEqual(2);
    for (const m of discovery) expect(discoveryProblems(m.topic, m.payload, statusOf), m.topic).toEqual([]);
    // What Home Assistant gets when it (re)subscribes: the latest of each, retained. (Discovery
    // grows with the measurements a node published: PM2.5 comes 30 s after the others.)
    const late = await subscribe(`mqtt://127.0.0.1:${port}`, ['homeassistant/device/+/config']);
    try {
      await late.waitForTopic('homeassistant/device/kitchen-1/config');
      await late.waitForTopic('homeassistant/device/living-1/config');
      for (const m of late.messages) expect(m.retain, `${m.topic} retained`).toBe(true);
      const latest = late.on('homeassistant/device/kitchen-1/config')[0];
      expect(discoveryProblems(latest.topic, latest.payload, statusOf)).toEqual([]);
      configs[0] = latest;
    } finally {
      await late.end();
    }
    const kitchen = JSON.parse(configs[0].payload);
    expect(Object.keys(kitchen.cmps).sort()).toEqual(['carbon_dioxide', 'humidity', 'motion', 'pm1', 'pm10', 'pm25', 'temperature']);
    expect(kitchen.cmps.temperature.unit_of_meas).toBe('°C');
    expect(kitchen.cmps.carbon_dioxide).toMatchObject({ dev_cla: 'carbon_dioxide', unit_of_meas: 'ppm' });
    expect(kitchen.cmps.pm25).toMatchObject({ dev_cla: 'pm25', unit_of_meas: 'µg/m³' });
    const living = JSON.parse(configs[1].payload);
    expect(Object.keys(living.cmps).sort()).toEqual(['pressure', 'temperature']);
    expect(living.cmps.pressure.unit_of_meas).toBe('hPa');
  });

  it('sends discovery again when Home Assistant comes online: the hub for kitchen-1, living-1 by itself', async () => {
    const before = ha.messages.length;
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 0 });
    for (const node of ['kitchen-1', 'living-1']) {
      const again = await waitFor(
        `${node}'s discovery re-sent after the birth message`,
        () => ha.messages.slice(before).find((m) => m.topic === `homeassistant/device/${node}/config` && !m.retain),
        20_000,
      );
      expect(discoveryProblems(again.topic, again.payload)).toEqual([]);
    }
    // The embedded broker lets a WiFi node read the birth topic (it once refused it).
    expect(out + err).not.toMatch(/subscription refused/);
  });

  it('stops cleanly on Ctrl-C, telling Home Assistant that the nodes and the hub are offline', async () => {
    const before = ha.messages.length;
    const code = await new Promise<number | null>((resolve) => {
      demo.once('exit', resolve);
      demo.kill('SIGINT');
    });
    expect(code, err.slice(-2000)).toBe(0);
    expect(err).not.toMatch(/Error|ERROR/);
    // Seen by a subscriber on the demo's broker before it closed (and kept, retained, in its data).
    const offline = ha.messages
      .slice(before)
      .filter((m) => m.payload === 'offline')
      .map((m) => m.topic);
    expect(offline).toContain('roomlink/kitchen-1/status');
    expect(offline).toContain('roomlink/living-1/status');
    expect(offline.indexOf('roomlink/bridge/status')).toBeGreaterThan(offline.indexOf('roomlink/kitchen-1/status'));
  });
});
