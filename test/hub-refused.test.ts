// A reading the broker refuses, through the whole hub: a real Mosquitto whose ACL does not
// let the hub publish in one room, a pty as the serial port. The refused readings are
// parked in queue.sqlite's parked table with the reason, counted in health, said at ERROR
// (once, not per reading), never resent, and the readings around them all arrive.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { createHub, QUEUE_FILE } from '../hub/hub.ts';
import { createLogger } from '../hub/log.ts';
import { Database } from '../hub/queue/sqlite.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('mosquitto', 'mosquitto_passwd', 'socat');

describe.skipIf(!ok)('a reading the broker refuses (MQTT 5 PUBACK 0x87)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-refused-'));
  writeFileSync(join(dir, 'acl'), 'user hub\ntopic deny home/vault/#\ntopic readwrite #\n\nuser rec\ntopic read #\n');
  const broker = new Mosquitto({ persistence: false, users: { hub: 'hub-pw', rec: 'rec-pw' }, extraConfig: `acl_file ${join(dir, 'acl')}` });
  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is parked with its reason, counted, said once, not resent; the others arrive', async () => {
    const pty = await openPtyPair();
    const dataDir = join(dir, 'data');
    const lines: string[] = [];
    const settings = hubSettingsSchema.parse({
      mqtt: { url: broker.url, client_id: 'hub-refused', username: 'hub', password: 'hub-pw' },
      serial: { ports: [{ path: pty.devicePath }] },
      data_dir: dataDir,
      queue: { flush_interval_ms: 50 },
      http: { enabled: false },
    });
    const hub = createHub(settings, { log: createLogger({ level: 'info', stream: { write: (l: string) => lines.push(l) } }), reconnectMinMs: 50 });
    const rec = await subscribe(broker.url, 'home/#', { qos: 1, username: 'rec', password: 'rec-pw' });
    try {
      await hub.start();
      await waitFor(
        'connected, port open',
        () => hub.stats().broker.connected && (hub.stats().ports[pty.devicePath] as { state?: string } | undefined)?.state === 'open',
      );
      // One node per room (two nodes on one topic would be a topic conflict); nv is in the vault.
      for (let i = 0; i < 60; i++) {
        const vault = i % 20 === 7;
        pty.write(`{"node":"${vault ? 'nv' : `n${i % 3}`}","room":"${vault ? 'vault' : `room${i % 3}`}","temperature":${20 + i / 100}}\n`);
      }
      await waitFor(
        '57 readings at the subscriber',
        () => new Set(rec.messages.filter((m) => m.topic.endsWith('/temperature')).map((m) => m.payload)).size === 57,
        20_000,
      );
      const stats = await waitFor('3 parked', () => (hub.stats().parked.total === 3 ? hub.stats() : undefined), 20_000);
      expect(stats.parked.by_reason).toEqual({ '0x87 not authorized': 3 });
      expect(stats.parked.last?.topic).toBe('home/vault/temperature');
      expect(stats.queued).toBe(0);
      expect(rec.messages.filter((m) => m.topic.startsWith('home/vault'))).toEqual([]);
      const errors = lines.filter((l) => l.includes('ERROR') && l.includes('the broker refused a reading'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('(0x87 not authorized); it is parked, not sent again');
      expect(errors[0]).toContain('topic=home/vault/temperature');
      expect(errors[0]).toMatch(/hint="the broker's ACL does not let the hub publish on this topic/);
    } finally {
      await hub.stop();
      await rec.end();
      await pty.dispose();
    }
    // Kept in the queue's database, with the reason, for anyone to read back.
    const db = new Database(join(dataDir, QUEUE_FILE), { readonly: true });
    try {
      const rows = db
        .prepare<[], { topic: string; payload: string; reason: number; reason_text: string }>(
          'SELECT topic, payload, reason, reason_text FROM parked ORDER BY id',
        )
        .all();
      expect(rows).toEqual([
        { topic: 'home/vault/temperature', payload: '20.07', reason: 0x87, reason_text: '0x87 not authorized' },
        { topic: 'home/vault/temperature', payload: '20.27', reason: 0x87, reason_text: '0x87 not authorized' },
        { topic: 'home/vault/temperature', payload: '20.47', reason: 0x87, reason_text: '0x87 not authorized' },
      ]);
      expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM readings').get()!.n).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);
});
