// The features' one contract: built from the settings (discovery only with
// homeassistant.discovery), started and stopped as a list, and every listener a feature
// registered on the event bus gone after its stop().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { HubEvents } from '../hub/core/events.ts';
import { NodeRegistry } from '../hub/core/nodes.ts';
import { Discovery } from '../hub/features/discovery.ts';
import { createFeatures } from '../hub/features/index.ts';
import { silentLogger } from '../hub/log.ts';
import type { Publisher } from '../hub/mqtt/publisher.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function build(discovery: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-features-'));
  dirs.push(dataDir);
  const settings = hubSettingsSchema.parse({ data_dir: dataDir, homeassistant: { discovery } });
  const events = new HubEvents();
  const nodes = new NodeRegistry(events, { maxNodes: settings.max_nodes, configured: [] });
  const published: string[] = [];
  const publisher = {
    state: (kind: string) => {
      published.push(kind);
      return true;
    },
  } as unknown as Publisher;
  const features = createFeatures(settings, { nodes, events, publisher, log: silentLogger, report: () => ({}) });
  return { events, features, published };
}

describe('hub features', () => {
  it('are built from the settings: discovery only with homeassistant.discovery', () => {
    const on = build(true).features;
    const off = build(false).features;
    expect(on.all.map((f) => f.name)).toEqual(['node-memory', 'availability', 'node-info', 'discovery', 'health']);
    expect(on.discovery).toBeInstanceOf(Discovery);
    expect(off.all.map((f) => f.name)).toEqual(['node-memory', 'availability', 'node-info', 'health']);
    expect(off.discovery).toBeUndefined();
  });

  it('register their listeners on the bus, and stop() removes every one of them', () => {
    const { events, features, published } = build(true);
    const outside = events.on('brokerConnected', () => {});
    for (const feature of features.all) feature.start();
    expect(events.listenerCount()).toBeGreaterThan(features.all.length);
    events.emit('brokerConnected');
    // The health report is the last thing said on a connect.
    expect(published.at(-1)).toBe('bridgeHealth');
    for (const feature of [...features.all].reverse()) feature.stop();
    // Only the listener registered without an owner is left.
    expect(events.listenerCount()).toBe(1);
    outside();
    expect(events.listenerCount()).toBe(0);
  });

  it('removes listeners by owner, and an unsubscribe function removes just its own', () => {
    const events = new HubEvents();
    const owner = {};
    let calls = 0;
    const off = events.on('brokerConnected', () => calls++, owner);
    events.on('brokerDisconnected', () => calls++, owner);
    off();
    events.emit('brokerConnected');
    expect(calls).toBe(0);
    expect(events.listenerCount()).toBe(1);
    events.removeListeners(owner);
    events.emit('brokerDisconnected');
    expect(calls).toBe(0);
    expect(events.listenerCount()).toBe(0);
  });
});
