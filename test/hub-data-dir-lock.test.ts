// Issue 12, item 2: two hubs on one data dir. The second refuses to start, naming the first,
// while the first keeps bridging; once the first is gone (even by SIGKILL) the dir is free.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { commandLine } from '../hub/queue/data-dir-lock.ts';
import { startHubProcess } from './helpers/hub-process.ts';
import { Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const ok = requireTools('mosquitto', 'socat');

describe.skipIf(!ok)('one hub per data dir', () => {
  const cleanups = cleanupsAfterEach();

  it('refuses a second hub on the same data dir, naming the first, and lets one start after a SIGKILL', async () => {
    const broker = await new Mosquitto({ persistence: false }).start();
    cleanups.push(() => broker.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-lock-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const [ptyA, ptyB] = [await openPtyPair(), await openPtyPair()];
    cleanups.push(
      () => ptyA.dispose(),
      () => ptyB.dispose(),
    );
    const config = (name: string, port: string) => {
      const file = join(dataDir, `${name}.yaml`);
      writeFileSync(file, stringify({ mqtt: { url: broker.url, client_id: name }, serial: { ports: [{ path: port }] }, data_dir: dataDir, log_level: 'info' }));
      return file;
    };
    const sub = await subscribe(broker.url, 'home/#', { qos: 1 });
    cleanups.push(() => sub.end());

    const first = startHubProcess(config('hub-a', ptyA.devicePath));
    cleanups.push(() => first.stop('SIGKILL'));
    await first.waitForLog(/serial port open/);

    const second = startHubProcess(config('hub-b', ptyB.devicePath));
    cleanups.push(() => second.stop('SIGKILL'));
    expect(await second.exited).toBe(1);
    expect(second.log).toContain(`the data directory ${dataDir} is in use by another roomlink hub (pid ${first.child.pid}: `);
    expect(second.log).toContain('hub-a.yaml');
    expect(second.log).not.toMatch(/\n\s+at /);

    // The first hub is untouched and still bridges.
    ptyA.write('{"node":"lock-1","room":"lock","temperature":21.5}\n');
    await sub.waitForTopic('home/lock/temperature');

    // SIGKILL leaves no stale lock: the operating system released it with the process.
    await first.stop('SIGKILL');
    const third = startHubProcess(config('hub-c', ptyB.devicePath));
    cleanups.push(() => third.stop('SIGKILL'));
    await third.waitForLog(/serial port open/);
    ptyB.write('{"node":"lock-2","room":"lock2","temperature":22.5}\n');
    await waitFor('the third hub to bridge', () => sub.on('home/lock2/temperature').length > 0);
    expect(await third.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('names the other process without the passwords on its command line', async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 10000)', '--', '--password', 'hunter2', '--mqtt-password=abc', 'mqtt://hub:pw123@broker:1883'],
      { stdio: 'ignore' },
    );
    try {
      await waitFor('the process to start', () => (commandLine(child.pid!) ?? '').includes('mqtt://'));
      const shown = commandLine(child.pid!)!;
      expect(shown).toContain('--password *** --mqtt-password=*** mqtt://hub:***@broker:1883');
      for (const secret of ['hunter2', 'abc', 'pw123']) expect(shown).not.toContain(secret);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
