// Issue 12, item 6: 30,000 distinct node ids from one port (a device with a counter in its
// node field). Past max_nodes new ids are refused as too_many_nodes and counted; memory,
// the health message and Home Assistant's device list stay bounded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHubProcess } from './helpers/hub-process.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto', 'socat');

describe.skipIf(!ok)('node cap', () => {
  const cleanups = cleanupsAfterEach();

  it('refuses new node ids past max_nodes with a reason, and keeps health, memory and discovery bounded', async () => {
    const broker = await new Mosquitto({ persistence: false }).start();
    cleanups.push(() => broker.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-cap-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    const configFile = join(dataDir, 'hub.yaml');
    writeFileSync(
      configFile,
      stringify({
        mqtt: { url: broker.url, client_id: 'hub-cap' },
        serial: { ports: [{ path: pty.devicePath }] },
        data_dir: dataDir,
        health: { interval: 1 },
        log_level: 'info',
      }),
    );
    const discovery = await subscribe(broker.url, 'homeassistant/device/+/config', { qos: 0 });
    cleanups.push(() => discovery.end());
    const health = await subscribe(broker.url, 'roomlink/bridge/health', { qos: 0 });
    cleanups.push(() => health.end());

    const hub = startHubProcess(configFile);
    cleanups.push(() => hub.stop('SIGKILL'));
    await hub.waitForLog(/serial port open/);
    const rssBefore = hub.rssMb();

    const total = 30_000;
    for (let i = 0; i < total; i += 1000) {
      let chunk = '';
      for (let k = i; k < i + 1000; k++) chunk += `{"node":"n-${k}","room":"r${k}","temperature":21.5}\n`;
      pty.write(chunk);
    }
    const report = () => (health.messages.length ? JSON.parse(health.messages.at(-1)!.payload) : undefined);
    await waitFor('every line read', () => report()?.lines_read === total, 60_000);

    const last = report();
    expect(last.node_summary).toMatchObject({ total: 300, max_nodes: 300, refused_new: total - 300, listed: 100 });
    expect(last.refused.too_many_nodes).toBe(total - 300);
    expect(Object.keys(last.nodes)).toHaveLength(100);
    const healthBytes = Buffer.byteLength(health.messages.at(-1)!.payload);
    expect(healthBytes).toBeLessThan(20_000);
    // Refused lines are logged, but rate-limited: a handful, not 29,700.
    expect((hub.log.match(/reason=too_many_nodes/g) ?? []).length).toBeLessThan(50);
    expect(hub.log).toContain('(max_nodes 300); raise max_nodes');
    // One config per admitted node, besides the hub's own device.
    const nodeConfigs = () => new Set(discovery.messages.map((m) => m.topic).filter((t) => !t.includes('/roomlink_hub_')));
    await waitFor('discovery of the admitted nodes', () => nodeConfigs().size >= 300, 20_000);
    expect(nodeConfigs().size).toBe(300);
    const rssAfter = hub.rssMb();
    console.log(`node cap: RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MB, health ${healthBytes} bytes`);
    expect(rssAfter - rssBefore).toBeLessThan(60);
    expect(await hub.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
