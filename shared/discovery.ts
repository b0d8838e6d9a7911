// Home Assistant device-based discovery for a node: one `sensor` or `binary_sensor`
// component per measurement under homeassistant/device/<node>/config. Built in chunks so a
// board can stream the payload without holding it whole (see discoveryChunk).

import { asciiJson, jsonString } from './json.ts';
import { getMeasurement } from './measurements.ts';
import { VERSION } from './version.ts';
import { discoveryTopic, readingTopic, type TopicPrefixes } from './topics.ts';

export interface DiscoveryNode {
  node: string;
  room: string;
  measurements: string[];
  /** Topics whose `online`/`offline` decide availability; all must be online. */
  availability: string[];
  /** Shown as the device model, e.g. "ESP32 (Espruino 2v29)" or "USB serial". */
  model?: string;
  /** The node's firmware version, when known. */
  swVersion?: string;
  /** QoS Home Assistant subscribes with. */
  qos?: number;
}

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
    name: spec.node,
    mf: 'roomlink',
    mdl: spec.model || 'roomlink node',
    sa: roomTitle(spec.room),
  };
  if (spec.swVersion) dev['sw'] = spec.swVersion;
  const head = asciiJson({
    dev: dev,
    o: { name: 'roomlink', sw: VERSION },
    avty: avty,
    avty_mode: 'all',
    qos: spec.qos === undefined ? 1 : spec.qos,
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
  let piece: string | undefined;
  for (let i = 0; (piece = discoveryChunk(p, spec, i)) !== undefined; i++) out += piece;
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
