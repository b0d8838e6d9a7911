// The whole serial chain: dist/firmware.js with "transport":"serial" in the host runtime,
// behind the REPL console a board runs (echo, prompt, what a program prints while the
// prompt shows), written into a socat pty; `roomlink hub` (the real CLI, as a child process)
// reading the other end and publishing to a private Mosquitto, and a subscriber there.
// Commands go the other way: broker -> hub -> pty -> the board's REPL -> the firmware.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReplConsole } from '../tools/board/repl-console.ts';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { firmwareCode, SimNode } from './firmware-node.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const haveTools = requireTools('mosquitto', 'socat');

describe.skipIf(!haveTools)('firmware -> pty -> roomlink hub -> broker', () => {
  let broker: Mosquitto;
  const cleanups = cleanupsAfterEach();

  beforeAll(async () => {
    broker = await startMosquitto();
  }, 60_000);
  afterAll(async () => {
    await broker?.dispose();
  });

  /** A serial node on its own pty, its console behind the board's REPL. Not booted yet. */
  async function serialNode(node: string, interval: number): Promise<{ pty: PtyPair; sim: SimNode }> {
    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const sim = new SimNode(
      {
        node,
        room: 'hall',
        transport: 'serial',
        interval,
        sensors: [
          { type: 'sim', measurement: 'temperature' },
          { type: 'sim', measurement: 'humidity' },
        ],
      },
      await firmwareCode(),
    );
    cleanups.push(() => sim.dispose());
    const repl = new ReplConsole({ runtime: sim.runtime, write: (text) => pty.write(Buffer.from(text, 'latin1')), board: 'esp32' });
    cleanups.push(() => repl.dispose());
    const reader: ReadStream = pty.readNodeSide();
    // EIO once the pty goes away at the end.
    reader.on('error', () => undefined);
    reader.on('data', (d: Buffer | string) => repl.feed(typeof d === 'string' ? Buffer.from(d, 'latin1') : d));
    cleanups.push(() => reader.destroy());
    return { pty, sim };
  }

  function startHub(pty: PtyPair, clientId: string): { child: ChildProcess; log: () => string } {
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-chain-'));
    const child = spawn(
      process.execPath,
      ['cli/bin.js', 'hub', '--broker', broker.url, '--serial', pty.devicePath, '--data-dir', dataDir, '--client-id', clientId, '--http', '127.0.0.1:0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    cleanups.push(async () => {
      if (child.exitCode === null) {
        await new Promise((r) => {
          child.once('exit', r);
          child.kill('SIGTERM');
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { child, log: () => log };
  }

  function explain(err: unknown, hubLog: string, sim: SimNode): Error {
    return new Error(`${(err as Error).message}\n--- hub log ---\n${hubLog.slice(-3000)}\n--- board ---\n${sim.output.slice(-1500)}`);
  }

  test('readings printed by the firmware reach a subscriber; a command reaches the firmware', async () => {
    const { pty, sim } = await serialNode('chain-1', 1);
    const hub = startHub(pty, 'chain-hub');
    const sub = await subscribe(broker.url, ['home/hall/#', 'roomlink/chain-1/#', 'roomlink/bridge/status']);
    cleanups.push(() => sub.end());
    try {
      // The hub is up before the board starts talking.
      await waitFor('the hub online', () => sub.on('roomlink/bridge/status').find((m) => m.payload === 'online'), 30_000);
      await waitFor('the port open', () => hub.log().includes('serial port open'), 10_000);
      sim.boot();
      const t = await sub.waitForTopic('home/hall/temperature', 30_000);
      expect(Number(t.payload)).toBeGreaterThan(10);
      await sub.waitForTopic('home/hall/humidity', 10_000);
      const info = await waitFor('the node info', () => sub.on('roomlink/chain-1/info').find((m) => JSON.parse(m.payload).interval === 1), 15_000);
      expect(JSON.parse(info.payload)).toMatchObject({ version: '0.1.0', transport: 'serial' });

      await sub.client.publishAsync('roomlink/chain-1/set', '{"interval":7}', { qos: 1 });
      const changed = await waitFor('info after the command', () => sub.on('roomlink/chain-1/info').find((m) => JSON.parse(m.payload).interval === 7), 20_000);
      expect(JSON.parse(changed.payload).interval).toBe(7);
    } catch (err) {
      throw explain(err, hub.log(), sim);
    }
  }, 90_000);

  test('a hub started after the node sends commands in REPL form: the cadence changes and info comes back within 2 s', async () => {
    const { pty, sim } = await serialNode('late-1', 1);
    // The node boots first; its info line goes out while no hub listens (and the hub's open
    // flushes whatever waited in the pty). With no hub answering it keeps its readings in
    // Storage; what it prints next (its info, or the readings once a hub answers) tells the
    // hub what it runs.
    sim.boot();
    const kept = () => (sim.runtime.storage.readBinary('roomlink.q\x01') ?? '').split('\n').length - 1;
    await waitFor('two readings kept in Storage', () => kept() >= 2, 15_000);
    const sub = await subscribe(broker.url, ['home/hall/#', 'roomlink/late-1/#']);
    cleanups.push(() => sub.end());
    const hub = startHub(pty, 'late-hub');
    try {
      await waitFor('readings through the hub', () => sub.on('home/hall/temperature').length >= 2, 30_000);

      await sub.client.publishAsync('roomlink/late-1/set', '{"interval":3}', { qos: 1 });
      await waitFor('the command sent in REPL form', () => /command sent node=late-1 .*as=repl/.test(hub.log()), 10_000);
      expect(hub.log()).not.toMatch(/as=json/);
      // The firmware answers a command with its info; the hub publishes it.
      const info = await waitFor('info after the command', () => sub.on('roomlink/late-1/info').find((m) => JSON.parse(m.payload).interval === 3), 10_000);
      expect(JSON.parse(info.payload)).toMatchObject({ transport: 'serial', interval: 3 });

      // The cadence: the node now takes a reading every 3 s (it took one every second before).
      // Timed where each reading is first printed: at the broker, the readings the node kept
      // while no hub listened arrive in a burst, as they should.
      const firstPrinted = new Map<number, number>();
      const onOutput = (text: string) => {
        for (const m of text.matchAll(/"seq":(\d+)/g)) if (!firstPrinted.has(Number(m[1]))) firstPrinted.set(Number(m[1]), Date.now());
      };
      sim.runtime.on('output', onOutput);
      cleanups.push(() => sim.runtime.off('output', onOutput));
      await waitFor('four more readings taken', () => firstPrinted.size >= 4, 20_000);
      const times = [...firstPrinted.values()];
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      for (const gap of gaps) {
        expect(gap).toBeGreaterThan(2500);
        expect(gap).toBeLessThan(4500);
      }

      const asked = Date.now();
      const before = sub.on('roomlink/late-1/info').length;
      await sub.client.publishAsync('roomlink/late-1/set', '{"info":true}', { qos: 1 });
      await waitFor('info published', () => sub.on('roomlink/late-1/info').length > before, 2000);
      expect(Date.now() - asked).toBeLessThan(2000);
    } catch (err) {
      throw explain(err, hub.log(), sim);
    }
  }, 90_000);
});
