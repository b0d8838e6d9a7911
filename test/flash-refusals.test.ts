// What `roomlink flash` refuses, and what it never prints: a wrong target (a pty that echoes
// garbage, a silent one), an Espruino older than 2v29, an invalid config or a busy port: a
// clear cause and nothing written. The CLI itself (`node cli/bin.js ...` as a child
// process) never prints the WiFi or MQTT password, and `config init` output passes `config check`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandInBoard } from '../tools/board/stand-in-board.ts';
import { FlashError } from '../tools/flash/errors.ts';
import { flashBoard } from '../tools/flash/flasher.ts';
import { PROJECT_ROOT, ensureFirmwareBuilt } from '../tools/toolchain/build.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { captureOut } from './helpers/cli.ts';

const WIFI_PASSWORD = 'Wlan-p4ss-never-shown';
const MQTT_PASSWORD = 'Mqtt-p4ss-never-shown';

async function flashError(promise: Promise<unknown>): Promise<FlashError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlashError);
  return err as FlashError;
}

/** Runs the real CLI; resolves with its exit code and everything it printed. */
function cli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'cli/bin.js'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`roomlink ${args.join(' ')} did not finish: ${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const ok = requireTools('socat');

describe.skipIf(!ok)('roomlink flash refuses with a clear cause and writes nothing', () => {
  let dir: string;
  let configPath: string;
  const ptys: PtyPair[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomlink-refuse-'));
    configPath = join(dir, 'node.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        node: 'hall-1',
        room: 'hall',
        transport: 'wifi',
        wifi: { ssid: 'home', password: WIFI_PASSWORD },
        mqtt: { host: '127.0.0.1', port: 1, username: 'n', password: MQTT_PASSWORD },
        sensors: [{ type: 'sim', measurement: 'temperature' }],
      }),
    );
    await ensureFirmwareBuilt();
  }, 60_000);

  afterAll(async () => {
    for (const pty of ptys) await pty.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A device on a pty that answers each write with `reply(bytes)`; records what it received. */
  async function fakeDevice(reply: (data: Buffer) => Buffer | undefined): Promise<{ path: string; received: () => string }> {
    const pty = await openPtyPair();
    ptys.push(pty);
    let received = '';
    const stream = pty.readNodeSide();
    stream.on('data', (data: Buffer | string) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
      received += buf.toString('latin1');
      const answer = reply(buf);
      if (answer) pty.write(answer);
    });
    stream.on('error', () => {});
    return { path: pty.devicePath, received: () => received };
  }

  it('a device that echoes garbage is not Espruino: refused before anything is written', async () => {
    const device = await fakeDevice((data) => Buffer.concat([data, Buffer.from('\x00\xff#?garbage%\r\n')]));
    const err = await flashError(flashBoard({ target: device.path, configPath, out: captureOut() }));
    expect(err.code).toBe('not-espruino');
    expect(err.message).toMatch(/not with an Espruino prompt|did not run JavaScript|does not identify as Espruino/);
    expect(device.received()).not.toContain('Storage');
    expect(device.received()).not.toContain('reset()');
    expect(device.received()).not.toContain(WIFI_PASSWORD);
  }, 30_000);

  it('a silent device: no prompt', async () => {
    const device = await fakeDevice(() => undefined);
    const err = await flashError(flashBoard({ target: device.path, configPath, out: captureOut() }));
    expect(err.code).toBe('no-prompt');
    expect(err.hint).toMatch(/baud|deep sleep/);
    // It tried a newline, a quote and one Ctrl-C, and never a second Ctrl-C.
    expect(device.received().split('\x03').length - 1).toBe(1);
    expect(device.received()).not.toContain('Storage');
  }, 30_000);

  it('an Espruino older than 2v29 is refused and its Storage left alone', async () => {
    const storageDir = mkdtempSync(join(dir, 'old-'));
    const board = await startStandInBoard({ storageDir, transport: 'tcp', version: '2v20' });
    try {
      const err = await flashError(flashBoard({ target: board.target, configPath, out: captureOut() }));
      expect(err.code).toBe('old-espruino');
      expect(err.message).toContain('2v20');
      expect(err.message).toContain('2v29');
      expect(board.runtime.storage.list()).toEqual([]);
    } finally {
      await board.stop();
    }
  }, 30_000);

  it('an invalid config is refused before the port is even opened', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "node": "Bad Name", "room": "hall", "sensors": [] }');
    const err = await flashError(flashBoard({ target: join(dir, 'no-such-tty'), configPath: bad, out: captureOut() }));
    expect(err.code).toBe('invalid-config');
    expect(err.message).toMatch(/node:/);
    expect(err.message).toMatch(/sensors: must be a non-empty list/);
  });

  it('a missing port and a busy port are named as such', async () => {
    expect((await flashError(flashBoard({ target: join(dir, 'ttyUSB9'), configPath, out: captureOut() }))).code).toBe('no-such-port');
    const pty = await openPtyPair();
    ptys.push(pty);
    const holder = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((e) => (e ? reject(e) : resolve())));
    try {
      const err = await flashError(flashBoard({ target: pty.devicePath, configPath, out: captureOut() }));
      expect(err.code).toBe('port-busy');
      expect(err.hint).toMatch(/close the other program/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 30_000);

  it('the CLI never prints the WiFi or MQTT password, flashing or failing', async () => {
    const board = await startStandInBoard({ storageDir: mkdtempSync(join(dir, 'cli-')), transport: 'pty' });
    const garbage = await fakeDevice((data) => Buffer.concat([data, Buffer.from('??\r\n')]));
    try {
      const flashed = await cli(['flash', '--target', board.target, '--config', configPath, '--timeout', '20']);
      expect(flashed.output).toMatch(/running: roomlink \S+ running node=hall-1/);
      expect(flashed.code).toBe(0);
      // The passwords did reach the board.
      expect(board.runtime.storage.read('roomlink.json')!.toString()).toContain(WIFI_PASSWORD);
      expect(board.runtime.storage.read('roomlink.json')!.toString()).toContain(MQTT_PASSWORD);
      const refused = await cli(['flash', '--target', garbage.path, '--config', configPath]);
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/roomlink flash: .*not/);
      const checked = await cli(['config', 'check', configPath]);
      expect(checked.code).toBe(0);
      for (const run of [flashed, refused, checked]) {
        expect(run.output).not.toContain(WIFI_PASSWORD);
        expect(run.output).not.toContain(MQTT_PASSWORD);
      }
    } finally {
      await board.stop();
    }
  }, 90_000);
});

describe('roomlink config init', () => {
  it('writes commented examples that `config check` accepts, and does not overwrite a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-config-'));
    try {
      for (const example of ['kitchen', 'living-room', 'battery']) {
        const file = join(dir, `${example}.json`);
        const init = await cli(['config', 'init', file, '--example', example]);
        expect(init.code).toBe(0);
        const text = readFileSync(file, 'utf8');
        expect(text).toMatch(/^\/\/ /m); // commented
        const check = await cli(['config', 'check', file]);
        expect(check.output).toContain(`${file}: ok`);
        expect(check.code).toBe(0);
      }
      expect(readFileSync(join(dir, 'kitchen.json'), 'utf8')).toMatch(/"type": "bme280"[\s\S]*"measurement": "motion"/);
      expect(readFileSync(join(dir, 'living-room.json'), 'utf8')).toContain('"type": "ds18b20"');
      expect(readFileSync(join(dir, 'battery.json'), 'utf8')).toMatch(/"sleep": \d+/);
      const again = await cli(['config', 'init', join(dir, 'kitchen.json')]);
      expect(again.code).toBe(2);
      expect(again.output).toContain('exists; not overwriting it');
      expect(again.output).toContain('--force');
      // A broken edit is reported with its place.
      writeFileSync(join(dir, 'broken.json'), '{\n  "node": "x",\n  "room": "y"\n  "sensors": []\n}');
      const broken = await cli(['config', 'check', join(dir, 'broken.json')]);
      expect(broken.code).toBe(2);
      expect(broken.output).toMatch(/line 4, column 3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
