// What Home Assistant sees of availability when `roomlink hub` (the real CLI, as a child
// process) stops, crashes and restarts, and when Home Assistant deletes a device: each
// checked with plain subscribers on a private Mosquitto, through a socat pty.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoveryProblems } from './helpers/ha-rules.ts';
import { subscribe, type Recorder } from '../bench/helpers/mqtt.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach, mosquittoForAll } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto', 'socat');

describe.skipIf(!ok)('availability through the real CLI (Mosquitto + pty)', () => {
  const broker = mosquittoForAll({ persistence: false });
  const cleanups = cleanupsAfterEach();
  let caseNo = 0;

  interface HubProcess {
    child: ChildProcess;
    log: () => string;
    exited: Promise<number | null>;
  }

  /** `roomlink hub` on the given pty and data dir, with a settings file. */
  function startHub(pty: PtyPair, dataDir: string, settings = ''): HubProcess {
    const config = join(dataDir, 'hub.yaml');
    writeFileSync(config, settings);
    const child = spawn(
      process.execPath,
      [
        'cli/bin.js',
        'hub',
        '--broker',
        broker.url,
        '--serial',
        pty.devicePath,
        '--data-dir',
        dataDir,
        '--client-id',
        `availability-${caseNo}`,
        '--config',
        config,
        '--http',
        '127.0.0.1:0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    return { child, log: () => log, exited };
  }

  /** Waits until the hub has its serial port open: what is written before that is flushed. */
  async function portOpen(hub: HubProcess): Promise<void> {
    await waitFor('the serial port open', () => hub.log().includes('serial port open'), 30_000);
  }

  async function setup(): Promise<{ pty: PtyPair; dataDir: string }> {
    caseNo++;
    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-availability-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    return { pty, dataDir };
  }

  async function recorder(filters: string | string[]): Promise<Recorder> {
    const r = await subscribe(broker.url, filters);
    cleanups.push(() => r.client.endAsync(true));
    return r;
  }

  /** The retained payload of `topic`, as a subscriber that connects now sees it. */
  async function retainedNow(topic: string): Promise<string | undefined> {
    const late = await recorder(topic);
    const got = await late.waitForTopic(topic, 3000).catch(() => undefined);
    return got?.retain ? got.payload : undefined;
  }

  it('SIGTERM: bridge and every node it served are offline (retained) within 3 s', async () => {
    const { pty, dataDir } = await setup();
    const live = await recorder(['roomlink/+/status', 'roomlink/bridge/status']);
    const hub = startHub(pty, dataDir);
    await portOpen(hub);
    await waitFor('the hub online', () => live.on('roomlink/bridge/status').find((m) => m.payload === 'online'), 30_000);
    pty.write('{"node":"term-a","room":"den","temperature":20}\n{"node":"term-b","room":"den","humidity":40}\n');
    await waitFor('both nodes online', () => live.on('roomlink/term-a/status').length > 0 && live.on('roomlink/term-b/status').length > 0);

    const signalledAt = Date.now();
    hub.child.kill('SIGTERM');
    expect(await hub.exited, hub.log()).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    // A subscriber arriving afterwards sees the truth, not the old `online`.
    expect(await retainedNow('roomlink/term-a/status'), hub.log()).toBe('offline');
    expect(await retainedNow('roomlink/term-b/status')).toBe('offline');
    expect(await retainedNow('roomlink/bridge/status')).toBe('offline');
    // Nodes before the bridge, each acknowledged by the broker before the hub exited.
    const order = live.messages.filter((m) => m.payload === 'offline').map((m) => m.topic);
    expect(order).toEqual(['roomlink/term-a/status', 'roomlink/term-b/status', 'roomlink/bridge/status']);
  });

  it('after a crash and restart, a remembered node that stays silent goes offline within its silence window; one that speaks stays online', async () => {
    const { pty, dataDir } = await setup();
    const settings = 'nodes:\n  quiet-1:\n    availability_timeout: 2\n  chatty-1:\n    availability_timeout: 2\n';
    const live = await recorder(['roomlink/+/status', 'homeassistant/device/+/config']);
    const first = startHub(pty, dataDir, settings);
    await portOpen(first);
    pty.write('{"node":"quiet-1","room":"attic","temperature":20}\n{"node":"chatty-1","room":"attic","humidity":40}\n');
    await waitFor('both nodes online', () => live.on('roomlink/quiet-1/status').length > 0 && live.on('roomlink/chatty-1/status').length > 0, 30_000);
    await waitFor('the node memory written', () => first.log().includes('node online') && existsNodes(dataDir));
    // A crash: the Last Will says the bridge is gone, but the nodes' retained `online` stays.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await retainedNow('roomlink/quiet-1/status')).toBe('online');

    const before = live.messages.length;
    const second = startHub(pty, dataDir, settings);
    await portOpen(second);
    const startedAt = Date.now();
    await waitFor(
      'discovery of the remembered nodes again',
      () => live.messages.slice(before).find((m) => m.topic === 'homeassistant/device/quiet-1/config'),
      10_000,
    );
    // chatty-1 speaks every half second; quiet-1 says nothing.
    const talk = setInterval(() => pty.write('{"node":"chatty-1","room":"attic","humidity":41}\n'), 500);
    cleanups.push(() => clearInterval(talk));
    await waitFor('quiet-1 offline', () => live.messages.slice(before).find((m) => m.topic === 'roomlink/quiet-1/status' && m.payload === 'offline'), 10_000);
    // Within its silence window (2 s) after the start, plus the sweep.
    expect(Date.now() - startedAt).toBeLessThan(2000 + 2500);
    const since = live.messages.slice(before);
    // Neither was claimed online before it spoke; chatty-1 is online and never went offline.
    expect(since.filter((m) => m.topic === 'roomlink/quiet-1/status').map((m) => m.payload)).toEqual(['offline']);
    expect(since.filter((m) => m.topic === 'roomlink/chatty-1/status').map((m) => m.payload)).toEqual(['online']);
    expect(await retainedNow('roomlink/quiet-1/status')).toBe('offline');
  });

  it('a device deleted in Home Assistant stays deleted at the next birth message, until the node speaks again', async () => {
    const { pty, dataDir } = await setup();
    const live = await recorder(['homeassistant/device/+/config']);
    const hub = startHub(pty, dataDir);
    await portOpen(hub);
    pty.write('{"node":"gone-1","room":"shed","temperature":20}\n{"node":"kept-1","room":"shed","humidity":40}\n');
    const config = await waitFor(
      'discovery of both',
      () => {
        const gone = live.on('homeassistant/device/gone-1/config')[0];
        return gone && live.on('homeassistant/device/kept-1/config').length ? gone : undefined;
      },
      30_000,
    );
    const hubConfig = await live.waitForTopic('homeassistant/device/roomlink_hub_roomlink_bridge/config');
    expect(discoveryProblems(hubConfig.topic, hubConfig.payload)).toEqual([]);
    expect(JSON.parse(config.payload).dev.via_device).toBe('roomlink_hub_roomlink_bridge');

    // What Home Assistant publishes when a user deletes the device.
    const ha = live.client;
    await ha.publishAsync('homeassistant/device/gone-1/config', '', { retain: true, qos: 1 });
    await waitFor('the hub to forget gone-1', () => hub.log().includes('forgetting the node'), 10_000);
    const before = live.messages.length;
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await waitFor('kept-1 announced again', () => live.messages.slice(before).find((m) => m.topic === 'homeassistant/device/kept-1/config'), 15_000);
    expect(live.messages.slice(before).filter((m) => m.topic === 'homeassistant/device/gone-1/config' && m.payload !== '')).toEqual([]);

    // Heard from again: announced again.
    pty.write('{"node":"gone-1","room":"shed","temperature":21}\n');
    await waitFor(
      'gone-1 announced again',
      () => live.messages.slice(before).find((m) => m.topic === 'homeassistant/device/gone-1/config' && m.payload !== ''),
      10_000,
    );
  });
});

function existsNodes(dataDir: string): boolean {
  try {
    const text = readFileSync(join(dataDir, 'nodes.json'), 'utf8');
    return text.includes('quiet-1') && text.includes('chatty-1');
  } catch {
    return false;
  }
}
