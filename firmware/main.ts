// roomlink firmware for Espruino: reads Storage `roomlink.json`, takes readings every
// `interval` seconds and delivers them over MQTT (transport "wifi") or as line-protocol
// lines on the console for the hub (transport "serial"). See issue 4 and ../README.md.
//
// Names in the firmware: the flashed build (dist/firmware.min.js) is minified with Terser,
// which renames every local and module-level variable, parameter and function, so those
// are written out for the reader and cost nothing on the board. Property names survive
// minification: they are in the flashed code, and on Espruino every object holds its own
// property names in RAM (a longer name can take another block). So the properties of what
// the node keeps in RAM or Storage are short on purpose: a sensor {c: config, d: driver,
// k: name on `info`} (below), filter state {h, v, t} (filters.ts), a
// queued message {l: line, i: packet id} and the queue's state file roomlink.qs {c, d}
// (queue.ts), and the MQTT settings (mqtt.ts). Config keys and wire formats (JSON readings,
// MQTT packets) are as their formats define them. Loop indexes (i, j), catch bindings and
// the datasheet's v1, v2, x, p, h in sensors/bme280-math.ts stay short by convention.

import { checkCommand, parseCommand, type CommandCheck } from '../shared/commands.ts';
import { discoveryChunk, type DiscoveryNode } from '../shared/discovery.ts';
import { asciiJson } from '../shared/json.ts';
import { COMMAND_ENTRY, encodeReading, type MeasuredValue } from '../shared/line-protocol.ts';
import { checkValue, formatValue } from '../shared/measurements.ts';
import { checkNodeConfig, nodeMeasurements, sensorMeasurements, type NodeConfig, type SensorConfig } from '../shared/node-config.ts';
import { discoveryTopic, haBirthTopic, nodeCommandTopic, nodeInfoTopic, nodeStatusTopic, readingTopic, type TopicPrefixes } from '../shared/topics.ts';
import { VERSION } from '../shared/version.ts';
import { filterValue, type FilterState } from './filters.ts';
import { drop, mqttPublish, mqttStart, mqttStop, mqttStream, mqttTick, mqttUp, streaming } from './mqtt.ts';
import { ACK_ENTRY, HUB_ENTRY } from '../shared/serial-ack.ts';
import { dropped, qAck, qAckRange, qAdd, qCount, qEmpty, qHub, qIdle, qInit, qPump, qResend, qSave, qTick } from './queue.ts';
import { driverFor } from './sensors/index.ts';
import type { Driver, Values } from './sensors/types.ts';
import { wifi, wifiStart } from './wifi.ts';

// Storage files: `roomlink.json` (the config) and `roomlink.set` (interval set by command:
// {"interval": N, "base": the config's interval it overrides}). RAM is what limits the node
// (at most 1,000 Espruino blocks, issue 13), and each top-level function or variable costs
// blocks for as long as the program runs: names like these are written out where used.

/** The global scope, where the entry points the hub calls over serial live. */
type Globals = { [name: string]: unknown };

interface Sensor {
  c: SensorConfig;
  d: Driver;
  /** Name on `info`: the type, with the index when a type is used twice. */
  k: string;
}

let config: NodeConfig;
let prefixes: TopicPrefixes;
const sensors: Sensor[] = [];
const state: { [measurement: string]: FilterState } = {};
const errors: { [sensor: string]: string } = {};
let interval = 60;
let loop: number | undefined;
let seq = 0;
/**
 * Printed on every serial reading (see Reading.boot): unique per boot. Espruino's
 * Math.random() starts from one fixed seed at every reset (an ESP32's too), so a random id
 * would repeat after each power cut, and the hub would take the new boot's readings for
 * repeats of the old one's. So boots are counted in Storage (`roomlink flash` starts the
 * count at a random number), and the count seeds Math.random (discovery's jitter).
 */
const bootId = (function () {
  const storage = require('Storage');
  const boots = (parseInt(storage.read('roomlink.b') || '', 10) || 0) + 1;
  storage.write('roomlink.b', '' + boots);
  if (E.srand) E.srand(boots);
  return boots.toString(36);
})();
let serial = false;
let busy = false;
/** Discovery to be sent again after Home Assistant's birth message. */
let rediscover: number | undefined;
/** Discovery and `info` have been published since boot. */
let told = false;
/**
 * A reading round and discovery never run together: both at once were the node's RAM peak
 * (issue 17: ~150 blocks above its steady use at boot). `roundWaits`: a round waits for the
 * discovery streaming now; `discoverWaits`: discovery waits for the round running now
 * (2 = with `info` and the resends after a connect, 1 = without).
 */
let roundWaits = 0;
let discoverWaits = 0;
/** The node's status topic, and what it subscribes to: its command topic and Home Assistant's birth topic. */
let statusTopic: string;
let subs: string[];
const started = getTime();

function say(text: string): void {
  print('roomlink: ' + text);
}

function loadConfig(): NodeConfig | undefined {
  const hint = '; checking again every minute (roomlink flash --config node.json)';
  const storage = require('Storage');
  if (storage.read('roomlink.json') === undefined) return void say('no config: Storage file roomlink.json is missing' + hint);
  // readJSON: Espruino's own writeJSON leaves keys unquoted, which JSON.parse refuses.
  const raw = storage.readJSON('roomlink.json', true);
  if (raw === undefined) return void say('roomlink.json is not valid JSON' + hint);
  const check = checkNodeConfig(raw);
  if (!check.ok) return void say('invalid roomlink.json: ' + check.errors.join('; ') + hint);
  return check.config;
}

/** Publishes (WiFi) or prints (serial) what the node is and how it is doing. */
function report(): void {
  if (!serial && !mqttUp) return;
  const types: string[] = [];
  for (let i = 0; i < sensors.length; i++) types.push(sensors[i].c.type);
  let rssi: number | undefined;
  try {
    // ESP32: in Wifi.getStatus() while connected; Wifi.getDetails() has none.
    rssi = wifi ? wifi.getStatus().rssi : undefined;
  } catch (_) {}
  const info = {
    version: VERSION,
    name: config.name,
    board: process.env.BOARD,
    espruino: process.env.VERSION,
    room: config.room,
    transport: config.transport,
    sensors: types,
    interval: interval,
    sleep: config.sleep || undefined,
    uptime: Math.round(getTime() - started),
    free_blocks: process.memory().free,
    rssi: rssi,
    queued: qCount(),
    dropped: dropped || undefined,
    errors: errors,
  };
  if (serial) print(asciiJson({ node: config.node, room: config.room, info: info }));
  else mqttPublish(nodeInfoTopic(prefixes, config.node), asciiJson(info), 0, true);
}

/** A serial reading: kept in the queue (Storage) until the hub acknowledges it. */
function line(values: MeasuredValue[]): void {
  qAdd(encodeReading({ node: config.node, room: config.room, values: values, seq: seq++, boot: bootId }));
}

/** Filters a value and sends it on (or into `out`, for one serial line per round). */
function emit(sensor: Sensor, measurement: string, value: number | boolean, change: boolean, out?: MeasuredValue[]): void {
  const ok = checkValue(measurement, value);
  if (!ok.ok) {
    errors[sensor.k] = ok.message;
    return;
  }
  // Filter state only for sensors with filters: ~6 blocks a measurement otherwise kept for nothing.
  const filters = sensor.c.filters;
  if (filters && !state[measurement]) state[measurement] = {};
  const filtered = filters ? filterValue(filters, state[measurement], value, getTime(), change) : value;
  if (filtered === undefined) return;
  if (!serial) qAdd(readingTopic(prefixes, config.room, measurement) + ' ' + formatValue(measurement, filtered));
  else if (out) out.push({ measurement: measurement, value: filtered });
  else line([{ measurement: measurement, value: filtered }]);
}

/** Reads every sensor in turn, then calls `after`. */
function round(after?: () => void): void {
  if (busy) return;
  if (streaming && !after) {
    roundWaits = 1;
    return;
  }
  roundWaits = 0;
  busy = true;
  const out: MeasuredValue[] = [];
  let i = 0;
  function next(): void {
    if (i >= sensors.length) {
      busy = false;
      if (out.length) line(out);
      if (after) after();
      const waiting = discoverWaits;
      discoverWaits = 0;
      if (waiting && mqttUp && !streaming) discover(waiting > 1);
      return;
    }
    const sensor = sensors[i++];
    let fin = false;
    const to = setTimeout(function () {
      finish('no answer');
    }, 3000);
    function finish(err: string | undefined, values?: Values): void {
      if (fin) return;
      fin = true;
      clearTimeout(to);
      if (err) errors[sensor.k] = err;
      else {
        delete errors[sensor.k];
        // Worked out from the config each time: kept per sensor, the lists cost ~25 blocks for good.
        const ms = sensorMeasurements(sensor.c);
        for (let j = 0; j < ms.length; j++) {
          if (values![ms[j]] === undefined) errors[sensor.k] = 'no ' + ms[j];
          else emit(sensor, ms[j], values![ms[j]], false, serial ? out : undefined);
        }
      }
      next();
    }
    try {
      sensor.d.read(finish);
    } catch (e) {
      finish('' + e);
    }
  }
  next();
}

function every(): void {
  if (loop) clearInterval(loop);
  // Espruino calls a timer's function with no arguments (checked on 2v29): round itself,
  // not a closure around it (a closure costs blocks for as long as the interval runs).
  loop = setInterval(round, interval * 1000);
}

function blink(): void {
  const pin = config.led === undefined ? 2 : config.led;
  let flips = 0;
  const blinking = setInterval(function () {
    digitalWrite(pin, flips & 1 ? 0 : 1);
    if (++flips >= 20) clearInterval(blinking);
  }, 250);
}

function command(check: CommandCheck): void {
  if (!config) return void say('no config, command ignored');
  if (!check.ok) return void say('command refused: ' + check.error);
  const wanted = check.command as { interval?: number; identify?: boolean; reboot?: boolean; calibrate?: number };
  if (wanted.interval) {
    interval = wanted.interval;
    require('Storage').writeJSON('roomlink.set', { interval: interval, base: config.interval });
    every();
  }
  if (wanted.identify) blink();
  if (wanted.calibrate) {
    sensors.forEach(function (sensor) {
      if (sensor.d.cal)
        sensor.d.cal(wanted.calibrate!, function (err, said) {
          if (err) errors[sensor.k] = err;
          else say(said!);
          report();
        });
    });
  }
  if (wanted.reboot) {
    say('rebooting');
    qSave();
    setTimeout(function () {
      E.reboot();
    }, 500);
  }
  report();
}

/**
 * Streams the retained discovery message while the queue waits; then, after a connect,
 * `info` (first connect after boot) and the resends, one after the other so that their
 * packets never sit in RAM together.
 */
function discover(resend: boolean): void {
  // The spec is made again for each piece (and for each piece's length): kept in a closure
  // it would hold ~40 blocks while the pieces go out, beside the socket's buffer.
  function piece(i: number): string | undefined {
    const spec: DiscoveryNode = {
      node: config.node,
      room: config.room,
      measurements: nodeMeasurements(config),
      availability: [statusTopic],
      name: config.name,
      hardware: process.env.BOARD + ', Espruino ' + process.env.VERSION,
      swVersion: VERSION,
    };
    return discoveryChunk(prefixes, spec, i);
  }
  mqttStream(discoveryTopic(prefixes, config.node), piece, function () {
    if (!resend) qPump();
    else {
      if (!told) report();
      told = true;
      qResend();
    }
    // The round that waited runs now, not later: later could fall after the next one due,
    // and the readings would be two intervals apart.
    if (roundWaits) round();
  });
}

/**
 * After each CONNACK: `online`, then discovery (and `info`) on the first connection after
 * boot and whenever the broker lost our session (a restart without persistence, which
 * loses retained messages too), then the resends. A broker that kept the session kept the
 * retained discovery: sending it again would only cost RAM and traffic at every reconnect.
 */
function online(session: number): void {
  mqttPublish(statusTopic, 'online', 0, true);
  discoverWaits = 0;
  if (told && session) qResend();
  else if (busy) discoverWaits = 2;
  else discover(true);
}

/**
 * A PUBLISH from the broker: a command only on the node's own command topic; Home
 * Assistant's birth ("online", live, not the retained copy sent on subscribing) makes the
 * node send discovery again after 1-5 s, so that a fleet restarting together is spread out;
 * anything else is ignored.
 */
function incoming(topic: string, payload: string, retain: boolean): void {
  // A retained command would run again at every connect (a retained reboot: for ever).
  if (topic === subs[0]) {
    if (retain) say('retained command ignored (publish commands without retain)');
    else command(parseCommand(payload));
  } else if (topic === subs[1] && payload === 'online' && !retain && !rediscover) {
    rediscover = setTimeout(
      function () {
        rediscover = undefined;
        // A discovery already streaming (after a reconnect) does the same.
        if (!mqttUp || streaming) return;
        if (busy) discoverWaits = discoverWaits || 1;
        else discover(false);
      },
      1000 + Math.random() * 4000,
    );
  }
}

function netUp(): void {
  const mqtt = config.mqtt!;
  mqttStart({
    host: mqtt.host,
    port: mqtt.port,
    id: config.node,
    user: mqtt.username,
    pass: mqtt.password,
    keepalive: mqtt.keepalive,
    will: statusTopic,
    subs: subs,
    up: online,
    down: qSave,
    msg: incoming,
    ack: qAck,
  });
}

/** Battery mode: deliver (bounded wait), then deep sleep; the chip reboots on wake. */
function sleepWhenDelivered(): void {
  const until = getTime() + 30;
  const waiting = setInterval(function () {
    if (getTime() < until && !(mqttUp && qEmpty())) return;
    clearInterval(waiting);
    qSave();
    // Sleep once the DISCONNECT has left (bounded): else the broker sends the Last Will.
    mqttStop(function () {
      say('deep sleep for ' + config.sleep + ' s');
      try {
        require('ESP32').deepSleep(config.sleep * 1e6);
      } catch (_) {
        // No deep sleep on this board: wait awake and run the cycle again.
        setTimeout(function () {
          netUp();
          round(sleepWhenDelivered);
        }, config.sleep * 1000);
      }
    });
  }, 250);
}

// Callbacks that live as long as the program are made outside start(), so that they do not
// keep start()'s locals (config copies, counters) in RAM.

/** A sensor from its config entry; `name` is its name on `info` (the sensor's `k`). */
function addSensor(sensorConfig: SensorConfig, name: string): void {
  // Only a binary input and a presence sensor report changes by themselves (a closure for the others would stay in RAM).
  const changes = sensorConfig.type === 'binary' || sensorConfig.type === 'ld2410';
  const sensor: Sensor = {
    c: sensorConfig,
    d: driverFor(
      sensorConfig,
      config.node,
      changes
        ? function (measurement, value) {
            emit(sensor, measurement, value, true);
          }
        : undefined,
    ),
    k: name,
  };
  sensors.push(sensor);
}

function tick(): void {
  E.kickWatchdog();
  if (!serial) mqttTick();
  else if (qTick()) report();
  if (!busy) qIdle();
}

function start(): void {
  const loaded = loadConfig();
  if (!loaded) {
    setTimeout(start, 60000);
    return;
  }
  config = loaded;
  const topics = loaded.topics || {};
  prefixes = { readings: topics.readings || 'home', nodes: topics.nodes || 'roomlink', bridge: '', discovery: topics.discovery || 'homeassistant' };
  serial = loaded.transport === 'serial';
  const set = require('Storage').readJSON<{ interval: number; base: number }>('roomlink.set', true);
  interval = set && set.base === loaded.interval ? set.interval : loaded.interval;
  const count: { [type: string]: number } = {};
  for (let i = 0; i < loaded.sensors.length; i++) {
    const type = loaded.sensors[i].type;
    count[type] = (count[type] || 0) + 1;
    // A type used once is its own name: the same string, not another copy in RAM.
    addSensor(loaded.sensors[i], count[type] > 1 ? type + count[type] : type);
  }
  print('roomlink ' + VERSION + ' running node=' + loaded.node + ' transport=' + loaded.transport);
  // The config's `board` decides which pins and I2C buses config check allows: say so when
  // the interpreter is built for another chip (process.env.BOARD: ESP32, ESP32C3_IDF4, ...).
  const board = process.env.BOARD || '';
  const chip = board.indexOf('ESP32') !== 0 ? '' : board.indexOf('C3') > 0 ? 'esp32c3' : board.indexOf('S3') > 0 ? 'esp32s3' : 'esp32';
  if (chip && chip !== (loaded.board || 'esp32'))
    say('this is ' + board + ' but roomlink.json says board ' + (loaded.board || 'esp32 (the default)') + ': set "board": "' + chip + '"');
  try {
    E.enableWatchdog(60, false);
  } catch (_) {}
  setInterval(tick, 5000);
  qInit(serial);
  E.on('kill', qSave);
  if (serial) {
    // The hub's acknowledgements and its announcement, as echo-off REPL calls.
    (globalThis as unknown as Globals)[ACK_ENTRY] = qAckRange;
    (globalThis as unknown as Globals)[HUB_ENTRY] = qHub;
    report();
    round();
    every();
    return;
  }
  statusTopic = nodeStatusTopic(prefixes, loaded.node);
  subs = [nodeCommandTopic(prefixes, loaded.node), haBirthTopic(prefixes)];
  const wifiConfig = loaded.wifi || ({} as { ssid?: string; password?: string });
  wifiStart(wifiConfig.ssid, wifiConfig.password, loaded.node, netUp, drop);
  if (loaded.sleep > 0) {
    round(sleepWhenDelivered);
    return;
  }
  round();
  every();
}

(globalThis as unknown as Globals)[COMMAND_ENTRY] = function (received: unknown) {
  command(checkCommand(received));
};
start();
