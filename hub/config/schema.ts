// The hub's settings: one schema, with every default underneath and every key documented,
// so that a configuration reference can be generated from it
// (`z.toJSONSchema(hubSettingsSchema, { io: 'input' })`). The YAML file, environment
// variables and command-line flags are layered on top of these defaults by load.ts.
import { createHash } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { slugProblem } from '../../shared/slug.ts';
import { prefixProblem, RESERVED_NODE_IDS, topicFilterProblem, topicNameProblem } from '../../shared/topics.ts';
import { isLoopbackHost } from '../broker/access.ts';
import { HUB_USER, ROLE_DESCRIPTIONS, ROLES } from '../broker/acl.ts';
import { DEFAULT_MAX_PACKET_BYTES, MQTT_MAX_REMAINING } from '../broker/packet-guard.ts';
import { FIRST_READING_ID, READING_IDS } from '../mqtt/packet-ids.ts';

/**
 * How a setting is given on the command line and in the environment, next to its key:
 * `.meta({ flag: '--qos', env: 'ROOMLINK_QOS', metavar: '0|1' })`. The metadata survives into
 * `z.toJSONSchema(hubSettingsSchema, { io: 'input' })`, from which cli-meta.ts derives the
 * flag tables of `roomlink hub`, `broker` and `watch`, the environment variables and the
 * README's configuration reference.
 */
declare module 'zod' {
  interface GlobalMeta {
    /** Command-line flag of the commands that read this key's section, e.g. '--baud'. */
    flag?: string;
    /** Environment variable, e.g. 'ROOMLINK_QOS'. */
    env?: string;
    /** Placeholder of the flag's value in `--help`, e.g. 'N' or 'HOST:PORT'. */
    metavar?: string;
    /** Where the JSON type is not enough: a path (resolved against the working directory), a broker URL (credentials split off) or serial ports (repeatable, one path each). */
    flagKind?: 'path' | 'url' | 'serial';
    /** The `--help` line when the description is too long for one; `{default}` stands for the default, else it is appended. */
    flagHelp?: string;
  }
}

/** Node ids and room names end up as MQTT topic levels and entity ids (rules in shared/slug.ts). */
export const SLUG_PATTERN = /^[a-z0-9_-]{1,32}$/;

export const URL_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'] as const;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const slug = (what: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = slugProblem(value, what);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const nodeId = () =>
  slug('node id').superRefine((value, ctx) => {
    if (RESERVED_NODE_IDS.includes(value))
      ctx.addIssue({ code: 'custom', message: `node id '${value}' is reserved (it would collide with the hub's own topics)` });
  });

/** Why `prefix` cannot start an MQTT topic name, or undefined when it can. */
export function topicPrefixProblem(prefix: string): string | undefined {
  return prefixProblem(prefix, 'prefix');
}

const topicPrefix = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = topicPrefixProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(fallback);

/** Why `url` cannot name an MQTT broker, or undefined when it can. Never echoes credentials. */
export function brokerUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a URL; expected e.g. mqtt://broker.local:1883 (schemes: ${URL_SCHEMES.join(', ')})`;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!(URL_SCHEMES as readonly string[]).includes(scheme)) {
    return `scheme "${scheme}" is not supported; use one of ${URL_SCHEMES.join(', ')}`;
  }
  if (!parsed.hostname) return 'has no host name';
  return undefined;
}

const port = () => z.number().int('must be a whole number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535');
const baud = () => z.number().int('must be a whole number').min(300, 'must be at least 300').max(5_000_000, 'must be at most 5000000');
const positiveInt = (max = Number.MAX_SAFE_INTEGER) => z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const positiveNumber = () => z.number().positive('must be greater than 0');

/**
 * roomlink-hub-<hostname>-<6 hex digits of the data dir's path>: unique per machine and data
 * dir, so two hubs (one per data dir) never share a client id and knock each other off the
 * broker. load.ts fills it in from the data dir actually used.
 */
export function defaultClientId(dataDir = join(homedir(), '.roomlink')): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'host';
  return `roomlink-hub-${host}-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 6)}`;
}

export const mqttSchema = z
  .strictObject({
    url: z
      .string()
      .superRefine((value, ctx) => {
        const problem = brokerUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'Broker URL, e.g. mqtt://192.168.1.10:1883 or mqtts://broker.example:8883. ' +
          'Unset: the hub starts its embedded broker (see `broker`) and uses that. ' +
          'user:password@ in the URL is moved into username/password.',
      )
      .meta({
        flag: '--broker',
        env: 'ROOMLINK_BROKER',
        metavar: 'URL',
        flagKind: 'url',
        flagHelp: 'MQTT broker, e.g. mqtt://192.168.1.10:1883 (default: start the embedded broker)',
      }),
    username: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('User name for the broker.')
      .meta({ flag: '--username', env: 'ROOMLINK_MQTT_USERNAME', metavar: 'USER', flagHelp: 'broker user name' }),
    password: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Password for the broker. Prefer password_file or ROOMLINK_MQTT_PASSWORD so it stays out of the settings file.')
      .meta({ flag: '--password', env: 'ROOMLINK_MQTT_PASSWORD', metavar: 'PASSWORD', flagHelp: 'broker password (visible in `ps`; prefer --password-file)' }),
    password_file: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('File holding the broker password (one line; a trailing newline is ignored).')
      .meta({
        flag: '--password-file',
        env: 'ROOMLINK_MQTT_PASSWORD_FILE',
        metavar: 'FILE',
        flagKind: 'path',
        flagHelp: 'file holding the broker password (or set ROOMLINK_MQTT_PASSWORD)',
      }),
    client_id: z
      .string()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .default(() => defaultClientId())
      .describe(
        'MQTT client id; must be unique per hub when several hubs share a broker (a second client with the same id takes the ' +
          'connection over, and the two knock each other off). Default roomlink-hub-<hostname>-<hash of data_dir>, unique per machine and data dir.',
      )
      .meta({ flag: '--client-id', metavar: 'ID', flagHelp: 'MQTT client id, unique per hub' }),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file with the CA certificate(s) that signed the broker certificate (mqtts/wss).')
      .meta({ flag: '--ca', metavar: 'FILE', flagKind: 'path', flagHelp: 'CA certificate (PEM) for mqtts:// and wss://' }),
    cert: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file with the client certificate, for brokers that require TLS client authentication.')
      .meta({ flag: '--cert', metavar: 'FILE', flagKind: 'path', flagHelp: 'client certificate (PEM)' }),
    key: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file with the private key for `cert`.')
      .meta({ flag: '--key', metavar: 'FILE', flagKind: 'path', flagHelp: 'client private key (PEM)' }),
    reject_unauthorized: z.boolean().default(true).describe('Verify the broker certificate. Turn off only for testing with self-signed certificates.'),
    keepalive: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0-65535')
      .max(65535, 'must be 0-65535')
      .default(30)
      .describe('MQTT keepalive in seconds: how soon the broker notices a dead hub and publishes its last will.'),
  })
  .superRefine((mqtt, ctx) => {
    if (mqtt.cert && !mqtt.key) ctx.addIssue({ code: 'custom', path: ['key'], message: 'is required when mqtt.cert is set' });
    if (mqtt.key && !mqtt.cert) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'is required when mqtt.key is set' });
  })
  .prefault({})
  .describe('The MQTT broker the hub publishes to.');

const topicFilters = () =>
  z.array(
    z.string().superRefine((value, ctx) => {
      const problem = topicFilterProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

const brokerUserName = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[^\s:]+$/, 'must not contain spaces or ":"')
    .refine((name) => name !== HUB_USER, `"${HUB_USER}" is the hub's own account on its embedded broker; choose another name`);

export const brokerUserSchema = z
  .strictObject({
    password: z.string().min(1, 'must not be empty').optional().describe('Password of this account. Prefer password_file.'),
    password_file: z.string().min(1, 'must not be empty').optional().describe('File holding the password of this account (one line).'),
    role: z.enum(ROLES).describe(`What the account may do: ${ROLES.map((r) => `${r} (${ROLE_DESCRIPTIONS[r]})`).join('; ')}.`),
    nodes: z
      .array(nodeId())
      .optional()
      .describe('role node: the node ids this account publishes for (status, info, discovery, commands). Default: the user name.'),
    publish: topicFilters().default([]).describe('Topic filters this account may also publish to, on top of its role.'),
    subscribe: topicFilters().default([]).describe('Topic filters this account may also subscribe to, on top of its role.'),
  })
  .superRefine((user, ctx) => {
    if (user.password === undefined && user.password_file === undefined)
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'is required (or password)' });
  })
  .describe('One account on the embedded broker.');

export const brokerSchema = z
  .strictObject({
    host: z
      .string()
      .min(1, 'must not be empty')
      .default('127.0.0.1')
      .describe('Address the embedded broker listens on. Anything but a loopback address needs username+password or allow_anonymous.')
      .meta({ flag: '--host', metavar: 'HOST', flagHelp: 'address to listen on (default {default}; others need credentials or --allow-anonymous)' }),
    port: port()
      .default(1883)
      .describe('TCP port of the embedded broker; 0 picks a free port.')
      .meta({ flag: '--port', metavar: 'N', flagHelp: 'TCP port (default {default}; 0 picks a free one)' }),
    username: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('One account with full access (role admin) on the embedded broker; prefer `users` with a role per account.')
      .meta({ flag: '--username', env: 'ROOMLINK_BROKER_USERNAME', metavar: 'USER', flagHelp: 'user name clients must present' }),
    password: z.string().min(1, 'must not be empty').optional().describe('Password of broker.username.').meta({
      flag: '--password',
      env: 'ROOMLINK_BROKER_PASSWORD',
      metavar: 'PASSWORD',
      flagHelp: 'password clients must present (visible in `ps`; prefer --password-file)',
    }),
    password_file: z.string().min(1, 'must not be empty').optional().describe('File holding the password of broker.username.').meta({
      flag: '--password-file',
      env: 'ROOMLINK_BROKER_PASSWORD_FILE',
      metavar: 'FILE',
      flagKind: 'path',
      flagHelp: 'file holding the password clients must present',
    }),
    users: z
      .record(brokerUserName(), brokerUserSchema)
      .default({})
      .describe(
        'Accounts on the embedded broker, keyed by user name, each with a role that decides where it may publish and subscribe. A wrong password is always refused.',
      ),
    allow_anonymous: z
      .boolean()
      .default(false)
      .describe(
        'Accept clients without credentials even when listening on a network address. ' +
          'On a loopback address without any account configured anonymous clients are always accepted.',
      )
      .meta({ flag: '--allow-anonymous', flagHelp: 'accept clients without credentials on a network address' }),
    anonymous: z
      .strictObject({
        publish: topicFilters().default([]).describe('Topic filters anonymous clients may publish to. Default none.'),
        subscribe: topicFilters().default(['#']).describe('Topic filters anonymous clients may subscribe to. Default everything but $SYS.'),
      })
      .prefault({})
      .describe('What clients without a user name may do, when they are let in.'),
    max_packet_bytes: positiveInt(MQTT_MAX_REMAINING + 5)
      .default(DEFAULT_MAX_PACKET_BYTES)
      .describe(
        'Largest MQTT packet the embedded broker accepts (header included); a client announcing a larger one is disconnected before its body is read and before it is authenticated.',
      ),
  })
  .superRefine((broker, ctx) => {
    const hasPassword = broker.password !== undefined || broker.password_file !== undefined;
    if (broker.username && !hasPassword)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required when broker.username is set (or set broker.password_file)' });
    if (!broker.username && hasPassword) ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required when a broker password is set' });
    if (broker.username !== undefined && broker.username in broker.users)
      ctx.addIssue({ code: 'custom', path: ['username'], message: `"${broker.username}" is also in broker.users; keep one of the two` });
    if (broker.username === HUB_USER)
      ctx.addIssue({ code: 'custom', path: ['username'], message: `"${HUB_USER}" is the hub's own account on its embedded broker; choose another name` });
  })
  .prefault({})
  .describe('The embedded MQTT broker, started when mqtt.url is unset or by `roomlink broker`.');

export const topicsSchema = z
  .strictObject({
    readings: topicPrefix('home')
      .describe('Prefix of reading topics: <readings>/<room>/<measurement>.')
      .meta({ flag: '--readings', metavar: 'PREFIX', flagHelp: 'reading topic prefix' }),
    nodes: topicPrefix('roomlink').describe('Prefix of per-node topics (availability, info, commands): <nodes>/<node>/...'),
    bridge: topicPrefix('roomlink/bridge').describe('Topic of the hub itself (state, health, last will).'),
    discovery: topicPrefix('homeassistant')
      .describe('Home Assistant MQTT discovery prefix.')
      .meta({ flag: '--discovery', metavar: 'PREFIX', flagHelp: 'Home Assistant discovery prefix' }),
  })
  .prefault({})
  .describe('MQTT topic prefixes. Valid topic names: no wildcards, no leading "$", no "/" at either end.');

export const portSchema = z
  .strictObject({
    path: z.string().min(1, 'must not be empty').describe('Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/usb-... (stable across replugging).'),
    baud: baud().optional().describe('Baud rate for this port; default serial.baud.'),
    dtr: z.boolean().optional().describe('Assert DTR when opening; default serial.dtr.'),
    rts: z.boolean().optional().describe('Assert RTS when opening; default serial.rts.'),
    node: nodeId().optional().describe('Node id to use for this port when the node does not announce one.'),
    room: slug('room').optional().describe('Room of the node on this port; overrides what the node announces.'),
    protocol: z
      .enum(['auto', 'roomlink', 'plain'])
      .optional()
      .describe(
        'What runs on the device, which decides how commands reach it: roomlink (roomlink firmware: an echo-off REPL call), plain (the JSON command as one line) or auto (roomlink once the device has printed an info line). Readings are accepted as JSON or key=value lines either way. Default auto.',
      ),
  })
  .describe('One serial port with a sensor node.');

export const serialSchema = z
  .strictObject({
    ports: z.array(portSchema).default([]).describe('Serial ports to open. Empty: detect ESP32 boards automatically.').meta({
      flag: '--serial',
      env: 'ROOMLINK_SERIAL',
      metavar: 'PATH',
      flagKind: 'serial',
      flagHelp: 'serial port to open; repeat for more (default: detect ESP32 boards)',
    }),
    autodetect: z.boolean().optional().describe('Also open ESP32 boards that are not listed in `ports`. Default: true when no ports are listed.'),
    baud: baud().default(115200).describe('Default baud rate.').meta({ flag: '--baud', metavar: 'N', flagHelp: 'serial baud rate' }),
    dtr: z.boolean().default(false).describe('Default DTR state on open. false: opening the port must not reset an ESP32 dev board.'),
    rts: z.boolean().default(false).describe('Default RTS state on open. false: opening the port must not reset an ESP32 dev board.'),
    max_line_bytes: positiveInt(1_048_576).default(1024).describe('Longest line accepted from a node; longer lines are dropped.'),
    reconnect_max_ms: positiveInt().default(10_000).describe('Ceiling of the backoff between attempts to reopen a lost port, in ms.'),
  })
  .superRefine((serial, ctx) => {
    const seen = new Map<string, number>();
    serial.ports.forEach((p, i) => {
      const first = seen.get(p.path);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['ports', i, 'path'], message: `"${p.path}" is already listed as serial.ports[${first}]` });
      else seen.set(p.path, i);
    });
  })
  .transform((serial) => ({ ...serial, autodetect: serial.autodetect ?? serial.ports.length === 0 }))
  .prefault({})
  .describe('USB-serial ports with sensor nodes.');

export const nodeSchema = z
  .strictObject({
    room: slug('room').optional().describe('Room of this node; overrides what the node announces.'),
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(64, 'at most 64 characters')
      .optional()
      .describe('Friendly name of the node\'s device in Home Assistant, e.g. "Kitchen by the stove"; default the name in its node config, else its id.'),
    interval: positiveNumber().optional().describe('Expected seconds between readings; default availability.default_interval.'),
    availability_timeout: positiveNumber()
      .optional()
      .describe('Seconds of silence after which the node is reported offline; default interval × availability.silence_factor.'),
  })
  .describe('Overrides for one node.');

export const availabilitySchema = z
  .strictObject({
    default_interval: positiveNumber().default(60).describe('Seconds between readings assumed for nodes that do not announce their interval.'),
    silence_factor: positiveNumber().default(3).describe('A node is offline after silence_factor × its interval without a line.'),
  })
  .prefault({})
  .describe('When nodes are reported online/offline.');

export const queueSchema = z
  .strictObject({
    max_messages: positiveInt().default(1_000_000).describe('Most messages kept on disk while the broker is unreachable; the oldest are dropped beyond.'),
    flush_interval_ms: positiveInt().default(200).describe('How often queued messages are written to disk, in ms.'),
    memory_max_messages: positiveInt()
      .default(100_000)
      .describe(
        'Most messages held in memory while the disk refuses writes (full, read-only); the oldest are dropped beyond, counted in health. About 200 bytes each.',
      ),
    max_inflight: positiveInt(READING_IDS)
      .default(5000)
      .describe(
        `Most QoS 1 readings awaiting PUBACK at once (packet ids ${FIRST_READING_ID}-65535 are the readings'), never more than an MQTT 5 broker's Receive Maximum; refilled in batches once a quarter is free.`,
      ),
  })
  .prefault({})
  .describe('The durable queue between serial and MQTT (in <data_dir>).');

export const healthSchema = z
  .strictObject({
    interval: positiveNumber().default(60).describe('Seconds between health reports on <topics.bridge>/health.'),
  })
  .prefault({})
  .describe('The hub health report.');

export const homeassistantSchema = z
  .strictObject({
    discovery: z.boolean().default(true).describe('Publish Home Assistant MQTT discovery configs for every node.'),
    birth_topic: z
      .string()
      .superRefine((value, ctx) => {
        const problem = topicNameProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('homeassistant/status')
      .describe('Home Assistant birth topic; discovery is republished when "online" arrives there.'),
  })
  .prefault({})
  .describe('Home Assistant integration.');

/** `HOST:PORT`, `[v6]:PORT` or a bare `PORT` (on 127.0.0.1) back into its parts, or a problem. */
export function parseListen(text: string): { host: string; port: number } | { problem: string } {
  const trimmed = text.trim();
  const match = /^(\d+)$/.exec(trimmed) ?? /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:\s[\]/]+):(\d+)$/.exec(trimmed);
  if (!match) return { problem: `"${text}" is not HOST:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080)` };
  const host = match.length === 2 ? '127.0.0.1' : match[1]!;
  const port = Number(match[match.length - 1]);
  if (!Number.isInteger(port) || port > 65535) return { problem: `port ${match[match.length - 1]} is not 0-65535` };
  return { host, port };
}

/** Why the dashboard may not listen on `host` without a password (it is not loopback). */
export function dashboardPasswordProblem(host: string): string {
  return (
    `refusing to serve the dashboard on ${host} without a password: anyone on the network could see who is home and reboot nodes. ` +
    'Set http.password_file (--http-password-file FILE, or ROOMLINK_HTTP_PASSWORD), ' +
    'or listen on 127.0.0.1 only (--http 127.0.0.1:8080) and open it from elsewhere through an SSH tunnel'
  );
}

export const httpSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve the web dashboard (rooms, history charts, nodes, the hub).')
      .meta({ flag: '--no-http', flagHelp: 'no web dashboard' }),
    listen: z
      .string()
      .superRefine((value, ctx) => {
        const parsed = parseListen(value);
        if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
      })
      .default('127.0.0.1:8080')
      .describe(
        'HOST:PORT the dashboard listens on; port 0 picks a free one. ' +
          'Anything but a loopback address needs password or password_file: the page shows who is home and can reboot nodes.',
      )
      .meta({ flag: '--http', metavar: 'HOST:PORT', flagHelp: 'where the web dashboard listens (default {default}; port 0 picks a free one)' }),
    password: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Password of the dashboard login. Prefer password_file or ROOMLINK_HTTP_PASSWORD so it stays out of the settings file.')
      .meta({ env: 'ROOMLINK_HTTP_PASSWORD' }),
    password_file: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('File holding the dashboard password (one line; a trailing newline is ignored).')
      .meta({
        flag: '--http-password-file',
        env: 'ROOMLINK_HTTP_PASSWORD_FILE',
        metavar: 'FILE',
        flagKind: 'path',
        flagHelp: 'file holding the dashboard password (needed on anything but 127.0.0.1)',
      }),
  })
  .superRefine((http, ctx) => {
    const parsed = parseListen(http.listen);
    if (!http.enabled || 'problem' in parsed || http.password !== undefined || http.password_file !== undefined) return;
    if (!isLoopbackHost(parsed.host)) ctx.addIssue({ code: 'custom', path: ['listen'], message: dashboardPasswordProblem(parsed.host) });
  })
  .prefault({})
  .describe('The web dashboard served by the hub.');

export const historySchema = z
  .strictObject({
    retention_days: positiveNumber()
      .max(3650, 'must be at most 3650')
      .default(7)
      .describe(
        "Days of readings kept for the dashboard's charts in <data_dir>/history.sqlite (at most one point per measurement per second, plus per-minute min/avg/max); older ones are deleted.",
      ),
  })
  .prefault({})
  .describe("The history of readings behind the dashboard's charts (kept while the dashboard is on).");

export const hubSettingsSchema = z
  .strictObject({
    mqtt: mqttSchema,
    broker: brokerSchema,
    topics: topicsSchema,
    qos: z
      .literal([0, 1])
      .default(1)
      .describe('QoS of readings: 1 (at least once, default) or 0.')
      .meta({ flag: '--qos', env: 'ROOMLINK_QOS', metavar: '0|1', flagHelp: 'QoS of readings' }),
    retain: z.boolean().default(true).describe('Publish readings retained, so a new subscriber sees the last value at once.'),
    serial: serialSchema,
    nodes: z.record(nodeId(), nodeSchema).default({}).describe('Per-node overrides keyed by node id.'),
    max_nodes: positiveInt()
      .default(300)
      .describe(
        'Most nodes one hub keeps track of. Lines from new node ids beyond are refused as too_many_nodes (counted in health), so a device with a counter in its node field cannot flood memory or Home Assistant. Nodes named in the settings always count.',
      ),
    availability: availabilitySchema,
    queue: queueSchema,
    health: healthSchema,
    homeassistant: homeassistantSchema,
    http: httpSchema,
    history: historySchema,
    data_dir: z
      .string()
      .min(1, 'must not be empty')
      .default(() => join(homedir(), '.roomlink'))
      .describe('Directory for the durable queue, the history and the embedded broker data.')
      .meta({ flag: '--data-dir', env: 'ROOMLINK_DATA_DIR', metavar: 'DIR', flagKind: 'path', flagHelp: 'queue and broker data' }),
    log_level: z
      .enum(LOG_LEVELS)
      .default('info')
      .describe('Least severe log level printed: debug, info, warn or error.')
      .meta({ flag: '--log-level', env: 'ROOMLINK_LOG_LEVEL', metavar: 'LEVEL', flagHelp: 'debug, info, warn or error' }),
  })
  .describe('roomlink hub settings');

export type HubSettings = z.output<typeof hubSettingsSchema>;
/** What a settings file may contain: every key optional. */
export type HubSettingsInput = z.input<typeof hubSettingsSchema>;
export type SerialPortSettings = HubSettings['serial']['ports'][number];
export type NodeSettings = HubSettings['nodes'][string];

/** Keys whose values are secrets: never echoed in errors or descriptions. */
export const SECRET_KEYS = new Set(['password']);
