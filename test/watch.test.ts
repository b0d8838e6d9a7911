import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { requireTools } from '../bench/helpers/tools.ts';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { discoveryMessage } from '../shared/discovery.ts';
import { DEFAULT_PREFIXES } from '../shared/topics.ts';

const ok = requireTools('mosquitto');

describe.skipIf(!ok)('roomlink watch through Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => broker?.dispose());

  it('prints retained and live readings with unit and node, as JSON', async () => {
    const pub = await mqtt.connectAsync(broker.url);
    const disc = discoveryMessage(DEFAULT_PREFIXES, { node: 'kitchen-1', room: 'kitchen', measurements: ['temperature', 'motion'], availability: [] });
    await pub.publishAsync(disc.topic, disc.payload, { retain: true, qos: 1 });
    await pub.publishAsync('home/kitchen/temperature', '21.5', { retain: true, qos: 1 });
    await pub.publishAsync('home/garage/temperature', 'warm', { retain: true, qos: 1 });

    const child = spawn(process.execPath, ['cli/bin.js', 'watch', '--broker', broker.url, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    await waitFor('retained readings', () => lines().length >= 2);
    await pub.publishAsync('home/kitchen/motion', 'ON', { qos: 1 });
    await waitFor('the live reading', () => lines().some((l) => l.measurement === 'motion'));
    const got = lines();
    expect(got.find((l) => l.topic === 'home/kitchen/temperature')).toMatchObject({
      value: 21.5,
      unit: '°C',
      node: 'kitchen-1',
      retained: true,
      room: 'kitchen',
    });
    expect(got.find((l) => l.topic === 'home/garage/temperature')).toMatchObject({ payload: 'warm', problem: expect.stringContaining('finite number') });
    expect(got.find((l) => l.measurement === 'motion')).toMatchObject({ value: true, node: 'kitchen-1', retained: false });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    await pub.endAsync();
  });

  it('refuses an invalid filter', async () => {
    const child = spawn(process.execPath, ['cli/bin.js', 'watch', 'home/#/x', '--broker', broker.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain("'#' at position 6");
  });
});
