// The whole serial chain: dist/firmware.js with "transport":"serial" in the host runtime,
// its console written into a socat pty, `roomlink hub` (the real CLI, as a child process)
// reading the other end and publishing to a private Mosquitto, and a subscriber there.
// Commands go the other way: broker -> hub -> pty -> the firmware's REPL entry point.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.ts';
import { subscribe } from './helpers/mqtt.ts';
import { openPtyPair, type PtyPair } from './helpers/pty.ts';
import { requireTools } from './helpers/tools.ts';
import { waitFor } from './helpers/wait.ts';
import { firmwareCode, SimNode } from './firmware-node.ts';

const haveTools = requireTools('mosquitto', 'socat');

describe.skipIf(!haveTools)('firmware -> pty -> roomlink hub -> broker', () => {
  let broker: Mosquitto;
  let pty: PtyPair;
  let hub: ChildProcess;
  let hubLog = '';
  let node: SimNode;
  let reader: ReadStream | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-chain-'));

  beforeAll(async () => {
    broker = await startMosquitto();
    pty = await openPtyPair();
    const code = await firmwareCode();
    hub = spawn(process.execPath, ['hub/bin.js', 'hub', '--broker', broker.url, '--serial', pty.devicePath, '--data-dir', dataDir, '--client-id', 'chain-hub'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub.stdout!.on('data', (d) => (hubLog += d));
    hub.stderr!.on('data', (d) => (hubLog += d));
    node = new SimNode(
      {
        node: 'chain-1',
        room: 'hall',
        transport: 'serial',
        interval: 1,
        sensors: [
          { type: 'sim', measurement: 'temperature' },
          { type: 'sim', measurement: 'humidity' },
        ],
      },
      code,
    );
    // The board's console goes out on the serial line; what the hub sends comes back into
    // the REPL (0x10 = run without echo, as on a real board).
    node.runtime.on('output', (text: string) => pty.write(text));
    let downlink = '';
    reader = pty.readNodeSide();
    // EIO once the pty goes away at the end.
    reader.on('error', () => undefined);
    reader.on('data', (d: Buffer | string) => {
      downlink += typeof d === 'string' ? d : d.toString('latin1');
      let nl: number;
      while ((nl = downlink.indexOf('\n')) >= 0) {
        const line = downlink.slice(0, nl).replace(/^\x10/, '');
        downlink = downlink.slice(nl + 1);
        if (line.trim() && node.runtime.running) node.runtime.run(line);
      }
    });
  }, 60_000);

  afterAll(async () => {
    node?.dispose();
    if (hub && hub.exitCode === null) {
      await new Promise((r) => {
        hub.once('exit', r);
        hub.kill('SIGTERM');
      });
    }
    reader?.destroy();
    await pty?.dispose();
    await broker?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('readings printed by the firmware reach a subscriber; a command reaches the firmware', async () => {
    const sub = await subscribe(broker.url, ['home/hall/#', 'roomlink/chain-1/#', 'roomlink/bridge/status']);
    try {
      // The hub is up before the board starts talking.
      await waitFor('the hub online', () => sub.on('roomlink/bridge/status').find((m) => m.payload === 'online'), 30_000);
      node.boot();
      const t = await sub.waitForTopic('home/hall/temperature', 30_000);
      expect(Number(t.payload)).toBeGreaterThan(10);
      await sub.waitForTopic('home/hall/humidity', 10_000);
      const info = await waitFor('the node info', () => sub.on('roomlink/chain-1/info').find((m) => JSON.parse(m.payload).interval === 1), 15_000);
      expect(JSON.parse(info.payload)).toMatchObject({ version: '0.1.0', transport: 'serial' });

      await sub.client.publishAsync('roomlink/chain-1/set', '{"interval":7}', { qos: 1 });
      const changed = await waitFor('info after the command', () => sub.on('roomlink/chain-1/info').find((m) => JSON.parse(m.payload).interval === 7), 20_000);
      expect(JSON.parse(changed.payload).interval).toBe(7);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- hub log ---\n${hubLog.slice(-3000)}\n--- board ---\n${node.output.slice(-1500)}`);
    } finally {
      await sub.end();
    }
  }, 90_000);
});
