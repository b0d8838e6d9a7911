// A node's config, `roomlink.json` in the board's Storage: validated on the board at boot
// and by the CLI before flashing. Never throws; lists every problem with its key path.

import { getMeasurement } from './measurements.ts';
import { slugProblem } from './slug.ts';
import { prefixProblem } from './topics.ts';

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
  /** UART sensors: the ESP32 pins the sensor's TX and RX are wired to (default 16 and 17). */
  rx?: number;
  tx?: number;
  scale?: number;
  offset?: number;
  invert?: boolean;
  /** For binary: the internal pull-up (default true); false for a pin with an external one. */
  pullup?: boolean;
  debounce?: number;
  seed?: number;
  /** SCD4x: altitude above sea level in m (0..3000), for the CO2 pressure compensation. */
  altitude?: number;
  /** SCD4x: ambient pressure in hPa (700..1200); overrides altitude. */
  ambient_pressure?: number;
  /** MH-Z19: automatic baseline correction on (true) or off (false); unset leaves the sensor's setting. */
  abc?: boolean;
  /** BH1750: measurement time register 31..254 (default 69): lower reaches brighter light, higher resolves dimmer. */
  mtreg?: number;
  filters?: SensorFilters;
}

/** The chip, as Espruino's ESP32 builds know it: classic ESP32 (default), ESP32-C3, ESP32-S3. */
export type Board = 'esp32' | 'esp32c3' | 'esp32s3';

export interface NodeConfig {
  node: string;
  room: string;
  /** Device name shown in Home Assistant (printable ASCII); default the node id. */
  name?: string;
  /** Which chip the node is; decides which pins and how many I2C buses exist. */
  board?: Board;
  transport: 'wifi' | 'serial';
  wifi?: { ssid: string; password?: string };
  mqtt?: { host: string; port: number; username?: string; password?: string; keepalive: number };
  topics?: { readings?: string; nodes?: string; discovery?: string };
  /** Seconds between readings. */
  interval: number;
  /** Deep sleep between readings, in seconds (battery nodes); 0 = stay awake; at most 2,147 (ESP32.deepSleep's 32-bit microseconds). */
  sleep: number;
  /** Board LED for `identify`, as a GPIO number. */
  led?: number;
  sensors: SensorConfig[];
}

export type ConfigCheck = { ok: true; config: NodeConfig } | { ok: false; errors: string[] };

// The tables below are code (switch statements returning fresh arrays), not objects: on
// Espruino code stays in flash, while a table object would stay in RAM for good.

/** The sensor types a config may name. */
export function sensorTypes(): string[] {
  return ['sim', 'bme280', 'bmp280', 'sht3x', 'aht20', 'dht22', 'ds18b20', 'analog', 'binary', 'scd4x', 'pms5003', 'mhz19', 'bh1750', 'htu21d', 'ld2410'];
}

/**
 * What a sensor type can measure (empty for types whose entry names its `measurement`),
 * or undefined for an unknown type.
 */
export function sensorTypeMeasurements(type: string): string[] | undefined {
  switch (type) {
    case 'bme280':
      return ['temperature', 'humidity', 'pressure'];
    case 'bmp280':
      return ['temperature', 'pressure'];
    case 'sht3x':
    case 'aht20':
    case 'dht22':
    case 'htu21d':
      return ['temperature', 'humidity'];
    case 'ds18b20':
      return ['temperature'];
    case 'scd4x':
      return ['carbon_dioxide', 'temperature', 'humidity'];
    case 'pms5003':
      return ['pm1', 'pm25', 'pm10'];
    case 'mhz19':
      return ['carbon_dioxide'];
    case 'bh1750':
      return ['illuminance'];
    case 'ld2410':
      return ['presence', 'distance'];
    case 'sim':
    case 'analog':
    case 'binary':
      return [];
    default:
      return undefined;
  }
}

/** The keys a sensor entry of a (known) type may have besides `type` and `filters`. */
function sensorKeys(type: string): string[] {
  switch (type) {
    case 'sim':
      return ['measurement', 'seed'];
    case 'dht22':
      return ['pin', 'measurements'];
    case 'ds18b20':
      return ['pin'];
    case 'analog':
      return ['pin', 'measurement', 'scale', 'offset'];
    case 'binary':
      return ['pin', 'measurement', 'invert', 'pullup', 'debounce'];
    case 'scd4x':
      return ['sda', 'scl', 'measurements', 'altitude', 'ambient_pressure'];
    case 'htu21d':
      return ['sda', 'scl', 'measurements'];
    case 'bh1750':
      return ['address', 'sda', 'scl', 'mtreg'];
    case 'pms5003':
    case 'ld2410':
      return ['rx', 'tx', 'measurements'];
    case 'mhz19':
      return ['rx', 'tx', 'abc'];
    default:
      // bme280, bmp280, sht3x, aht20: I2C
      return ['address', 'sda', 'scl', 'measurements'];
  }
}

function sensorTypeTable(): { [type: string]: string[] } {
  const all: { [type: string]: string[] } = {};
  const types = sensorTypes();
  for (let i = 0; i < types.length; i++) all[types[i]] = sensorTypeMeasurements(types[i])!;
  return all;
}

/** What each sensor type can measure, as one object (for the hub; unused, the firmware bundle drops it). */
export const SENSOR_TYPES: { [type: string]: string[] } = /* @__PURE__ */ sensorTypeTable();

/** The measurements a sensor entry publishes (after any `measurements` subset). */
export function sensorMeasurements(sensor: SensorConfig): string[] {
  if (sensor.measurement) return [sensor.measurement];
  const all = sensorTypeMeasurements(sensor.type) || [];
  return sensor.measurements
    ? all.filter(function (m) {
        return sensor.measurements!.indexOf(m) >= 0;
      })
    : all;
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

/**
 * Validates a parsed `roomlink.json` and fills in defaults. The helpers are declared inside:
 * on Espruino they then exist only while a config is being checked (once, at boot) instead
 * of staying in RAM as top-level functions.
 */
export function checkNodeConfig(raw: unknown): ConfigCheck {
  const errors: string[] = [];
  // What the chip has (Espruino's boards/ESP32*.py and targets/esp32/): GPIO numbers, I2C
  // buses. Set from `board` before any pin is checked.
  let maxPin = 39;
  let buses = 2;
  // UARTs for sensors: Serial2 and Serial3 (Serial1 is the console); the C3 has Serial2 only.
  let uarts = 2;
  const board = isObject(raw) && raw['board'] !== undefined ? raw['board'] : 'esp32';

  function isObject(v: unknown): v is { [key: string]: unknown } {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  function isNumberIn(v: unknown, min: number, max: number): boolean {
    return typeof v === 'number' && v >= min && v <= max;
  }

  function isWholeIn(v: unknown, min: number, max: number): boolean {
    return isNumberIn(v, min, max) && Math.floor(v as number) === v;
  }

  function unknownKeys(o: { [key: string]: unknown }, allowed: string[], path: string): void {
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      if (allowed.indexOf(keys[i]) < 0) errors.push(path + keys[i] + ': unknown key');
    }
  }

  // A GPIO the chip has and can give a sensor: not its SPI flash, not the console's USB or
  // UART pins, and, for a pin the node drives (`output`), not the ESP32's input-only 34..39.
  function checkPin(v: unknown, path: string, output?: boolean): void {
    if (!isWholeIn(v, 0, maxPin)) return void errors.push(path + ': must be a GPIO number 0..' + maxPin + ' on ' + board);
    const p = v as number;
    let why = '';
    if (board === 'esp32c3') {
      if (p >= 12 && p <= 17) why = 'drives the SPI flash';
      else if (p === 18 || p === 19) why = 'is the USB port (the console)';
    } else if (board === 'esp32s3') {
      if (p >= 22 && p <= 25) why = 'does not exist';
      else if (p >= 26 && p <= 32) why = 'drives the SPI flash and PSRAM';
      else if (p === 19 || p === 20) why = 'is the USB port (the console)';
    } else if (p >= 6 && p <= 11) why = 'drives the SPI flash';
    else if (p === 1 || p === 3) why = 'is the console (UART0 to the USB chip)';
    else if (p === 20 || p === 24 || (p >= 28 && p <= 31)) why = 'does not exist';
    else if (output && p >= 34) why = 'is input only';
    if (why) errors.push(path + ': GPIO ' + p + ' ' + why + ' on ' + board);
  }

  function checkString(v: unknown, path: string, required: boolean): void {
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > 64) errors.push(path + ': must be a non-empty string (at most 64 characters)');
  }

  function checkFilters(f: unknown, path: string): void {
    if (!isObject(f)) return void errors.push(path + ': must be an object');
    unknownKeys(f, ['delta', 'throttle', 'heartbeat', 'average'], path + '.');
    if (f['delta'] !== undefined && !isNumberIn(f['delta'], 0, 1e6)) errors.push(path + '.delta: must be a number >= 0');
    if (f['throttle'] !== undefined && !isNumberIn(f['throttle'], 0, 86400)) errors.push(path + '.throttle: must be 0..86400 seconds');
    if (f['heartbeat'] !== undefined && !isNumberIn(f['heartbeat'], 1, 86400)) errors.push(path + '.heartbeat: must be 1..86400 seconds');
    if (f['average'] !== undefined && !isWholeIn(f['average'], 1, 32)) errors.push(path + '.average: must be a whole number 1..32');
  }

  function checkSensor(s: unknown, path: string): void {
    if (!isObject(s)) return void errors.push(path + ': must be an object with a "type"');
    const type = s['type'];
    const can = typeof type === 'string' ? sensorTypeMeasurements(type) : undefined;
    if (!can) return void errors.push(path + '.type: must be one of ' + sensorTypes().join(', '));
    const t = type as string;
    const keys = sensorKeys(t);
    unknownKeys(s, ['type', 'filters'].concat(keys), path + '.');
    if (s['filters'] !== undefined) checkFilters(s['filters'], path + '.filters');
    // DHT22 and 1-Wire drive their data line low; I2C drives SDA and SCL.
    if (s['pin'] !== undefined || t === 'dht22' || t === 'ds18b20' || t === 'analog' || t === 'binary')
      checkPin(s['pin'], path + '.pin', t === 'dht22' || t === 'ds18b20');
    if (s['sda'] !== undefined) checkPin(s['sda'], path + '.sda', true);
    if (s['scl'] !== undefined) checkPin(s['scl'], path + '.scl', true);
    if (s['rx'] !== undefined) checkPin(s['rx'], path + '.rx');
    if (s['tx'] !== undefined) checkPin(s['tx'], path + '.tx', true);
    if (s['altitude'] !== undefined && !isNumberIn(s['altitude'], 0, 3000)) errors.push(path + '.altitude: must be 0..3000 m (what the SCD4x compensates)');
    if (s['ambient_pressure'] !== undefined && !isNumberIn(s['ambient_pressure'], 700, 1200))
      errors.push(path + '.ambient_pressure: must be 700..1200 hPa (what the SCD4x compensates)');
    if (s['abc'] !== undefined && typeof s['abc'] !== 'boolean') errors.push(path + '.abc: must be true or false');
    if (s['mtreg'] !== undefined && !isWholeIn(s['mtreg'], 31, 254)) errors.push(path + '.mtreg: must be a whole number 31..254 (the BH1750 default is 69)');
    if (t === 'bh1750' && s['address'] !== undefined && s['address'] !== 0x23 && s['address'] !== 0x5c) {
      errors.push(path + '.address: a BH1750 answers at 35 (0x23, ADDR low) or 92 (0x5C, ADDR high)');
    }
    if (s['address'] !== undefined && !isWholeIn(s['address'], 1, 127)) errors.push(path + '.address: must be a 7-bit I2C address 1..127');
    for (const key of ['scale', 'offset']) {
      if (s[key] !== undefined && !isNumberIn(s[key], -1e9, 1e9)) errors.push(path + '.' + key + ': must be a number');
    }
    if (s['debounce'] !== undefined && !isNumberIn(s['debounce'], 0, 10000)) errors.push(path + '.debounce: must be 0..10000 ms');
    if (s['invert'] !== undefined && typeof s['invert'] !== 'boolean') errors.push(path + '.invert: must be true or false');
    if (s['pullup'] !== undefined && typeof s['pullup'] !== 'boolean') errors.push(path + '.pullup: must be true or false');
    // Classic ESP32: GPIO 34-39 are input only, without pull-up/down (a floating input).
    if (t === 'binary' && board === 'esp32' && isWholeIn(s['pin'], 34, 39) && s['pullup'] !== false) {
      errors.push(
        path + '.pin: GPIO 34-39 have no internal pull-up on the ESP32: wire an external one (10 k to 3V3) and set "pullup": false, or use another pin',
      );
    }
    if (s['seed'] !== undefined && !isNumberIn(s['seed'], 0, 4294967295)) errors.push(path + '.seed: must be a number');
    if (keys.indexOf('measurement') >= 0) {
      const m = getMeasurement(s['measurement'] as string);
      if (typeof s['measurement'] !== 'string' || !m) errors.push(path + '.measurement: must be a known measurement');
      else if (t === 'binary' && m.kind !== 'binary') errors.push(path + '.measurement: a binary input measures motion, door or occupancy');
      else if (t === 'analog' && m.kind !== 'numeric') errors.push(path + '.measurement: an analog input measures a numeric quantity');
    }
    const subset = s['measurements'];
    if (subset !== undefined) {
      if (!Array.isArray(subset) || subset.length === 0) errors.push(path + '.measurements: must be a non-empty list');
      else {
        for (let i = 0; i < subset.length; i++) {
          if (can.indexOf(subset[i]) < 0) errors.push(path + '.measurements[' + i + ']: ' + t + ' measures ' + can.join(', '));
        }
      }
    }
  }

  if (!isObject(raw)) return { ok: false, errors: ['config must be a JSON object'] };
  unknownKeys(raw, ['node', 'room', 'name', 'board', 'transport', 'wifi', 'mqtt', 'topics', 'interval', 'sleep', 'led', 'sensors'], '');
  if (board === 'esp32c3') {
    maxPin = 21;
    buses = 1;
    uarts = 1;
  } else if (board === 'esp32s3') maxPin = 48;
  else if (board !== 'esp32') errors.push('board: must be "esp32" (default), "esp32c3" or "esp32s3"');
  const nodeProblem = slugProblem(raw['node'], 'node');
  if (nodeProblem) errors.push('node: ' + nodeProblem);
  // RESERVED_NODE_IDS, written out (a table would stay in the board's RAM).
  else if (raw['node'] === 'bridge') errors.push("node: '" + raw['node'] + "' is reserved");
  const roomProblem = slugProblem(raw['room'], 'room');
  if (roomProblem) errors.push('room: ' + roomProblem);
  const name = raw['name'];
  if (name !== undefined) {
    // The board's strings are 8-bit: non-ASCII would reach Home Assistant garbled.
    let ascii = typeof name === 'string' && name.length > 0 && name.length <= 64;
    for (let i = 0; ascii && i < (name as string).length; i++) {
      const c = (name as string).charCodeAt(i);
      ascii = c >= 32 && c < 127;
    }
    if (!ascii) errors.push('name: must be 1..64 printable ASCII characters (for other characters set nodes.<node>.name in the hub settings)');
  }
  const transport = raw['transport'] === undefined ? 'wifi' : raw['transport'];
  if (transport !== 'wifi' && transport !== 'serial') errors.push('transport: must be "wifi" or "serial"');
  const wifi = raw['wifi'];
  const mqtt = raw['mqtt'];
  if (transport === 'wifi') {
    if (!isObject(mqtt)) errors.push('mqtt: required for transport "wifi" ({"host": ..., "port": 1883})');
    if (wifi !== undefined && !isObject(wifi)) errors.push('wifi: must be an object {"ssid", "password"}');
  }
  if (isObject(wifi)) {
    unknownKeys(wifi, ['ssid', 'password'], 'wifi.');
    checkString(wifi['ssid'], 'wifi.ssid', true);
    if (wifi['password'] !== undefined && typeof wifi['password'] !== 'string') errors.push('wifi.password: must be a string');
  }
  if (isObject(mqtt)) {
    unknownKeys(mqtt, ['host', 'port', 'username', 'password', 'keepalive'], 'mqtt.');
    checkString(mqtt['host'], 'mqtt.host', true);
    if (mqtt['port'] !== undefined && !isWholeIn(mqtt['port'], 1, 65535)) errors.push('mqtt.port: must be 1..65535');
    checkString(mqtt['username'], 'mqtt.username', false);
    if (mqtt['password'] !== undefined && typeof mqtt['password'] !== 'string') errors.push('mqtt.password: must be a string');
    if (mqtt['keepalive'] !== undefined && !isNumberIn(mqtt['keepalive'], 5, 600)) errors.push('mqtt.keepalive: must be 5..600 seconds');
  }
  const topics = raw['topics'];
  if (topics !== undefined) {
    if (!isObject(topics)) errors.push('topics: must be an object');
    else {
      unknownKeys(topics, ['readings', 'nodes', 'discovery'], 'topics.');
      for (const key of ['readings', 'nodes', 'discovery']) {
        const problem = topics[key] === undefined ? undefined : prefixProblem(topics[key], 'topics.' + key);
        if (problem) errors.push(problem);
      }
    }
  }
  if (raw['interval'] !== undefined && !isNumberIn(raw['interval'], 1, 86400)) errors.push('interval: must be 1..86400 seconds');
  // ESP32.deepSleep(us) takes a 32-bit int (targets/esp32/jswrap_esp32.c): past 2,147 s the
  // microseconds wrap negative and the chip would not wake.
  if (raw['sleep'] !== undefined && !isNumberIn(raw['sleep'], 0, 2147))
    errors.push('sleep: must be 0..2147 seconds (the ESP32 deep-sleep timer takes at most 2^31 microseconds)');
  if (raw['led'] !== undefined) checkPin(raw['led'], 'led');
  const sensors = raw['sensors'];
  if (!Array.isArray(sensors) || sensors.length === 0) errors.push('sensors: must be a non-empty list');
  else {
    const seen: { [m: string]: number } = {};
    // I2C pin pairs in use: each needs a bus of its own (I2C1, I2C2); one device per address on a bus.
    const pairs: string[] = [];
    const addresses: { [at: string]: number } = {};
    // UART sensors: one UART each, and pins of their own.
    let serials = 0;
    const uartPins: { [pin: string]: string } = {};
    for (let i = 0; i < sensors.length; i++) {
      const sn = sensors[i];
      if (!isObject(sn)) continue;
      const t = sn['type'];
      const at = 'sensors[' + i + ']';
      // Default I2C address by type (0: not an I2C sensor).
      const a =
        t === 'bme280' || t === 'bmp280'
          ? 0x76
          : t === 'sht3x'
            ? 0x44
            : t === 'aht20'
              ? 0x38
              : t === 'scd4x'
                ? 0x62
                : t === 'bh1750'
                  ? 0x23
                  : t === 'htu21d'
                    ? 0x40
                    : 0;
      if (a) {
        if (board === 'esp32c3' && (sn['sda'] === undefined || sn['scl'] === undefined)) {
          errors.push(at + ': set "sda" and "scl" on the ESP32-C3 (the default pins 21/22 are the ESP32\'s; e.g. 8 and 9)');
          continue;
        }
        const pair = (sn['sda'] === undefined ? 21 : sn['sda']) + '/' + (sn['scl'] === undefined ? 22 : sn['scl']);
        if (pairs.indexOf(pair) < 0) pairs.push(pair);
        if (pairs.length > buses) {
          errors.push(
            at +
              ': I2C pins ' +
              pair +
              ' would need I2C bus ' +
              pairs.length +
              ', and ' +
              board +
              ' has ' +
              buses +
              ' (sensors can share a bus: give them the same sda/scl)',
          );
          pairs.pop();
        }
        const addr = typeof sn['address'] === 'number' ? (sn['address'] as number) : a;
        const key = pair + '@' + addr;
        if (addresses[key] !== undefined)
          errors.push(at + ': I2C address ' + addr + ' on pins ' + pair + ' is taken by sensors[' + addresses[key] + ']: one device per address on a bus');
        else addresses[key] = i;
      } else if (t === 'pms5003' || t === 'mhz19' || t === 'ld2410') {
        if (board === 'esp32c3' && (sn['rx'] === undefined || sn['tx'] === undefined)) {
          errors.push(at + ': set "rx" and "tx" on the ESP32-C3 (GPIO 16/17, the ESP32 defaults, drive its flash; e.g. 5 and 4)');
          continue;
        }
        if (++serials > uarts) {
          errors.push(
            at +
              ': ' +
              t +
              ' needs a UART of its own, and ' +
              board +
              ' has ' +
              uarts +
              ' for sensors (' +
              (uarts > 1 ? 'Serial2 and Serial3' : 'Serial2') +
              '; Serial1 is the console)',
          );
        }
        for (const key of ['rx', 'tx']) {
          const pin = '' + (sn[key] === undefined ? (key === 'rx' ? 16 : 17) : sn[key]);
          if (uartPins[pin] !== undefined)
            errors.push(at + '.' + key + ': GPIO ' + pin + ' is already ' + uartPins[pin] + ': each UART sensor needs its own rx and tx');
          else uartPins[pin] = at + '.' + key;
        }
        if (t === 'pms5003' && typeof raw['sleep'] === 'number' && raw['sleep'] > 0) {
          errors.push(at + ': a PMS5003 needs its fan running 30 s before a reading holds, and a deep-sleeping node wakes for less: use "sleep": 0');
        }
      }
    }
    for (let i = 0; i < sensors.length; i++) {
      const before = errors.length;
      checkSensor(sensors[i], 'sensors[' + i + ']');
      if (errors.length !== before) continue;
      const ms = sensorMeasurements(sensors[i] as SensorConfig);
      for (let j = 0; j < ms.length; j++) {
        if (seen[ms[j]] !== undefined) {
          errors.push(
            'sensors[' +
              i +
              ']: also measures ' +
              ms[j] +
              ' (as sensors[' +
              seen[ms[j]] +
              '] does); a node publishes one ' +
              ms[j] +
              ': pick one with "measurements"',
          );
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
