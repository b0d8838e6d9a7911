// bin.js starts the hub with TurboFan off (start-up code runs once; the first optimising job
// alone pages in ~4 MB of the compiler that an idle hub would keep) and hub.ts turns it back
// on once started. If it were never turned back on, the hub would run at about half speed
// under load: checked here with V8's own trace of what it optimises.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPtyPair } from '../bench/helpers/pty.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { cleanupsAfterEach } from './helpers/lifecycle.ts';

const work = mkdtempSync(join(tmpdir(), 'roomlink-jit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cleanups = cleanupsAfterEach();

describe('the hub and the optimising compiler', () => {
  it('optimises nothing while it starts, and its hot code once started', async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.dispose());
    // One file for stdout (V8's trace) and stderr (the log), so their order is kept.
    const outFile = join(work, 'out.log');
    const out = openSync(outFile, 'w');
    const hub = spawn(
      process.execPath,
      [
        '--trace-opt',
        join(PROJECT_ROOT, 'cli/bin.js'),
        'hub',
        '--broker',
        'mqtt://127.0.0.1:1',
        '--serial',
        pty.devicePath,
        '--data-dir',
        join(work, 'data'),
        '--no-http',
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', out, out], env: { ...process.env, ROOMLINK_CONFIG: '', ROOMLINK_DATA_DIR: '', ROOMLINK_BROKER: '' } },
    );
    closeSync(out);
    const exited = new Promise((r) => hub.once('exit', r));
    cleanups.push(async () => {
      hub.kill('SIGKILL');
      await exited;
    });
    const text = () => readFileSync(outFile, 'utf8');
    await waitFor('hub running', () => text().includes('hub running'), 30_000, 50);
    const startUp = text().slice(0, text().indexOf('hub running'));
    expect(startUp).toContain('connecting to broker');
    expect(startUp).not.toMatch(/completed (optimizing|compiling)/);

    // Readings arrive (the broker is down: they are queued), and decoding them gets hot.
    let seq = 0;
    await waitFor(
      'decodeLine optimised',
      () => {
        const lines: string[] = [];
        for (let i = 0; i < 500; i++, seq++) lines.push(`{"node":"jit-1","room":"lab","temperature":${20 + (seq % 50) / 10}}\n`);
        pty.write(lines.join(''));
        return /completed (optimizing|compiling)[^\n]*decodeLine/.test(text());
      },
      30_000,
      50,
    );
  });
});
