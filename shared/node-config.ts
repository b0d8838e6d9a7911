// A node's config, `roomlink.json` in the board's Storage: validated on the board at boot
// and by the CLI before flashing. Never throws; lists every problem with its key path.

import { getMeasurement } from './measurements.ts';
import { slugProblem } from './slug.ts';
import { prefixProblem, RESERVED_NODE_IDS } from './topics.ts';

export interface SensorFilters {
  /** Publish only when the value moved at least this much since the last publish. */
  delta?: number;
  /** Publish at most once per this many seconds. */
  throttle?: number;
  /** Publish at least once per this many seconds even when unchanged. */
  heartbeat?: number;
  /** Moving average over this many samples. */
  average?: number;
}

export interface SensorConfig {
  type: string;
  /** For sim, analog and binary: which measurement this input yields. */
  measurement?: string;
  /** For multi-measurement sensors: publish only these. */
  measurements?: string[];
  pin?: number;
  address?: number;
  sda?: number;
  scl?: number;
  scale?: number;
  offset?: number;
  invert?: boolean;
  debounce?: number;
  seed?: number;
  filters?: SensorFilters;
}

export interface NodeConfig {
  node: string;
  room: string;
  transport: 'wifi' | 'serial';
  wifi?: { ssid: string; password?: string };
  mqtt?: { host: string; port: number; username?: string; password?: string; keepalive: number };
  topics?: { readings?: string; nodes?: string; discovery?: string };
  /** Seconds between readings. */
  interval: number;
  /** Deep sleep between readings, in seconds (battery nodes); 0 = stay awake. */
  sleep: number;
  /** Board LED for `identify`, as a GPIO number. */
  led?: number;
  sensors: SensorConfig[];
}

export type ConfigCheck = { ok: true; config: NodeConfig } | { ok: false; errors: string[] };

/** What each sensor type can measure. */
export const SENSOR_TYPES: { [type: string]: string[] } = {
  sim: [],
  bme280: ['temperature', 'humidity', 'pressure'],
  bmp280: ['temperature', 'pressure'],
  sht3x: ['temperature', 'humidity'],
  aht20: ['temperature', 'humidity'],
  dht22: ['temperature', 'humidity'],
  ds18b20: ['temperature'],
  analog: [],
  binary: [],
};

const SENSOR_KEYS: { [type: string]: string[] } = {
  sim: ['measurement', 'seed'],
  bme280: ['address', 'sda', 'scl', 'measurements'],
  bmp280: ['address', 'sda', 'scl', 'measurements'],
  sht3x: ['address', 'sda', 'scl', 'measurements'],
  aht20: ['address', 'sda', 'scl', 'measurements'],
  dht22: ['pin', 'measurements'],
  ds18b20: ['pin'],
  analog: ['pin', 'measurement', 'scale', 'offset'],
  binary: ['pin', 'measurement', 'invert', 'debounce'],
};

const TOP_KEYS = ['node', 'room', 'name', 'transport', 'wifi', 'mqtt', 'topics', 'interval', 'sleep', 'led', 'sensors'];

/** The measurements a sensor entry publishes (after any `measurements` subset). */
export function sensorMeasurements(sensor: SensorConfig): string[] {
  if (sensor.measurement) return [sensor.measurement];
  const all = SENSOR_TYPES[sensor.type] || [];
  return sensor.measurements ? all.filter(function (m) { return sensor.measurements!.indexOf(m) >= 0; }) : all;
}

/** Every measurement a node publishes, in sensor order. */
export function nodeMeasurements(config: NodeConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < config.sensors.length; i++) {
    const ms = sensorMeasurements(config.sensors[i]);
    for (let j = 0; j < ms.length; j++) out.push(ms[j]);
  }
  return out;
}

function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumberIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && v >= min && v <= max;
}

function unknownKeys(o: { [key: string]: unknown }, allowed: string[], path: string, errors: string[]): void {
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    if (allowed.indexOf(keys[i]) < 0) errors.push(path + keys[i] + ': unknown key');
  }
}

function checkPin(v: unknown, path: string, errors: string[]): void {
  if (!isNumberIn(v, 0, 48) || Math.floor(v as number) !== v) errors.push(path + ': must be a GPIO number 0..48');
}

function checkFilters(f: unknown, path: string, errors: string[]): void {
  if (!isObject(f)) return void errors.push(path + ': must be an object');
  unknownKeys(f, ['delta', 'throttle', 'heartbeat', 'average'], path + '.', errors);
  if (f['delta'] !== undefined && !isNumberIn(f['delta'], 0, 1e6)) errors.push(path + '.delta: must be a number >= 0');
  if (f['throttle'] !== undefined && !isNumberIn(f['throttle'], 0, 86400)) errors.push(path + '.throttle: must be 0..86400 seconds');
  if (f['heartbeat'] !== undefined && !isNumberIn(f['heartbeat'], 1, 86400)) errors.push(path + '.heartbeat: must be 1..86400 seconds');
  const avg = f['average'];
  if (avg !== undefined && (!isNumberIn(avg, 1, 32) || Math.floor(avg as number) !== avg)) errors.push(path + '.average: must be a whole number 1..32');
}

function checkSensor(s: unknown, path: string, errors: string[]): void {
  if (!isObject(s)) return void errors.push(path + ': must be an object with a "type"');
  const type = s['type'];
  if (typeof type !== 'string' || !SENSOR_TYPES[type]) {
    return void errors.push(path + '.type: must be one of ' + Object.keys(SENSOR_TYPES).join(', '));
  }
  unknownKeys(s, ['type', 'filters'].concat(SENSOR_KEYS[type]), path + '.', errors);
  if (s['filters'] !== undefined) checkFilters(s['filters'], path + '.filters', errors);
  if (s['pin'] !== undefined || type === 'dht22' || type === 'ds18b20' || type === 'analog' || type === 'binary') checkPin(s['pin'], path + '.pin', errors);
  if (s['sda'] !== undefined) checkPin(s['sda'], path + '.sda', errors);
  if (s['scl'] !== undefined) checkPin(s['scl'], path + '.scl', errors);
  if (s['address'] !== undefined && (!isNumberIn(s['address'], 1, 127) || Math.floor(s['address'] as number) !== s['address'])) {
    errors.push(path + '.address: must be a 7-bit I2C address 1..127');
  }
  for (const key of ['scale', 'offset']) {
    if (s[key] !== undefined && !isNumberIn(s[key], -1e9, 1e9)) errors.push(path + '.' + key + ': must be a number');
  }
  if (s['debounce'] !== undefined && !isNumberIn(s['debounce'], 0, 10000)) errors.push(path + '.debounce: must be 0..10000 ms');
  if (s['invert'] !== undefined && typeof s['invert'] !== 'boolean') errors.push(path + '.invert: must be true or false');
  if (s['seed'] !== undefined && !isNumberIn(s['seed'], 0, 4294967295)) errors.push(path + '.seed: must be a number');
  if (SENSOR_KEYS[type].indexOf('measurement') >= 0) {
    const m = getMeasurement(s['measurement'] as string);
    if (typeof s['measurement'] !== 'string' || !m) errors.push(path + '.measurement: must be a known measurement');
    else if (type === 'binary' && m.kind !== 'binary') errors.push(path + ".measurement: a binary input measures motion, door or occupancy");
    else if (type === 'analog' && m.kind !== 'numeric') errors.push(path + '.measurement: an analog input measures a numeric quantity');
  }
  const subset = s['measurements'];
  if (subset !== undefined) {
    const can = SENSOR_TYPES[type];
    if (!Array.isArray(subset) || subset.length === 0) errors.push(path + '.measurements: must be a non-empty list');
    else {
      for (let i = 0; i < subset.length; i++) {
        if (can.indexOf(subset[i]) < 0) errors.push(path + '.measurements[' + i + ']: ' + type + ' measures ' + can.join(', '));
      }
    }
  }
}

function checkString(v: unknown, path: string, errors: string[], required: boolean): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) errors.push(path + ': must be a non-empty string (at most 64 characters)');
}

/** Validates a parsed `roomlink.json` and fills in defaults. */
export function checkNodeConfig(raw: unknown): ConfigCheck {
  const errors: string[] = [];
  if (!isObject(raw)) return { ok: false, errors: ['config must be a JSON object'] };
  unknownKeys(raw, TOP_KEYS, '', errors);
  const nodeProblem = slugProblem(raw['node'], 'node');
  if (nodeProblem) errors.push('node: ' + nodeProblem);
  else if (RESERVED_NODE_IDS.indexOf(raw['node'] as string) >= 0) errors.push("node: '" + raw['node'] + "' is reserved");
  const roomProblem = slugProblem(raw['room'], 'room');
  if (roomProblem) errors.push('room: ' + roomProblem);
  const transport = raw['transport'] === undefined ? 'wifi' : raw['transport'];
  if (transport !== 'wifi' && transport !== 'serial') errors.push('transport: must be "wifi" or "serial"');
  const wifi = raw['wifi'];
  const mqtt = raw['mqtt'];
  if (transport === 'wifi') {
    if (!isObject(mqtt)) errors.push('mqtt: required for transport "wifi" ({"host": ..., "port": 1883})');
    if (wifi !== undefined && !isObject(wifi)) errors.push('wifi: must be an object {"ssid", "password"}');
  }
  if (isObject(wifi)) {
    unknownKeys(wifi, ['ssid', 'password'], 'wifi.', errors);
    checkString(wifi['ssid'], 'wifi.ssid', errors, true);
    if (wifi['password'] !== undefined && typeof wifi['password'] !== 'string') errors.push('wifi.password: must be a string');
  }
  if (isObject(mqtt)) {
    unknownKeys(mqtt, ['host', 'port', 'username', 'password', 'keepalive'], 'mqtt.', errors);
    checkString(mqtt['host'], 'mqtt.host', errors, true);
    if (mqtt['port'] !== undefined && (!isNumberIn(mqtt['port'], 1, 65535) || Math.floor(mqtt['port'] as number) !== mqtt['port'])) errors.push('mqtt.port: must be 1..65535');
    checkString(mqtt['username'], 'mqtt.username', errors, false);
    if (mqtt['password'] !== undefined && typeof mqtt['password'] !== 'string') errors.push('mqtt.password: must be a string');
    if (mqtt['keepalive'] !== undefined && !isNumberIn(mqtt['keepalive'], 5, 600)) errors.push('mqtt.keepalive: must be 5..600 seconds');
  }
  const topics = raw['topics'];
  if (topics !== undefined) {
    if (!isObject(topics)) errors.push('topics: must be an object');
    else {
      unknownKeys(topics, ['readings', 'nodes', 'discovery'], 'topics.', errors);
      for (const key of ['readings', 'nodes', 'discovery']) {
        const problem = topics[key] === undefined ? undefined : prefixProblem(topics[key], 'topics.' + key);
        if (problem) errors.push(problem);
      }
    }
  }
  if (raw['interval'] !== undefined && !isNumberIn(raw['interval'], 1, 86400)) errors.push('interval: must be 1..86400 seconds');
  if (raw['sleep'] !== undefined && !isNumberIn(raw['sleep'], 0, 86400 * 7)) errors.push('sleep: must be 0..604800 seconds');
  if (raw['led'] !== undefined) checkPin(raw['led'], 'led', errors);
  const sensors = raw['sensors'];
  if (!Array.isArray(sensors) || sensors.length === 0) errors.push('sensors: must be a non-empty list');
  else {
    const seen: { [m: string]: number } = {};
    for (let i = 0; i < sensors.length; i++) {
      const before = errors.length;
      checkSensor(sensors[i], 'sensors[' + i + ']', errors);
      if (errors.length !== before) continue;
      const ms = sensorMeasurements(sensors[i] as SensorConfig);
      for (let j = 0; j < ms.length; j++) {
        if (seen[ms[j]] !== undefined) {
          errors.push('sensors[' + i + ']: also measures ' + ms[j] + ' (as sensors[' + seen[ms[j]] + '] does); a node publishes one ' + ms[j] + ': pick one with "measurements"');
        } else seen[ms[j]] = i;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors };
  const config = raw as unknown as NodeConfig;
  config.transport = transport as 'wifi' | 'serial';
  if (config.interval === undefined) config.interval = 60;
  if (config.sleep === undefined) config.sleep = 0;
  if (config.mqtt) {
    if (config.mqtt.port === undefined) config.mqtt.port = 1883;
    if (config.mqtt.keepalive === undefined) config.mqtt.keepalive = 60;
  }
  return { ok: true, config: config };
}

/** The config as safe to print: passwords replaced. */
export function redactNodeConfig(config: NodeConfig): NodeConfig {
  const copy = JSON.parse(JSON.stringify(config)) as NodeConfig;
  if (copy.wifi && copy.wifi.password !== undefined) copy.wifi.password = '***';
  if (copy.mqtt && copy.mqtt.password !== undefined) copy.mqtt.password = '***';
  return copy;
}
