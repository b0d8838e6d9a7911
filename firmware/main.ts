// roomlink firmware for Espruino: reads Storage `roomlink.json`, takes readings every
// `interval` seconds and delivers them over MQTT (transport "wifi") or as line-protocol
// lines on the console for the hub (transport "serial"). See issue 4 and ../README.md.

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
import { W, wifiStart } from './wifi.ts';

// Storage files: `roomlink.json` (the config) and `roomlink.set` (interval set by command:
// {"interval": N, "base": the config's interval it overrides}). RAM is what limits the node
// (at most 1,000 Espruino blocks, issue 13), and each top-level function or variable costs
// blocks for as long as the program runs: names like these are written out where used.

/** The global scope, where the entry points the hub calls over serial live. */
type Globals = { [name: string]: unknown };

interface Sensor {
  c: SensorConfig;
  d: Driver;
  ms: string[];
  /** Name on `info`: the type, with the index when a type is used twice. */
  k: string;
}

let cfg: NodeConfig;
let P: TopicPrefixes;
const sensors: Sensor[] = [];
const state: { [m: string]: FilterState } = {};
const errors: { [k: string]: string } = {};
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
  const S = require('Storage');
  const n = (parseInt(S.read('roomlink.b') || '', 10) || 0) + 1;
  S.write('roomlink.b', '' + n);
  if (E.srand) E.srand(n);
  return n.toString(36);
})();
let serial = false;
let busy = false;
/** Discovery to be sent again after Home Assistant's birth message. */
let rediscover: number | undefined;
/** Discovery and `info` have been published since boot. */
let told = false;
/** The node's status topic, and what it subscribes to: its command topic and Home Assistant's birth topic. */
let statusTopic: string;
let subs: string[];
const started = getTime();

function say(text: string): void {
  print('roomlink: ' + text);
}

function loadConfig(): NodeConfig | undefined {
  const hint = '; checking again every minute (roomlink flash --config node.json)';
  const S = require('Storage');
  if (S.read('roomlink.json') === undefined) return void say('no config: Storage file roomlink.json is missing' + hint);
  // readJSON: Espruino's own writeJSON leaves keys unquoted, which JSON.parse refuses.
  const raw = S.readJSON('roomlink.json', true);
  if (raw === undefined) return void say('roomlink.json is not valid JSON' + hint);
  const r = checkNodeConfig(raw);
  if (!r.ok) return void say('invalid roomlink.json: ' + r.errors.join('; ') + hint);
  return r.config;
}

/** Publishes (WiFi) or prints (serial) what the node is and how it is doing. */
function report(): void {
  if (!serial && !mqttUp) return;
  const types: string[] = [];
  for (let i = 0; i < sensors.length; i++) types.push(sensors[i].c.type);
  let rssi: number | undefined;
  try {
    // ESP32: in Wifi.getStatus() while connected; Wifi.getDetails() has none.
    rssi = W ? W.getStatus().rssi : undefined;
  } catch (_) {}
  const info = {
    version: VERSION,
    name: cfg.name,
    board: process.env.BOARD,
    espruino: process.env.VERSION,
    room: cfg.room,
    transport: cfg.transport,
    sensors: types,
    interval: interval,
    sleep: cfg.sleep || undefined,
    uptime: Math.round(getTime() - started),
    free_blocks: process.memory().free,
    rssi: rssi,
    queued: qCount(),
    dropped: dropped || undefined,
    errors: errors,
  };
  if (serial) print(asciiJson({ node: cfg.node, room: cfg.room, info: info }));
  else mqttPublish(nodeInfoTopic(P, cfg.node), asciiJson(info), 0, true);
}

/** A serial reading: kept in the queue (Storage) until the hub acknowledges it. */
function line(values: MeasuredValue[]): void {
  qAdd(encodeReading({ node: cfg.node, room: cfg.room, values: values, seq: seq++, boot: bootId }));
}

/** Filters a value and sends it on (or into `out`, for one serial line per round). */
function emit(s: Sensor, m: string, value: number | boolean, change: boolean, out?: MeasuredValue[]): void {
  const ok = checkValue(m, value);
  if (!ok.ok) {
    errors[s.k] = ok.message;
    return;
  }
  // Filter state only for sensors with filters: ~6 blocks a measurement otherwise kept for nothing.
  const f = s.c.filters;
  if (f && !state[m]) state[m] = {};
  const v = f ? filterValue(f, state[m], value, getTime(), change) : value;
  if (v === undefined) return;
  if (!serial) qAdd(readingTopic(P, cfg.room, m) + ' ' + formatValue(m, v));
  else if (out) out.push({ measurement: m, value: v });
  else line([{ measurement: m, value: v }]);
}

/** Reads every sensor in turn, then calls `after`. */
function round(after?: () => void): void {
  if (busy) return;
  busy = true;
  const out: MeasuredValue[] = [];
  let i = 0;
  function next(): void {
    if (i >= sensors.length) {
      busy = false;
      if (out.length) line(out);
      if (after) after();
      return;
    }
    const s = sensors[i++];
    let fin = false;
    const to = setTimeout(function () {
      finish('no answer');
    }, 3000);
    function finish(err: string | undefined, v?: Values): void {
      if (fin) return;
      fin = true;
      clearTimeout(to);
      if (err) errors[s.k] = err;
      else {
        delete errors[s.k];
        for (let j = 0; j < s.ms.length; j++) {
          if (v![s.ms[j]] === undefined) errors[s.k] = 'no ' + s.ms[j];
          else emit(s, s.ms[j], v![s.ms[j]], false, serial ? out : undefined);
        }
      }
      next();
    }
    try {
      s.d.read(finish);
    } catch (e) {
      finish('' + e);
    }
  }
  next();
}

function every(): void {
  if (loop) clearInterval(loop);
  loop = setInterval(function () {
    round();
  }, interval * 1000);
}

function blink(): void {
  const pin = cfg.led === undefined ? 2 : cfg.led;
  let n = 0;
  const t = setInterval(function () {
    digitalWrite(pin, n & 1 ? 0 : 1);
    if (++n >= 20) clearInterval(t);
  }, 250);
}

function command(r: CommandCheck): void {
  if (!cfg) return void say('no config, command ignored');
  if (!r.ok) return void say('command refused: ' + r.error);
  const c = r.command as { interval?: number; identify?: boolean; reboot?: boolean; calibrate?: number };
  if (c.interval) {
    interval = c.interval;
    require('Storage').writeJSON('roomlink.set', { interval: interval, base: cfg.interval });
    every();
  }
  if (c.identify) blink();
  if (c.calibrate) {
    sensors.forEach(function (s) {
      if (s.d.cal)
        s.d.cal(c.calibrate!, function (err, said) {
          if (err) errors[s.k] = err;
          else say(said!);
          report();
        });
    });
  }
  if (c.reboot) {
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
  const node = cfg.node;
  const spec: DiscoveryNode = {
    node: node,
    room: cfg.room,
    measurements: nodeMeasurements(cfg),
    availability: [statusTopic],
    name: cfg.name,
    hardware: process.env.BOARD + ', Espruino ' + process.env.VERSION,
    swVersion: VERSION,
  };
  mqttStream(
    discoveryTopic(P, node),
    function (i) {
      return discoveryChunk(P, spec, i);
    },
    function () {
      if (!resend) return qPump();
      if (!told) report();
      told = true;
      qResend();
    },
  );
}

/**
 * After each CONNACK: `online`, then discovery (and `info`) on the first connection after
 * boot and whenever the broker lost our session (a restart without persistence, which
 * loses retained messages too), then the resends. A broker that kept the session kept the
 * retained discovery: sending it again would only cost RAM and traffic at every reconnect.
 */
function online(session: number): void {
  mqttPublish(statusTopic, 'online', 0, true);
  if (told && session) qResend();
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
        if (mqttUp && !streaming) discover(false);
      },
      1000 + Math.random() * 4000,
    );
  }
}

function netUp(): void {
  const m = cfg.mqtt!;
  mqttStart({
    host: m.host,
    port: m.port,
    id: cfg.node,
    user: m.username,
    pass: m.password,
    keepalive: m.keepalive,
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
  const t = setInterval(function () {
    if (getTime() < until && !(mqttUp && qEmpty())) return;
    clearInterval(t);
    qSave();
    // Sleep once the DISCONNECT has left (bounded): else the broker sends the Last Will.
    mqttStop(function () {
      say('deep sleep for ' + cfg.sleep + ' s');
      try {
        require('ESP32').deepSleep(cfg.sleep * 1e6);
      } catch (_) {
        // No deep sleep on this board: wait awake and run the cycle again.
        setTimeout(function () {
          netUp();
          round(sleepWhenDelivered);
        }, cfg.sleep * 1000);
      }
    });
  }, 250);
}

// Callbacks that live as long as the program are made outside start(), so that they do not
// keep start()'s locals (config copies, counters) in RAM.

/** A sensor from its config entry; `k` is its name on `info`. */
function addSensor(sc: SensorConfig, k: string): void {
  // Only a binary input and a presence sensor report changes by themselves (a closure for the others would stay in RAM).
  const changes = sc.type === 'binary' || sc.type === 'ld2410';
  const s: Sensor = {
    c: sc,
    d: driverFor(
      sc,
      cfg.node,
      changes
        ? function (m, v) {
            emit(s, m, v, true);
          }
        : undefined,
    ),
    ms: sensorMeasurements(sc),
    k: k,
  };
  sensors.push(s);
}

function tick(): void {
  E.kickWatchdog();
  if (!serial) mqttTick();
  else if (qTick()) report();
  if (!busy) qIdle();
}

function start(): void {
  const c = loadConfig();
  if (!c) {
    setTimeout(start, 60000);
    return;
  }
  cfg = c;
  const t = c.topics || {};
  P = { readings: t.readings || 'home', nodes: t.nodes || 'roomlink', bridge: '', discovery: t.discovery || 'homeassistant' };
  serial = c.transport === 'serial';
  const set = require('Storage').readJSON<{ interval: number; base: number }>('roomlink.set', true);
  interval = set && set.base === c.interval ? set.interval : c.interval;
  const count: { [t: string]: number } = {};
  for (let i = 0; i < c.sensors.length; i++) {
    const type = c.sensors[i].type;
    count[type] = (count[type] || 0) + 1;
    addSensor(c.sensors[i], type + (count[type] > 1 ? count[type] : ''));
  }
  print('roomlink ' + VERSION + ' running node=' + c.node + ' transport=' + c.transport);
  // The config's `board` decides which pins and I2C buses config check allows: say so when
  // the interpreter is built for another chip (process.env.BOARD: ESP32, ESP32C3_IDF4, ...).
  const b = process.env.BOARD || '';
  const chip = b.indexOf('ESP32') !== 0 ? '' : b.indexOf('C3') > 0 ? 'esp32c3' : b.indexOf('S3') > 0 ? 'esp32s3' : 'esp32';
  if (chip && chip !== (c.board || 'esp32'))
    say('this is ' + b + ' but roomlink.json says board ' + (c.board || 'esp32 (the default)') + ': set "board": "' + chip + '"');
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
  statusTopic = nodeStatusTopic(P, c.node);
  subs = [nodeCommandTopic(P, c.node), haBirthTopic(P)];
  const w = c.wifi || ({} as { ssid?: string; password?: string });
  wifiStart(w.ssid, w.password, c.node, netUp, drop);
  if (c.sleep > 0) {
    round(sleepWhenDelivered);
    return;
  }
  round();
  every();
}

(globalThis as unknown as Globals)[COMMAND_ENTRY] = function (c: unknown) {
  command(checkCommand(c));
};
start();
