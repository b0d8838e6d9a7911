// Unplugging, through a real pty: socat is stopped (both pty ends vanish, as when a USB
// cable is pulled) and started again on the same path, ten times. The hub must stay up,
// keep serving a second port meanwhile, report the node offline, and bridge readings again
// within 2 s of the port coming back each time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { createHub } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'socat');

describe.skipIf(!ok)('hub serial ports (pty)', () => {
  const broker = new Mosquitto({ persistence: false });
  beforeAll(async () => {
    await broker.start();
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it('survives the port vanishing and coming back 10 times; readings resume within 2 s each time', async () => {
    const unplugged = new PtyPair();
    const steady = new PtyPair();
    await unplugged.open();
    await steady.open();
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-hub-'));
    const settings = hubSettingsSchema.parse({
      mqtt: { url: broker.url, client_id: 'hub-serial' },
      serial: { ports: [{ path: unplugged.devicePath }, { path: steady.devicePath }] },
      data_dir: dataDir,
      queue: { flush_interval_ms: 50 },
      http: { listen: '127.0.0.1:0' },
    });
    const hub = createHub(settings, { log: createLogger({ level: 'error' }) });
    const sub = await subscribe(broker.url, ['home/#', 'roomlink/+/status']);
    try {
      await hub.start();
      await waitFor('both ports open', () => Object.values(hub.stats().ports).every((p) => (p as { state: string }).state === 'open'));
      let seq = 0;
      const readingFrom = (pty: PtyPair, node: string, room: string) => {
        const value = (20 + ++seq / 1000).toFixed(3);
        pty.write(`{"node":"${node}","room":"${room}","temperature":${value}}\n`);
        return value;
      };
      // The hub prints 20.020 as 20.02: compare numbers.
      const arrived = (topic: string, value: string) => sub.on(topic).some((m) => Number(m.payload) === Number(value));

      const first = readingFrom(unplugged, 'attic-1', 'attic');
      await waitFor('the first reading', () => arrived('home/attic/temperature', first));
      const resumeTimes: number[] = [];
      for (let round = 0; round < 10; round++) {
        await unplugged.close();
        await waitFor('the port to be retried', () => (hub.stats().ports[unplugged.devicePath] as { state: string }).state !== 'open');
        await waitFor('attic-1 offline', () => sub.on('roomlink/attic-1/status').at(-1)?.payload === 'offline');
        // The other port keeps working while this one is gone.
        const steadyValue = readingFrom(steady, 'cellar-1', 'cellar');
        await waitFor('a reading from the other port', () => arrived('home/cellar/temperature', steadyValue));

        await unplugged.open();
        const back = Date.now();
        // Keep writing until the hub has the port again: what is written before it reopens
        // is not read by anyone.
        let value = readingFrom(unplugged, 'attic-1', 'attic');
        await waitFor(
          'a reading through the re-created port',
          () => {
            if (arrived('home/attic/temperature', value)) return true;
            value = readingFrom(unplugged, 'attic-1', 'attic');
            return false;
          },
          2000,
          100,
        );
        resumeTimes.push(Date.now() - back);
      }
      expect(resumeTimes.every((ms) => ms < 2000)).toBe(true);
      expect((hub.stats().ports[unplugged.devicePath] as { opens: number }).opens).toBe(11);
      expect(hub.stats().nodes['attic-1']?.online).toBe(true);
    } finally {
      await hub.stop();
      await sub.end();
      await unplugged.dispose();
      await steady.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
