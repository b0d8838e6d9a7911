// Issue 15, "the first hour": every command tried as a new user would, through the real CLI
// (`node cli/bin.js ...` as a child process), one describe per item of the issue. Each checks
// the message, the exit code and, where it matters, what is left on disk.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/cli.ts';
import { BROKER_FLAGS, HUB_FLAGS, parseCommandLine, WATCH_FLAGS, type FlagSpec } from '../hub/config/args.ts';
import { knownKeysAt } from '../hub/config/load.ts';
import { DEMO_FLAGS } from '../cli/commands/demo.ts';
import { demoNodes } from '../tools/demo/demo.ts';
import { createLogger } from '../hub/log.ts';
import { MqttConnection } from '../hub/mqtt/connection.ts';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { startCli, runCli, type CliRun } from './helpers/cli.ts';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { connectRecorder, subscribe } from '../bench/helpers/mqtt.ts';
import { findTool, requireTools } from '../bench/helpers/tools.ts';
import { freePort, waitFor } from '../bench/helpers/wait.ts';

const dirs: string[] = [];
function tempDir(prefix = 'roomlink-first-hour-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
const running: CliRun[] = [];
function start(args: string[], options?: Parameters<typeof startCli>[1]): CliRun {
  const run = startCli(args, options);
  running.push(run);
  return run;
}
afterAll(() => {
  for (const run of running) run.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Occupies a free port on 127.0.0.1 until closed. */
async function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Every flag a message names must be one the command's own parser takes, and every settings
 * key it names must exist in the settings schema. Returns what does not.
 */
function hintProblems(text: string, flags: readonly FlagSpec[]): string[] {
  const problems: string[] = [];
  for (const [flag] of text.matchAll(/(?<![\w/.-])--[a-z][a-z-]*/g)) {
    const spec = flags.find((f) => f.flag === flag);
    if (!spec) {
      problems.push(`${flag} is not a flag of this command`);
      continue;
    }
    try {
      parseCommandLine(spec.kind === 'true' ? [flag] : [flag, 'x'], flags);
    } catch (err) {
      problems.push(`${flag}: ${(err as Error).message}`);
    }
  }
  const sections = ['mqtt', 'broker', 'topics', 'serial', 'availability', 'queue', 'health', 'homeassistant'];
  for (const [, section, key] of text.matchAll(new RegExp(`(?<![\\w/.-])(${sections.join('|')})\\.([a-z_]+)`, 'g'))) {
    if (!knownKeysAt([section!]).includes(key!)) problems.push(`${section}.${key} is not a setting`);
  }
  return problems;
}

const PASSWORDS = { wifi: 'Wifi-s3cret-first-hour', mqtt: 'Mqtt-s3cret-first-hour' };
const nodeConfig = (extra: object = {}) =>
  JSON.stringify(
    {
      node: 'desk-1',
      room: 'office',
      transport: 'wifi',
      wifi: { ssid: 'home', password: PASSWORDS.wifi },
      mqtt: { host: '127.0.0.1', port: 1, username: 'node', password: PASSWORDS.mqtt },
      sensors: [{ type: 'sim', measurement: 'temperature' }],
      ...extra,
    },
    null,
    2,
  );

const hasMosquitto = requireTools('mosquitto') && findTool('mosquitto_passwd') !== undefined;

describe('1. one node config reader: `sim` takes the commented JSON `config init` writes', () => {
  it('config init, then sim --config on that file runs the firmware', async () => {
    const dir = tempDir();
    expect((await runCli(['config', 'init', 'node.json'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'node.json'), 'utf8')).toMatch(/^\/\/ /);
    const port = await freePort(); // nothing listens: the node just keeps retrying
    const sim = start(['sim', '--config', 'node.json', '--broker', `mqtt://127.0.0.1:${port}`], { cwd: dir, env: { TMPDIR: tempDir() } });
    await sim.waitFor(/roomlink \S+ running node=kitchen-1/, 60_000);
    expect(sim.output).not.toMatch(/Unexpected token|not valid JSON/);
    expect(await sim.stop('SIGINT')).toBe(0);
  }, 90_000);
});

describe('2. every hint names a flag or a settings key that exists', () => {
  it('hub, broker and demo with their port taken', async () => {
    const taken = await occupyPort();
    try {
      const dir = tempDir();
      const settings = write(dir, 'hub.yaml', `broker:\n  port: ${taken.port}\n`);
      const hub = await runCli(['hub', '--config', settings, '--data-dir', join(dir, 'data'), '--serial', join(dir, 'no-tty')]);
      expect(hub.code).toBe(1);
      expect(hub.stderr).toContain(`port ${taken.port} on 127.0.0.1 is already in use`);
      expect(hub.stderr).toContain('broker.port in the settings file');
      expect(hub.stderr).toContain(`--broker mqtt://127.0.0.1:${taken.port}`);
      expect(hintProblems(hub.stderr, HUB_FLAGS)).toEqual([]);

      const broker = await runCli(['broker', '--port', String(taken.port), '--data-dir', join(dir, 'broker-data')]);
      expect(broker.code).toBe(1);
      expect(broker.stderr).toContain('Choose another port with --port N');
      expect(hintProblems(broker.stderr, BROKER_FLAGS)).toEqual([]);

      const demo = await runCli(['demo', '--port', String(taken.port)]);
      expect(demo.code).toBe(1);
      expect(demo.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use.*\nPick another: npm start -- --port \d+/);
      expect(hintProblems(demo.stderr, DEMO_FLAGS)).toEqual([]);
    } finally {
      await taken.close();
    }
  }, 90_000);

  it('hub and broker refusing to listen on a network address without credentials', async () => {
    const dir = tempDir();
    const settings = write(dir, 'hub.yaml', 'broker:\n  host: 0.0.0.0\n  port: 0\n');
    const hub = await runCli(['hub', '--config', settings, '--data-dir', join(dir, 'data'), '--serial', join(dir, 'no-tty')]);
    expect(hub.code).toBe(1);
    expect(hub.stderr).toContain('refusing to listen on 0.0.0.0 without credentials');
    // The hub's --username is the broker it connects to, not its embedded broker's account.
    expect(hub.stderr).toContain('broker.username in the settings file');
    expect(hintProblems(hub.stderr, HUB_FLAGS)).toEqual([]);
    const broker = await runCli(['broker', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'broker-data')]);
    expect(broker.code).toBe(1);
    expect(broker.stderr).toMatch(/Set --username USER and --password-file FILE, or --allow-anonymous/);
    expect(hintProblems(broker.stderr, BROKER_FLAGS)).toEqual([]);
  }, 60_000);
});

describe.skipIf(!hasMosquitto)('3. `watch` against a broker that wants a login', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: false, users: { watcher: 'right-pass' } });
  });
  afterAll(async () => broker?.dispose());

  it('a wrong password: "authentication failed" with the flags to check, exit 1, no hang, no password shown', async () => {
    const dir = tempDir();
    const wrongFile = write(dir, 'wrong', 'not-the-pass-1\n');
    const inUrl = await runCli(['watch', '--broker', `mqtt://watcher:not-the-pass-2@127.0.0.1:${broker.port}`], { timeoutMs: 30_000 });
    const inFile = await runCli(['watch', '--broker', broker.url, '--username', 'watcher', '--password-file', wrongFile], { timeoutMs: 30_000 });
    for (const run of [inUrl, inFile]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /roomlink watch: mqtt:\/\/127\.0\.0\.1:\d+: authentication failed for user "watcher" \(not authorized\): check --username USER and --password-file FILE/,
      );
      expect(hintProblems(run.stderr, WATCH_FLAGS)).toEqual([]);
      expect(run.stdout + run.stderr).not.toMatch(/not-the-pass/);
    }
  }, 60_000);

  it('the right password file: watches, and --help documents the login flags', async () => {
    const dir = tempDir();
    const rightFile = write(dir, 'right', 'right-pass\n');
    const pub = await connectRecorder(broker.url, { username: 'watcher', password: 'right-pass' });
    await pub.client.publishAsync('home/office/temperature', '21.5', { retain: true, qos: 1 });
    await pub.end();
    const watch = start(['watch', '--broker', broker.url, '--username', 'watcher', '--password-file', rightFile]);
    await watch.waitFor(/watching home\/# on mqtt:\/\/127\.0\.0\.1:\d+/);
    await watch.waitFor(/office +temperature +21\.5 °C/);
    expect(await watch.stop()).toBe(0);
    const help = await runCli(['watch', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--username USER/);
    expect(help.stdout).toMatch(/--password-file FILE/);
  }, 60_000);

  it('a broker that is down: retries and keeps running until stopped (no silent exit 13)', async () => {
    const port = await freePort();
    const watch = start(['watch', '--broker', `mqtt://127.0.0.1:${port}`]);
    await watch.waitFor(/ECONNREFUSED.*\(retrying every second\)/);
    expect(watch.child.exitCode).toBe(null);
    expect(await watch.stop('SIGINT')).toBe(0);
  }, 60_000);
});

describe('4. nothing with a password is left behind; files that hold one are 0600', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`sim's temporary Storage is gone after ${signal}, and was owner-only while it ran`, async () => {
      const dir = tempDir();
      const ownTmp = tempDir('roomlink-tmp-');
      const config = write(dir, 'node.json', `// a node with passwords\n${nodeConfig()}`);
      const sim = start(['sim', '--config', config], { env: { TMPDIR: ownTmp } });
      const [, storage] = await sim.waitFor(/Storage in (\S+); Ctrl-C stops/, 60_000);
      expect(storage!.startsWith(ownTmp)).toBe(true);
      await waitFor('roomlink.json in Storage', () => existsSync(join(storage!, 'roomlink.json')));
      expect(readFileSync(join(storage!, 'roomlink.json'), 'utf8')).toContain(PASSWORDS.wifi);
      expect(statSync(storage!).mode & 0o777).toBe(0o700);
      for (const file of readdirSync(storage!)) expect(statSync(join(storage!, file)).mode & 0o777, file).toBe(0o600);
      expect(await sim.stop(signal), sim.output).toBe(0);
      expect(readdirSync(ownTmp)).toEqual([]);
      expect(sim.output).not.toContain(PASSWORDS.wifi);
      expect(sim.output).not.toContain(PASSWORDS.mqtt);
    }, 90_000);
  }

  it('sim --storage DIR keeps Storage, owner-only', async () => {
    const dir = tempDir();
    const config = write(dir, 'node.json', nodeConfig());
    const storage = join(dir, 'board');
    const sim = start(['sim', '--config', config, '--storage', storage]);
    await sim.waitFor(/Ctrl-C stops/, 60_000);
    await waitFor('roomlink.json in Storage', () => existsSync(join(storage, 'roomlink.json')));
    expect(await sim.stop('SIGINT')).toBe(0);
    expect(statSync(join(storage, 'roomlink.json')).mode & 0o777).toBe(0o600);
    expect(statSync(storage).mode & 0o777).toBe(0o700);
  }, 90_000);

  it('config init writes the config (which will hold the WiFi password) owner-only, also over an existing file', async () => {
    const dir = tempDir();
    expect((await runCli(['config', 'init', 'a.json'], { cwd: dir })).code).toBe(0);
    expect(statSync(join(dir, 'a.json')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'b.json'), '{}', { mode: 0o644 });
    expect((await runCli(['config', 'init', 'b.json', '--force'], { cwd: dir })).code).toBe(0);
    expect(statSync(join(dir, 'b.json')).mode & 0o777).toBe(0o600);
  });

  it('the demo leaves no temporary folder after Ctrl-C', async () => {
    const ownTmp = tempDir('roomlink-tmp-');
    const demo = start(['demo', '--port', '0', '--plain', '--interval', '1'], { env: { TMPDIR: ownTmp } });
    await demo.waitFor(/^kitchen temperature /m, 60_000);
    expect(readdirSync(ownTmp).length).toBeGreaterThan(0);
    expect(await demo.stop('SIGINT')).toBe(0);
    expect(readdirSync(ownTmp)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!hasMosquitto)('5. two hubs with one client id, and the default client id', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: false });
  });
  afterAll(async () => broker?.dispose());

  it('say at ERROR that another client takes the connection over, naming the client id and --client-id', async () => {
    const dir = tempDir();
    const hubs = ['a', 'b'].map((n) =>
      start(['hub', '--broker', broker.url, '--client-id', 'same-id-hub', '--data-dir', join(dir, n), '--serial', join(dir, `no-tty-${n}`)]),
    );
    const [line] = await Promise.any(hubs.map((hub) => hub.waitFor(/ERROR \[mqtt\] the broker keeps closing this hub's connection[^\n]*/, 45_000)));
    expect(line).toContain('another client is most likely using the same client id "same-id-hub"');
    expect(line).toContain('Give every hub its own client id: --client-id ID');
    expect(hintProblems(line, HUB_FLAGS)).toEqual([]);
    for (const hub of hubs) expect(await hub.stop()).toBe(0);
  }, 90_000);

  it('defaults to an id unique per data dir, and the same at every start', async () => {
    const dir = tempDir();
    const idOf = async (dataDir: string) => {
      const hub = start(['hub', '--broker', broker.url, '--data-dir', dataDir, '--serial', join(dir, 'no-tty')]);
      const [, id] = await hub.waitFor(/connected to broker url=\S+ client_id=(\S+)/);
      expect(await hub.stop()).toBe(0);
      return id!;
    };
    const first = await idOf(join(dir, 'one'));
    expect(first).toMatch(/^roomlink-hub-[a-z0-9_-]+-[0-9a-f]{6}$/);
    expect(await idOf(join(dir, 'two'))).not.toBe(first);
    expect(await idOf(join(dir, 'one'))).toBe(first);
  }, 90_000);
});

describe.skipIf(!hasMosquitto)('6. a wrong broker password is an authentication failure, not an outage', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: false, users: { hub: 'the-right-one' } });
  });
  afterAll(async () => broker?.dispose());

  it('hub: ERROR naming the flags to check, retried with a growing delay, said once per minute, no password shown', async () => {
    const dir = tempDir();
    const password = write(dir, 'pw', 'Wrong-hub-s3cret\n');
    const hub = start([
      'hub',
      '--broker',
      broker.url,
      '--username',
      'hub',
      '--password-file',
      password,
      '--data-dir',
      join(dir, 'data'),
      '--serial',
      join(dir, 'no-tty'),
      '--log-level',
      'debug',
    ]);
    const [error] = await hub.waitFor(/ERROR \[mqtt\] authentication failed[^\n]*/);
    expect(error).toContain("the broker refused the hub's login (not authorized); check --username USER and --password-file FILE");
    expect(error).toContain('username=hub');
    expect(hintProblems(error!, HUB_FLAGS)).toEqual([]);
    // Backoff: 5 s, then 10 s (an outage would retry within 0.5-5 s).
    await hub.waitFor(/reconnecting to broker in_ms=5000/);
    await hub.waitFor(/reconnecting to broker in_ms=10000/, 30_000);
    // The second refusal, within the minute, is not said again.
    expect(hub.output.match(/authentication failed/g)).toHaveLength(1);
    expect(hub.output).not.toMatch(/broker connection error/);
    expect(await hub.stop()).toBe(0);
    expect(hub.output).not.toContain('Wrong-hub-s3cret');
    for (const file of readdirSync(join(dir, 'data'))) {
      if (statSync(join(dir, 'data', file)).isFile()) expect(readFileSync(join(dir, 'data', file)).includes('Wrong-hub-s3cret'), file).toBe(false);
    }
  }, 90_000);

  it('the ERROR repeats at the configured slow rate while it lasts, and the retry delay doubles up to its ceiling', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) } });
    const connection = new MqttConnection(
      { will: { topic: 'roomlink/bridge/status', payload: 'offline' }, subscriptions: [], authRetryMinMs: 20, authRetryMaxMs: 80, repeatErrorMs: 300, log },
      { onConnect: () => {}, onClose: () => {}, onMessage: () => {} },
    );
    connection.start({ url: broker.url, client: { clientId: 'auth-repeat', username: 'hub', password: 'wrong' } });
    try {
      await waitFor('the ERROR said twice', () => lines.filter((l) => l.includes('ERROR') && l.includes('authentication failed')).length >= 2, 20_000);
    } finally {
      await connection.stop();
    }
    const errors = lines.filter((l) => l.includes('authentication failed'));
    const times = errors.map((l) => Date.parse(l.slice(0, 24)));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(300);
    const delays = lines
      .map((l) => /reconnecting to broker in_ms=(\d+)/.exec(l)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 80]);
    // Between the two ERRORs, more attempts were refused without a word.
    expect(Number(/attempts=(\d+)/.exec(errors[1]!)![1])).toBeGreaterThan(2);
  }, 30_000);
});

describe('7. a mistyped --serial is a WARN that points at `roomlink ports`', () => {
  it('hub --serial /no/such/tty', async () => {
    const dir = tempDir();
    const hub = start(['hub', '--broker', 'mqtt://127.0.0.1:1', '--serial', join(dir, 'ttyUSB9'), '--data-dir', join(dir, 'data')]);
    const [line] = await hub.waitFor(/^.* WARN {2}\[serial\] cannot open serial port[^\n]*/m);
    expect(line).toContain(`port=${join(dir, 'ttyUSB9')}`);
    expect(line).toMatch(/hint="no such device: check the path \(a typo\?\) or plug the board in; `roomlink ports` lists the serial ports"/);
    expect(await hub.stop()).toBe(0);
  }, 60_000);

  it('ports with no board found says what to check', async () => {
    const ports = await runCli(['ports']);
    expect(ports.code).toBe(0);
    if (/ {2}board {2}/.test(ports.stdout)) return; // a machine with a board plugged in: nothing to hint
    expect(ports.stderr).toContain('No board found');
    expect(ports.stderr).toContain('dialout');
    expect(ports.stderr).toContain('ModemManager');
    expect(ports.stderr).toContain('--serial PATH');
  });
});

describe('8. the examples, the demo and the README agree with the code', () => {
  it('a room written as a name gets its slug suggested', async () => {
    const dir = tempDir();
    const file = write(dir, 'node.json', nodeConfig({ room: 'Living Room', node: 'Desk 1' }));
    const check = await runCli(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(
      `roomlink config: ${file}: room: room 'Living Room': 'L' at position 1 is not allowed (ids are lower case); did you mean "living_room"?`,
    );
    expect(check.stderr).toContain('did you mean "desk_1"?');
  });

  it("the living-room example uses the demo's room and node, and each header names the file it was written to", async () => {
    const living = await runCli(['config', 'init', '-', '--example', 'living-room']);
    const demoLiving = demoNodes(1883, 5).find((n) => n.node === 'living-1')!;
    expect(living.stdout).toContain(`"room": "${demoLiving.room}"`);
    expect(living.stdout).toContain(`"node": "${demoLiving.node}"`);
    expect(living.stdout).toContain('--config node.json');
    const dir = tempDir();
    await runCli(['config', 'init', 'kitchen.json'], { cwd: dir });
    const kitchen = readFileSync(join(dir, 'kitchen.json'), 'utf8');
    expect(kitchen).toContain('roomlink flash --target /dev/ttyUSB0 --config kitchen.json');
    expect(kitchen).toContain('roomlink config check kitchen.json');
    // The filter comment is about every value of the BME280, not only temperature.
    const comment = kitchen.slice(kitchen.indexOf('"type": "bme280"'), kitchen.indexOf('"filters"'));
    for (const m of ['temperature', 'humidity', 'pressure']) expect(comment).toContain(m);
  });
});

describe('9. file errors, flag typos, subcommands and --help read the same in every command', () => {
  const nodeConfigCommands = (file: string) => [
    ['config', 'check', file],
    ['sim', '--config', file],
    ['flash', '--target', '/dev/null', '--config', file],
  ];
  const settingsCommands = (file: string) => [
    ['hub', '--config', file],
    ['broker', '--config', file],
    ['watch', '--config', file],
  ];
  /** The message after "roomlink <command>: ", the same for every command. */
  async function sameError(commands: string[][], expected: string | RegExp) {
    for (const args of commands) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines[0], args.join(' ')).toMatch(new RegExp(`^roomlink ${args[0]}: `));
      const message = lines[0]!.replace(/^roomlink \S+: /, '');
      if (typeof expected === 'string') expect(message, args.join(' ')).toBe(expected);
      else expect(message, args.join(' ')).toMatch(expected);
      // One line (a hint may follow), no stack trace.
      expect(
        lines.slice(1).every((l) => l.startsWith('hint: ') || l === '' || l.startsWith('Run `roomlink')),
        run.stderr,
      ).toBe(true);
    }
  }

  it('a missing file, a directory and broken JSON, in every command that reads a node config', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.json');
    const broken = write(dir, 'broken.json', '{\n  "node": "desk-1",\n  "room" "office"\n}\n');
    await sameError(nodeConfigCommands(missing), `${missing}: no such file`);
    await sameError(nodeConfigCommands(dir), `${dir}: is a directory, not a file`);
    await sameError(nodeConfigCommands(broken), `${broken}: not valid JSON at line 3, column 10: expected ':' after the property name, found '"'`);
  }, 120_000);

  it('a missing file, a directory and broken YAML, in every command that reads the settings', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.yaml');
    const broken = write(dir, 'broken.yaml', 'mqtt:\n  url: "mqtt://h\n');
    await sameError(settingsCommands(missing), `invalid settings: ${missing}: no such file`);
    await sameError(settingsCommands(dir), `invalid settings: ${dir}: is a directory, not a file`);
    await sameError(settingsCommands(broken), new RegExp(`^invalid settings: ${broken}: YAML syntax error at line \\d+, column \\d+: `));
  }, 120_000);

  it('other file flags: --entry, --firmware, --password-file', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope');
    await sameError([['build', '--entry', missing]], `${missing}: no such file`);
    const config = write(dir, 'node.json', nodeConfig());
    await sameError([['flash', '--target', '/dev/null', '--config', config, '--firmware', missing]], `${missing}: no such file`);
    await sameError(
      [['hub', '--password-file', missing, '--data-dir', dir]],
      `invalid settings: flag --password-file: mqtt.password_file: ${missing}: no such file`,
    );
  }, 60_000);

  it('a mistyped flag gets "did you mean" in every command, and exit code 2', async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const { flags } = (await command.load()).command;
      const flag = flags!.find((f) => f.flag.length >= 6 && f.flag !== '--help')!.flag;
      const typo = flag.slice(0, -2) + flag.slice(-1); // one letter dropped
      const run = await runCli([name, typo]);
      expect(run.code, `${name} ${typo}`).toBe(2);
      expect(run.stderr, `${name} ${typo}`).toContain(`roomlink ${name}: unknown option ${typo} (did you mean ${flag}?)`);
    }
    const command = await runCli(['wach']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'wach' (did you mean watch?)");
  }, 120_000);

  it('config frobnicate is an unknown subcommand', async () => {
    const run = await runCli(['config', 'frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('roomlink config: unknown subcommand "frobnicate"; roomlink config has init and check');
    const typo = await runCli(['config', 'chekc', 'x.json']);
    expect(typo.stderr).toContain('unknown subcommand "chekc" (did you mean check?)');
  });

  it('--help describes every flag of every command (build --help too)', async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const { flags } = (await command.load()).command;
      const help = await runCli([name, '--help']);
      expect(help.code, name).toBe(0);
      for (const f of flags!) {
        const line = help.stdout.split('\n').find((l) => new RegExp(`(^|\\s)${f.flag}( |$)`).test(l));
        expect(line, `${name} --help: ${f.flag}`).toBeDefined();
        expect(line!.split(/ {2,}/).at(-1)!.length, `${name} --help: ${f.flag} is described`).toBeGreaterThan(10);
      }
    }
    const build = await runCli(['build', '--help']);
    expect(build.stdout).toMatch(/--entry FILE +the firmware entry point/);
    expect(build.stdout).toMatch(/--out DIR +where firmware\.js and firmware\.min\.js \(or firmware-<drivers>\.js and \.min\.js\) go/);
    expect(build.stdout).toMatch(/--config FILE +a node config: build that node's firmware, with only the drivers its sensors need/);
  }, 60_000);
});

describe('10. config check warns about what is valid but most likely wrong', () => {
  it('a WiFi node without "wifi", and the example\'s placeholders left in', async () => {
    const dir = tempDir();
    const noWifi = write(
      dir,
      'no-wifi.json',
      JSON.stringify({
        node: 'desk-1',
        room: 'office',
        transport: 'wifi',
        mqtt: { host: '192.0.2.1' },
        sensors: [{ type: 'sim', measurement: 'temperature' }],
      }),
    );
    const a = await runCli(['config', 'check', noWifi]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`${noWifi}: ok, with 1 warning`);
    expect(a.stderr).toContain(`roomlink config: warning: ${noWifi}: wifi: missing for transport "wifi": on an ESP32 the node would never join a network`);
    await runCli(['config', 'init', 'node.json'], { cwd: dir });
    const b = await runCli(['config', 'check', 'node.json'], { cwd: dir });
    expect(b.code).toBe(0);
    expect(b.stderr).toContain(`warning: node.json: wifi.password: still the example's "change-me"`);
    const edited = readFileSync(join(dir, 'node.json'), 'utf8').replace('change-me', 'a-real-one').replace('my-network', 'home');
    writeFileSync(join(dir, 'node.json'), edited);
    const c = await runCli(['config', 'check', 'node.json'], { cwd: dir });
    expect(c.stderr).toBe('');
    expect(c.stdout).toMatch(/^node\.json: ok\n/);
  });
});

describe('11. npm start: says what it does at once, fast on a second run, fits 100 columns, says "stopped"', () => {
  it('a first run in a fresh copy says it is building the firmware before it is built; the second run shows readings in < 10 s', async () => {
    // A copy of the project without dist/, as after `git clone` (node_modules linked).
    const root = tempDir('roomlink-fresh-');
    for (const part of ['cli', 'hub', 'tools', 'espruino-host', 'shared', 'firmware', 'package.json'])
      cpSync(join(PROJECT_ROOT, part), join(root, part), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
    const first = start(['demo', '--port', '0', '--plain'], { root });
    await first.waitFor(/roomlink demo: building the firmware \(dist\/firmware\.js is missing\)…/, 30_000);
    expect(existsSync(join(root, 'dist/firmware.js'))).toBe(false);
    await first.waitFor(/roomlink demo: building the firmware \(dist\/firmware\.js is missing\): done in [\d.]+ s/, 120_000);
    await first.waitFor(/^kitchen temperature /m, 60_000);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = start(['demo', '--port', '0', '--plain'], { root });
    await second.waitFor(/^(kitchen|living_room) \w+ /m, 30_000);
    const seconds = (Date.now() - second.startedAt) / 1000;
    expect(second.stderr).not.toContain('building the firmware');
    expect(seconds, `second run: first reading after ${seconds} s`).toBeLessThan(10);
    expect(await second.stop('SIGINT')).toBe(0);
  }, 240_000);

  it('piped: the banner fits 100 columns, and Ctrl-C prints the "stopped" line', async () => {
    const demo = start(['demo', '--port', '0']);
    await demo.waitFor(/^kitchen temperature /m, 60_000);
    const banner = demo.stdout
      .slice(0, demo.stdout.search(/^(kitchen|living_room) /m))
      .trimEnd()
      .split('\n');
    expect(banner[0]).toMatch(/^roomlink demo: broker mqtt:\/\/127\.0\.0\.1:\d+/);
    for (const line of banner) expect([...line].length, line).toBeLessThanOrEqual(100);
    expect(await demo.stop('SIGINT')).toBe(0);
    expect(demo.stdout).toMatch(/\nroomlink demo stopped\.\n$/);
  }, 90_000);
});

describe.skipIf(!hasMosquitto)('12. health is retained: a new subscriber gets it at once', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: false });
  });
  afterAll(async () => broker?.dispose());

  it('subscribing after the hub connected gets roomlink/bridge/health without waiting for the next report', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const hub = start(['hub', '--broker', broker.url, '--data-dir', join(dir, 'data'), '--serial', join(dir, 'no-tty')]);
    await hub.waitFor(/connected to broker/);
    const status = await subscribe(broker.url, 'roomlink/bridge/status');
    await status.waitForTopic('roomlink/bridge/status');
    await status.end();
    // health.interval is 60 s: only a retained report can arrive within these 5 s.
    const late = await subscribe(broker.url, 'roomlink/bridge/health');
    const health = await late.waitForTopic('roomlink/bridge/health', 5000);
    await late.end();
    expect(health.retain).toBe(true);
    expect(JSON.parse(health.payload)).toMatchObject({ broker: { connected: true } });
    expect(await hub.stop()).toBe(0);
  }, 60_000);
});
