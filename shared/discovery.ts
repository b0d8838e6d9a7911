// Home Assistant device-based discovery for a node: one `sensor` or `binary_sensor`
// component per measurement under homeassistant/device/<node>/config. Built in chunks so a
// board can stream the payload without holding it whole (see discoveryChunk).
//
// What real Home Assistant (2025.6) does with it, and this file relies on: of the options at
// the device level only availability, state and command topics are inherited by the
// components (SHARED_OPTIONS in its mqtt/schemas.py); `qos` there is ignored, so each
// component carries its own `qos` (HA subscribes its state and availability topics with it).
//
// One model scheme for every device: manufacturer `roomlink`, model `roomlink node` (runs
// roomlink firmware, WiFi or serial), `USB serial device` (any other gadget on a hub's
// port) or `roomlink hub`; `hw` says the board and interpreter when known. Serial nodes name
// the hub they are plugged into as `via_device`.

import { asciiJson, jsonString } from './json.ts';
import { getMeasurement } from './measurements.ts';
import { VERSION } from './version.ts';
import { bridgeHealthTopic, bridgeStatusTopic, discoveryTopic, readingTopic, type TopicPrefixes } from './topics.ts';

export interface DiscoveryNode {
  node: string;
  room: string;
  measurements: string[];
  /** Topics whose `online`/`offline` decide availability; all must be online. */
  availability: string[];
  /** Device name shown in Home Assistant; default the node id. */
  name?: string;
  /** Device model: MODEL_NODE (default) or MODEL_SERIAL_DEVICE. */
  model?: string;
  /** Hardware, when known, e.g. "ESP32, Espruino 2v29". */
  hardware?: string;
  /** The node's firmware version, when known. */
  swVersion?: string;
  /** Device identifier of the hub a serial node is plugged into (hubDeviceId). */
  via?: string;
  /** QoS Home Assistant subscribes to state and availability with (default 1). */
  qos?: number;
}

export const MODEL_NODE = 'roomlink node';
export const MODEL_SERIAL_DEVICE = 'USB serial device';
export const MODEL_HUB = 'roomlink hub';

/** Stable across restarts and renames of the room: depends on node and measurement only. */
export function uniqueId(node: string, measurement: string): string {
  return 'roomlink_' + node + '_' + measurement;
}

function entityIdPart(text: string): string {
  return text.split('-').join('_');
}

/** "living_room" → "Living Room", for Home Assistant's suggested area. */
export function roomTitle(room: string): string {
  const words = room.split('_').join(' ').split('-').join(' ').split(' ');
  for (let i = 0; i < words.length; i++) words[i] = words[i].charAt(0).toUpperCase() + words[i].slice(1);
  return words.join(' ');
}

function componentJson(p: TopicPrefixes, spec: DiscoveryNode, id: string): string {
  const m = getMeasurement(id)!;
  const platform = m.kind === 'binary' ? 'binary_sensor' : 'sensor';
  const c: { [key: string]: unknown } = {
    p: platform,
    name: m.name,
    dev_cla: m.deviceClass,
    stat_t: readingTopic(p, spec.room, id),
    uniq_id: uniqueId(spec.node, id),
    def_ent_id: platform + '.' + entityIdPart(spec.node) + '_' + id,
    qos: spec.qos === undefined ? 1 : spec.qos,
  };
  if (m.kind === 'numeric') {
    c['unit_of_meas'] = m.unit;
    c['stat_cla'] = m.stateClass;
    c['sug_dsp_prc'] = m.precision;
    if (m.diagnostic) c['ent_cat'] = 'diagnostic';
  }
  return jsonString(id) + ':' + asciiJson(c);
}

function headJson(spec: DiscoveryNode): string {
  const avty: { t: string }[] = [];
  for (let i = 0; i < spec.availability.length; i++) avty.push({ t: spec.availability[i] });
  const dev: { [key: string]: unknown } = {
    ids: ['roomlink_' + spec.node],
    name: spec.name || spec.node,
    mf: 'roomlink',
    // MODEL_NODE, written out: the constant would stay in the board's RAM.
    mdl: spec.model || 'roomlink node',
    sa: roomTitle(spec.room),
  };
  if (spec.hardware) dev['hw'] = spec.hardware;
  if (spec.swVersion) dev['sw'] = spec.swVersion;
  if (spec.via) dev['via_device'] = spec.via;
  const head = asciiJson({
    dev: dev,
    o: { name: 'roomlink', sw: VERSION },
    avty: avty,
    avty_mode: 'all',
  });
  return head.slice(0, head.length - 1) + ',"cmps":{';
}

/**
 * Piece `index` of the payload, or undefined past the end. Joined in order they are the
 * whole JSON document; a board can send them one by one without building the whole string.
 */
export function discoveryChunk(p: TopicPrefixes, spec: DiscoveryNode, index: number): string | undefined {
  if (index === 0) return headJson(spec);
  const known = spec.measurements.filter(function (id) {
    return getMeasurement(id) !== undefined;
  });
  const n = known.length;
  if (index <= n) return (index > 1 ? ',' : '') + componentJson(p, spec, known[index - 1]);
  return index === n + 1 ? '}}' : undefined;
}

export function discoveryPayload(p: TopicPrefixes, spec: DiscoveryNode): string {
  let out = '';
  for (let i = 0; ; i++) {
    const piece = discoveryChunk(p, spec, i);
    if (piece === undefined) break;
    out += piece;
  }
  return out;
}

/** Topic and payload announcing a node. */
export function discoveryMessage(p: TopicPrefixes, spec: DiscoveryNode): { topic: string; payload: string } {
  return { topic: discoveryTopic(p, spec.node), payload: discoveryPayload(p, spec) };
}

/** The retained empty payload that removes the node's device and entities from Home Assistant. */
export function discoveryRemoval(p: TopicPrefixes, node: string): { topic: string; payload: string } {
  return { topic: discoveryTopic(p, node), payload: '' };
}

/**
 * Home Assistant's device id for a hub: one per `topics.bridge`, which several hubs on one
 * broker must set apart anyway. Also the object id of its discovery topic.
 */
export function hubDeviceId(p: TopicPrefixes): string {
  let id = 'roomlink_hub_';
  for (let i = 0; i < p.bridge.length; i++) {
    const c = p.bridge.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
    id += ok ? p.bridge.charAt(i) : '_';
  }
  return id;
}

/** Health report fields shown as the hub's diagnostic sensors: key, name, field, class. */
const HUB_SENSORS: [string, string, string, string][] = [
  ['queued', 'Queued readings', 'queued', 'measurement'],
  ['published', 'Readings published', 'published', 'total_increasing'],
  ['refused', 'Lines refused', 'refused_total', 'total_increasing'],
  ['dropped', 'Readings dropped', 'dropped', 'total_increasing'],
];

/**
 * The hub itself as a Home Assistant device: its connection to the broker (bridge status)
 * and its health counters as diagnostic entities. Serial nodes point at it with via_device.
 */
export function hubDiscoveryMessage(p: TopicPrefixes, qos: number): { topic: string; payload: string } {
  const id = hubDeviceId(p);
  const status = bridgeStatusTopic(p);
  const health = bridgeHealthTopic(p);
  const cmps: { [key: string]: unknown } = {
    status: {
      p: 'binary_sensor',
      name: 'Broker connection',
      dev_cla: 'connectivity',
      stat_t: status,
      pl_on: 'online',
      pl_off: 'offline',
      ent_cat: 'diagnostic',
      uniq_id: id + '_status',
      qos: qos,
    },
    uptime: {
      p: 'sensor',
      name: 'Uptime',
      dev_cla: 'duration',
      unit_of_meas: 's',
      stat_cla: 'measurement',
      stat_t: health,
      val_tpl: '{{ value_json.uptime_s }}',
      avty: [{ t: status }],
      ent_cat: 'diagnostic',
      uniq_id: id + '_uptime',
      qos: qos,
    },
  };
  for (let i = 0; i < HUB_SENSORS.length; i++) {
    const sensor = HUB_SENSORS[i];
    cmps[sensor[0]] = {
      p: 'sensor',
      name: sensor[1],
      stat_cla: sensor[3],
      stat_t: health,
      val_tpl: '{{ value_json.' + sensor[2] + ' }}',
      avty: [{ t: status }],
      ent_cat: 'diagnostic',
      uniq_id: id + '_' + sensor[0],
      qos: qos,
    };
  }
  const name = p.bridge === 'roomlink/bridge' ? 'roomlink hub' : 'roomlink hub ' + p.bridge;
  return {
    topic: discoveryTopic(p, id),
    payload: asciiJson({ dev: { ids: [id], name: name, mf: 'roomlink', mdl: MODEL_HUB, sw: VERSION }, o: { name: 'roomlink', sw: VERSION }, cmps: cmps }),
  };
}
