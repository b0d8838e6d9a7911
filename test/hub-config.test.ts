// Hub settings (defaults < file < environment < flags), their validation messages, the
// logger, and settings used for real against a private Mosquitto.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_FLAGS, brokerUsage, HUB_FLAGS, hubUsage, parseHubArgs, WATCH_FLAGS, watchUsage, type FlagKind, type FlagSpec } from '../hub/config/args.ts';
import { CONFIG_ENV, ENV_VARS, envLayer } from '../hub/config/env.ts';
import { mqttConnectOptions } from '../hub/config/client-options.ts';
import { describeSettings, redactUrl } from '../hub/config/describe.ts';
import { SettingsError } from '../hub/config/errors.ts';
import { loadHubSettings, type LoadHubSettingsOptions } from '../hub/config/load.ts';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { createLogger } from '../hub/log.ts';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { Recorder } from '../bench/helpers/mqtt.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-config-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Loads with an isolated environment: nothing from the developer's shell or ~/.roomlink. */
function load(options: LoadHubSettingsOptions = {}) {
  const warnings: string[] = [];
  const settings = loadHubSettings({
    env: { ROOMLINK_DATA_DIR: tempDir(), ...options.env },
    warn: (m) => warnings.push(m),
    ...options,
  });
  return { settings, warnings };
}

async function loadError(options: LoadHubSettingsOptions): Promise<SettingsError> {
  const error = await load(options).settings.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SettingsError);
  return error as SettingsError;
}

describe('settings defaults', () => {
  it('fills every key from the schema', async () => {
    const dataDir = tempDir();
    const settings = await load({ env: { ROOMLINK_DATA_DIR: dataDir } }).settings;
    expect(settings.mqtt.url).toBeUndefined();
    expect(settings.mqtt.client_id).toMatch(/^roomlink-hub-[a-z0-9_-]+$/);
    expect(settings.mqtt).toMatchObject({ reject_unauthorized: true, keepalive: 30 });
    expect(settings.broker).toEqual({
      host: '127.0.0.1',
      port: 1883,
      users: {},
      allow_anonymous: false,
      anonymous: { publish: [], subscribe: ['#'] },
      max_packet_bytes: 262144,
    });
    expect(settings.topics).toEqual({ readings: 'home', nodes: 'roomlink', bridge: 'roomlink/bridge', discovery: 'homeassistant' });
    expect(settings.qos).toBe(1);
    expect(settings.retain).toBe(true);
    expect(settings.serial).toEqual({ ports: [], autodetect: true, baud: 115200, dtr: false, rts: false, max_line_bytes: 1024, reconnect_max_ms: 10000 });
    expect(settings.nodes).toEqual({});
    expect(settings.availability).toEqual({ default_interval: 60, silence_factor: 3 });
    expect(settings.queue).toEqual({ max_messages: 1_000_000, flush_interval_ms: 200, memory_max_messages: 100_000, max_inflight: 5000 });
    expect(settings.health).toEqual({ interval: 60 });
    expect(settings.homeassistant).toEqual({ discovery: true, birth_topic: 'homeassistant/status' });
    expect(settings.data_dir).toBe(dataDir);
    expect(settings.log_level).toBe('info');
  });

  it('defaults data_dir to ~/.roomlink', async () => {
    const empty = writeFile(tempDir(), 'empty.yaml', '');
    const settings = await loadHubSettings({ env: {}, configFile: empty });
    expect(settings.data_dir).toBe(join(homedir(), '.roomlink'));
  });

  it('turns autodetect off by default once ports are listed, unless asked for', async () => {
    const dir = tempDir();
    const listed = await load({ argv: ['--serial', '/dev/ttyUSB0'] }).settings;
    expect(listed.serial.autodetect).toBe(false);
    const file = writeFile(dir, 'hub.yaml', 'serial:\n  ports: [{ path: /dev/ttyUSB0 }]\n  autodetect: true\n');
    expect((await load({ configFile: file }).settings).serial.autodetect).toBe(true);
  });

  it('reads <data_dir>/config.yaml when no file is named', async () => {
    const dataDir = tempDir();
    writeFile(dataDir, 'config.yaml', 'qos: 0\n');
    expect((await load({ env: { ROOMLINK_DATA_DIR: dataDir } }).settings).qos).toBe(0);
    expect((await load({ argv: ['--data-dir', dataDir] }).settings).qos).toBe(0);
  });

  it('generates a configuration reference with a description for every key', () => {
    const schema = z.toJSONSchema(hubSettingsSchema, { io: 'input' }) as Record<string, unknown>;
    const undocumented: string[] = [];
    const walk = (node: Record<string, unknown>, at: string) => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(properties ?? {})) {
        if (typeof child.description !== 'string' || child.description.length < 10) undocumented.push(`${at}${key}`);
        walk(child, `${at}${key}.`);
        if (child.items) walk(child.items as Record<string, unknown>, `${at}${key}[].`);
        if (typeof child.additionalProperties === 'object') walk(child.additionalProperties as Record<string, unknown>, `${at}${key}.*.`);
      }
    };
    walk(schema, '');
    expect(undocumented).toEqual([]);
    // Spot check that nesting was walked at all.
    expect(JSON.stringify(schema)).toContain('reconnect_max_ms');
  });
});

describe('settings layering: defaults < file < environment < flags', () => {
  it('takes each key from the highest layer that sets it', async () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'hub.yaml',
      ['qos: 0', 'log_level: warn', 'serial:', '  baud: 9600', 'topics:', '  readings: flat', 'health:', '  interval: 5'].join('\n'),
    );
    const settings = await load({
      configFile: file,
      env: { ROOMLINK_QOS: '1', ROOMLINK_LOG_LEVEL: 'debug', ROOMLINK_SERIAL: '/dev/ttyA, /dev/ttyB' },
      argv: ['--log-level', 'error', '--baud=57600'],
    }).settings;
    expect(settings.qos).toBe(1); // env over file
    expect(settings.log_level).toBe('error'); // flag over env over file
    expect(settings.serial.baud).toBe(57600); // flag over file
    expect(settings.serial.ports.map((p) => p.path)).toEqual(['/dev/ttyA', '/dev/ttyB']); // env
    expect(settings.topics.readings).toBe('flat'); // file over default
    expect(settings.topics.nodes).toBe('roomlink'); // sibling keeps its default
    expect(settings.health.interval).toBe(5);
  });

  it('finds the file through --config, then ROOMLINK_CONFIG', async () => {
    const dir = tempDir();
    const viaEnv = writeFile(dir, 'env.yaml', 'qos: 0\n');
    const viaFlag = writeFile(dir, 'flag.yaml', 'retain: false\n');
    const both = await load({ env: { ROOMLINK_CONFIG: viaEnv }, argv: ['--config', viaFlag] }).settings;
    expect(both).toMatchObject({ qos: 1, retain: false });
    const envOnly = await load({ env: { ROOMLINK_CONFIG: viaEnv } }).settings;
    expect(envOnly).toMatchObject({ qos: 0, retain: true });
  });

  it('keeps the file options of a port that --serial lists by path', async () => {
    const file = writeFile(tempDir(), 'hub.yaml', 'serial:\n  ports:\n    - { path: /dev/ttyUSB0, node: kitchen, baud: 9600 }\n    - { path: /dev/ttyUSB1 }\n');
    const settings = await load({ configFile: file, argv: ['--serial', '/dev/ttyUSB0', '--serial', '/dev/ttyACM0'] }).settings;
    expect(settings.serial.ports).toEqual([{ path: '/dev/ttyUSB0', node: 'kitchen', baud: 9600 }, { path: '/dev/ttyACM0' }]);
  });

  it('moves user:password@ out of --broker and ROOMLINK_BROKER', async () => {
    const fromFlag = load({ argv: ['--broker', 'mqtts://hub:s3cr%40t@broker.lan:8883'] });
    const settings = await fromFlag.settings;
    expect(settings.mqtt).toMatchObject({ url: 'mqtts://broker.lan:8883', username: 'hub', password: 's3cr@t' });
    expect(fromFlag.warnings.join('\n')).toMatch(/visible|read it/);
    expect(fromFlag.warnings.join('\n')).not.toContain('s3cr');

    const fromEnv = await load({ env: { ROOMLINK_BROKER: 'mqtt://envuser:envpass@10.0.0.2:1884' } }).settings;
    expect(fromEnv.mqtt).toMatchObject({ url: 'mqtt://10.0.0.2:1884', username: 'envuser', password: 'envpass' });

    // A dedicated flag beats what the URL says, in either order.
    const explicit = await load({ argv: ['--username', 'typed', '--broker', 'mqtt://inurl:pw@h:1'] }).settings;
    expect(explicit.mqtt.username).toBe('typed');
  });

  it('warns that --password is visible in ps, and still uses it', async () => {
    const { settings, warnings } = load({ argv: ['--broker', 'mqtt://h:1883', '--password', 'pw-on-cli'] });
    expect((await settings).mqtt.password).toBe('pw-on-cli');
    expect(warnings.some((w) => w.includes('ps'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('pw-on-cli');
  });
});

describe('passwords', () => {
  it('reads mqtt.password_file relative to the settings file, without the trailing newline', async () => {
    const dir = tempDir();
    writeFile(dir, 'mqtt-password', 'from-file\n');
    const file = writeFile(dir, 'hub.yaml', 'mqtt:\n  url: mqtt://h:1883\n  username: hub\n  password_file: mqtt-password\n');
    const settings = await load({ configFile: file }).settings;
    expect(settings.mqtt.password).toBe('from-file');
    expect(settings.mqtt.password_file).toBe(join(dir, 'mqtt-password'));
  });

  it('lets each higher layer replace the password, whichever way it is given', async () => {
    const dir = tempDir();
    const passwordFile = writeFile(dir, 'pw', 'file-pw');
    const config = writeFile(dir, 'hub.yaml', 'mqtt:\n  password: yaml-pw\n');
    const envBeatsFile = await load({ configFile: config, env: { ROOMLINK_MQTT_PASSWORD_FILE: passwordFile } }).settings;
    expect(envBeatsFile.mqtt.password).toBe('file-pw');
    const flagBeatsEnv = await load({ configFile: config, env: { ROOMLINK_MQTT_PASSWORD: 'env-pw' }, argv: ['--password-file', passwordFile] }).settings;
    expect(flagBeatsEnv.mqtt.password).toBe('file-pw');
    const envPassword = await load({ env: { ROOMLINK_MQTT_PASSWORD: 'env-pw' } }).settings;
    expect(envPassword.mqtt.password).toBe('env-pw');
  });

  it('names a missing or empty password file', async () => {
    const dir = tempDir();
    const missing = await loadError({ argv: ['--password-file', join(dir, 'nope')] });
    expect(missing.message).toContain(`flag --password-file: mqtt.password_file: ${join(dir, 'nope')}: no such file`);
    const empty = writeFile(dir, 'empty', '\n');
    const emptyError = await loadError({ env: { ROOMLINK_MQTT_PASSWORD_FILE: empty } });
    expect(emptyError.message).toContain('environment variable ROOMLINK_MQTT_PASSWORD_FILE: mqtt.password_file:');
    expect(emptyError.message).toContain('is empty');
  });

  it('never shows a password in describeSettings, redactUrl or errors', async () => {
    const secret = 'Sup3r-Secret-Pw';
    const dir = tempDir();
    const settings = await load({ argv: ['--broker', `mqtt://hub:${secret}@broker.lan:1883`] }).settings;
    expect(settings.mqtt.password).toBe(secret);
    const description = describeSettings(settings);
    expect(description).toContain('mqtt://broker.lan:1883');
    expect(description).toContain('user hub');
    expect(description).not.toContain(secret);

    const embedded = await load({ env: { ROOMLINK_BROKER_USERNAME: 'u', ROOMLINK_BROKER_PASSWORD: secret } }).settings;
    expect(describeSettings(embedded)).toContain('embedded broker on 127.0.0.1:1883');
    expect(describeSettings(embedded)).not.toContain(secret);

    expect(redactUrl(`mqtt://hub:${secret}@broker.lan:1883`)).toBe('mqtt://hub:***@broker.lan:1883');
    expect(redactUrl(`mqtts://hub:${secret}@broker.lan/`)).toBe('mqtts://hub:***@broker.lan/');
    expect(redactUrl('mqtt://broker.lan:1883')).toBe('mqtt://broker.lan:1883');
    expect(redactUrl(`mqtt//hub:${secret}@broker.lan`)).not.toContain(secret);

    // Values that fail validation are echoed, except secrets and URL credentials.
    const cases = [
      `mqtt:\n  url: "http://hub:${secret}@broker.lan"\n`,
      `mqtt:\n  url: "mqtt//hub:${secret}@broker.lan"\n`,
      `mqtt:\n  password: ["${secret}"]\n`,
      `broker:\n  password: "${secret}"\n`, // no username: the error must not quote the password
    ];
    for (const text of cases) {
      const error = await loadError({ configFile: writeFile(dir, 'bad.yaml', text) });
      expect(error.message, text).not.toContain(secret);
      expect(String(error.stack), text).not.toContain(secret);
    }
  });
});

describe('settings validation names the source, the key and the problem', () => {
  const cases: Array<{ name: string; yaml: string; key: string; problem: RegExp }> = [
    {
      name: 'bad baud',
      yaml: 'serial:\n  ports:\n    - path: /dev/ttyUSB0\n    - path: /dev/ttyUSB1\n      baud: fast\n',
      key: 'serial.ports[1].baud',
      problem: /expected a number, got "fast"/,
    },
    { name: 'baud too low', yaml: 'serial:\n  baud: 12\n', key: 'serial.baud', problem: /at least 300/ },
    { name: 'prefix with #', yaml: 'topics:\n  readings: "home/#"\n', key: 'topics.readings', problem: /wildcard '#'/ },
    { name: 'prefix with a trailing slash', yaml: 'topics:\n  nodes: "roomlink/"\n', key: 'topics.nodes', problem: /start or end with '\/'/ },
    { name: 'prefix starting with $', yaml: 'topics:\n  bridge: "$SYS/roomlink"\n', key: 'topics.bridge', problem: /\$/ },
    { name: 'node id with /', yaml: 'nodes:\n  "living/room": { room: living }\n', key: 'nodes["living/room"]', problem: /'\/' at position 7/ },
    {
      name: 'room that is not a slug',
      yaml: 'serial:\n  ports:\n    - { path: /dev/ttyUSB0, room: Living Room }\n',
      key: 'serial.ports[0].room',
      problem: /not allowed/,
    },
    { name: 'unknown key', yaml: 'serial:\n  bauds: 9600\n', key: 'serial.bauds', problem: /unknown key \(did you mean "baud"\?\)/ },
    { name: 'unknown top-level key', yaml: 'mqqt:\n  url: mqtt://h\n', key: 'mqqt', problem: /unknown key \(did you mean "mqtt"\?\)/ },
    { name: 'bad URL scheme', yaml: 'mqtt:\n  url: http://broker.lan\n', key: 'mqtt.url', problem: /scheme "http" is not supported/ },
    { name: 'qos 2', yaml: 'qos: 2\n', key: 'qos', problem: /one of 0, 1/ },
    {
      name: 'duplicate port',
      yaml: 'serial:\n  ports: [{ path: /dev/a }, { path: /dev/a }]\n',
      key: 'serial.ports[1].path',
      problem: /already listed as serial.ports\[0\]/,
    },
    { name: 'cert without key', yaml: 'mqtt:\n  cert: /etc/hostname\n', key: 'mqtt.key', problem: /required when mqtt.cert/ },
  ];

  it.each(cases)('$name', async ({ yaml, key, problem }) => {
    const file = writeFile(tempDir(), 'hub.yaml', yaml);
    const error = await loadError({ configFile: file });
    expect(error.problems).toHaveLength(1);
    const line = error.message.split('\n').find((l) => l.includes(`${file}: ${key}: `));
    expect(line, error.message).toBeDefined();
    expect(line).toMatch(problem);
    expect(error.stack).not.toMatch(/\n\s+at /); // a settings mistake, not a crash
  });

  it('reports a YAML syntax error with its line number', async () => {
    const file = writeFile(tempDir(), 'hub.yaml', 'mqtt:\n  url: mqtt://h\nserial:\n  ports: [ { path: /dev/a }\nqos: 1\n');
    const error = await loadError({ configFile: file });
    expect(error.message).toMatch(new RegExp(`${file}: YAML syntax error at line [45], column \\d+`));
  });

  it('rejects a file that is not a mapping, and a missing named file', async () => {
    const dir = tempDir();
    const list = await loadError({ configFile: writeFile(dir, 'list.yaml', '- a\n- b\n') });
    expect(list.message).toContain('must be a YAML mapping');
    const missing = await loadError({ configFile: join(dir, 'absent.yaml') });
    expect(missing.message).toContain(`${join(dir, 'absent.yaml')}: no such file`);
  });

  it('lists every problem at once, each under the variable or flag that caused it', async () => {
    const file = writeFile(tempDir(), 'hub.yaml', 'serial:\n  baud: 12\n');
    const error = await loadError({
      configFile: file,
      env: { ROOMLINK_QOS: 'high', ROOMLINK_LOG_LEVEL: 'loud' },
      argv: ['--data-dir', '', '--broker', 'ftp://x'],
    });
    const lines = error.problems.map((p) => `${p.source} | ${p.path.join('.')}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `${file} | serial.baud`,
        'environment variable ROOMLINK_QOS | qos',
        'environment variable ROOMLINK_LOG_LEVEL | log_level',
        'flag --broker | mqtt.url',
        'flag --data-dir | data_dir',
      ]),
    );
    expect(error.problems).toHaveLength(5);
  });

  it('loads the example file, which shows every section', async () => {
    const path = new URL('../hub/config/example.yaml', import.meta.url).pathname;
    await expect(load({ configFile: path }).settings).resolves.toMatchObject({ qos: 1, serial: { baud: 115200 } });
    const text = readFileSync(path, 'utf8');
    const shown = Object.keys(hubSettingsSchema.shape).filter((key) => new RegExp(`^#? ?${key}:`, 'm').test(text));
    expect(shown).toEqual(Object.keys(hubSettingsSchema.shape));
    expect(parseYaml(text)).toBeTypeOf('object');
  });
});

describe('hub flags', () => {
  it('parses --flag value and --flag=value, repeatable --serial, and --help', () => {
    const args = parseHubArgs(['--serial', '/dev/a', '--serial=/dev/b', '--qos', '0', '-h', '--config', 'x.yaml']);
    expect(args.help).toBe(true);
    expect(args.configFile).toBe('x.yaml');
    expect(args.overrides).toEqual({ serial: { ports: [{ path: '/dev/a' }, { path: '/dev/b' }] }, qos: 0 });
  });

  it('refuses unknown flags with a suggestion and flags without their value', () => {
    expect(() => parseHubArgs(['--brokr', 'mqtt://h'])).toThrow(/unknown option --brokr \(did you mean --broker\?\)/);
    expect(() => parseHubArgs(['--serial'])).toThrow(/--serial needs a value \(--serial PATH\)/);
    expect(() => parseHubArgs(['--broker', '--qos', '1'])).toThrow(/--broker needs a value \(--broker URL\)/);
    expect(() => parseHubArgs(['-broker', 'mqtt://h'])).toThrow(/^unknown option -broker \(did you mean --broker\?\)$/);
    expect(() => parseHubArgs(['--help=yes'])).toThrow(/--help takes no value/);
    expect(() => parseHubArgs(['stray'])).toThrow(/unexpected argument "stray"/);
  });

  it('documents every flag in hubUsage()', () => {
    const usage = hubUsage();
    for (const flag of [
      '--broker',
      '--username',
      '--password-file',
      '--ca',
      '--cert',
      '--key',
      '--serial',
      '--baud',
      '--config',
      '--data-dir',
      '--qos',
      '--log-level',
      '--client-id',
      '--help',
    ]) {
      expect(usage).toContain(flag);
    }
  });
});

describe('flags and environment variables come from the settings schema', () => {
  interface Json {
    type?: string;
    default?: unknown;
    enum?: unknown[];
    properties?: Record<string, Json>;
    flag?: string;
    env?: string;
  }
  const json = z.toJSONSchema(hubSettingsSchema, { io: 'input' }) as Json;
  const at = (key: readonly string[]) => key.reduce<Json | undefined>((s, k) => s?.properties?.[k], json);
  /** The JSON types a kind of flag or variable can set. */
  const TYPES: Record<FlagKind, string[]> = {
    string: ['string'],
    path: ['string'],
    url: ['string'],
    number: ['integer', 'number'],
    true: ['boolean'],
    false: ['boolean'],
    serial: ['array'],
    list: ['array'],
  };
  const TABLES: Record<string, readonly FlagSpec[]> = { hub: HUB_FLAGS, broker: BROKER_FLAGS, watch: WATCH_FLAGS };

  it('keeps .meta() in the JSON schema (what the tables are built from)', () => {
    expect(at(['qos'])).toMatchObject({ flag: '--qos', env: 'ROOMLINK_QOS', default: 1 });
    expect(at(['serial', 'baud'])).toMatchObject({ flag: '--baud', default: 115200 });
  });

  it.each(Object.keys(TABLES))('every %s flag with a key sets a key of the schema, of a type its kind fits', (name) => {
    for (const spec of TABLES[name]!) {
      if (!spec.key) continue;
      const target = at(spec.key);
      expect(target, `${spec.flag} -> ${spec.key.join('.')}`).toBeDefined();
      expect(TYPES[spec.kind], `${spec.flag} (${spec.kind}) -> ${spec.key.join('.')} (${target!.type})`).toContain(target!.type);
      expect(target!.flag, `${spec.flag} is declared on ${spec.key.join('.')}`).toBe(spec.flag);
    }
  });

  it('every environment variable sets a key of the schema, of a type its kind fits', () => {
    expect(ENV_VARS.length).toBeGreaterThan(10);
    for (const spec of ENV_VARS) {
      const target = at(spec.key);
      expect(target, `${spec.name} -> ${spec.key.join('.')}`).toBeDefined();
      expect(TYPES[spec.kind], `${spec.name} (${spec.kind}) -> ${spec.key.join('.')} (${target!.type})`).toContain(target!.type);
      expect(spec.name).toMatch(/^ROOMLINK_[A-Z_]+$/);
    }
  });

  it('no name stands for two keys: flags within one command, variables anywhere', () => {
    for (const [name, table] of Object.entries(TABLES)) {
      const flags = table.flatMap((f) => (f.short ? [f.flag, `-${f.short}`] : [f.flag]));
      expect(flags, name).toEqual([...new Set(flags)]);
    }
    const names = [...ENV_VARS.map((e) => e.name), CONFIG_ENV];
    expect(names).toEqual([...new Set(names)]);
  });

  it("--help shows each flag's default from the schema, and lists the command's variables", () => {
    for (const [name, table] of Object.entries(TABLES)) {
      for (const spec of table) {
        const def = spec.key && at(spec.key)!.default;
        if (typeof def === 'number' || (typeof def === 'string' && !def.includes(homedir()) && !def.startsWith('roomlink-hub-'))) {
          expect(spec.help, `${name} ${spec.flag}`).toContain(String(def));
        }
      }
    }
    const usages = [hubUsage(), brokerUsage(), watchUsage()].join('\n');
    for (const e of ENV_VARS) expect(usages, e.name).toContain(e.name);
    expect(hubUsage()).toContain('ROOMLINK_SERIAL (comma list)');
    expect(watchUsage()).not.toContain('ROOMLINK_BROKER_PASSWORD');
    expect(brokerUsage()).toContain('ROOMLINK_BROKER_PASSWORD_FILE');
  });

  it("variables are read as their key's type says: serial ports as a comma list, numbers as numbers", () => {
    expect(envLayer({ ROOMLINK_SERIAL: ' /dev/a, /dev/b ,' }).values).toEqual({ serial: { ports: [{ path: '/dev/a' }, { path: '/dev/b' }] } });
    expect(envLayer({ ROOMLINK_QOS: '0' }).values).toEqual({ qos: 0 });
  });
});

describe('logger', () => {
  const clock = () => new Date('2026-11-26T10:00:00.123Z');
  function capture(options: Parameters<typeof createLogger>[0] = {}) {
    const lines: string[] = [];
    const log = createLogger({ now: clock, ...options, stream: { write: (chunk: string) => lines.push(chunk) } });
    return { log, lines };
  }

  it('prints one line per event with scope and fields', () => {
    const { log, lines } = capture();
    log.child('serial').info('port opened', { path: '/dev/ttyUSB0', baud: 115200 });
    expect(lines).toEqual(['2026-11-26T10:00:00.123Z INFO  [serial] port opened path=/dev/ttyUSB0 baud=115200\n']);
  });

  it('prints only the levels at or above its own', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['WARN', 'ERROR']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });

  it('does no work for a disabled level', () => {
    const { log } = capture({ level: 'info' });
    let serialized = 0;
    const costly = {
      toJSON: () => {
        serialized++;
        return 'x';
      },
    };
    log.debug('hot path', { costly });
    expect(serialized).toBe(0);
    log.info('not hot', { costly });
    expect(serialized).toBe(1);
  });

  it('quotes values with spaces, escapes newlines and nests scopes', () => {
    const { log, lines } = capture({ level: 'debug' });
    log
      .child('hub')
      .child('mqtt')
      .debug('line one\nline two', { reason: 'connection refused', empty: '', ok: true, n: null, skip: undefined, err: new Error('boom now') });
    expect(lines[0]).toBe('2026-11-26T10:00:00.123Z DEBUG [hub:mqtt] line one\\nline two reason="connection refused" empty="" ok=true n=null err="boom now"\n');
  });

  it('prints password, secret and token fields as *** in text and JSON, also nested', () => {
    for (const json of [false, true]) {
      const { log, lines } = capture({ json });
      log.info('connecting', { password: 'p1', mqtt_password: 'p2', secret: 'p3', token: 'p4', options: { username: 'u', password: 'p5' } });
      const out = lines.join('');
      for (const secret of ['p1', 'p2', 'p3', 'p4', 'p5']) expect(out).not.toContain(secret);
      expect(out).toContain('***');
      expect(out).toContain('u');
    }
  });

  it('writes parseable JSON lines', () => {
    const { log, lines } = capture({ json: true });
    log.child('serial').warn('port lost', { path: '/dev/ttyUSB0' });
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-11-26T10:00:00.123Z', level: 'warn', scope: 'serial', msg: 'port lost', path: '/dev/ttyUSB0' });
  });
});

describe.skipIf(!requireTools('mosquitto'))('settings against a real Mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto({ persistence: false });
  });
  afterAll(async () => {
    await mosquitto?.dispose();
  });

  it('connects with the URL, credentials and client id the settings produce', async () => {
    const url = `mqtt://checker:pw-${Date.now()}@127.0.0.1:${mosquitto.port}`;
    const { settings } = load({ argv: ['--broker', url, '--client-id', 'roomlink-hub-cfgtest'] });
    const resolved = await settings;
    const description = describeSettings(resolved);
    expect(description).toContain(`mqtt://127.0.0.1:${mosquitto.port}`);
    expect(description).not.toContain('pw-');

    const target = await mqttConnectOptions(resolved);
    expect(target.url).toBe(`mqtt://127.0.0.1:${mosquitto.port}`);
    const client = mqtt.connect(target.url, { ...target.options, reconnectPeriod: 0 });
    const recorder = new Recorder(client);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      // Mosquitto logs who connected: the client id and user name came through.
      await waitFor('mosquitto to log the connection', () => /as roomlink-hub-cfgtest .*u'checker'/.test(mosquitto.output));
      await client.subscribeAsync(`${resolved.topics.readings}/#`, { qos: 1 });
      await client.publishAsync(`${resolved.topics.readings}/kitchen/temperature`, '21.5', { qos: resolved.qos, retain: false });
      const got = await recorder.waitForTopic(`${resolved.topics.readings}/kitchen/temperature`);
      expect(got.payload).toBe('21.5');
    } finally {
      await client.endAsync();
    }
  });
});
