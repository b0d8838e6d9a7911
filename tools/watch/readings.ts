// Turns what arrives on reading and discovery topics into readable readings: value with
// unit, room, measurement and the node that publishes it (learnt from discovery payloads).
import { getMeasurement, parsePayload } from '../../shared/measurements.ts';
import { parseReadingTopic, type TopicPrefixes } from '../../shared/topics.ts';

export interface WatchedReading {
  topic: string;
  room: string;
  measurement: string;
  /** The decoded value, or undefined when the payload does not fit the measurement. */
  value?: number | boolean;
  payload: string;
  unit?: string;
  node?: string;
  retained: boolean;
  problem?: string;
}

/** Remembers which node announced which state topic, from Home Assistant discovery. */
export class NodeDirectory {
  private readonly nodeOfTopic = new Map<string, string>();

  /** Feeds one discovery payload; returns true when it was one. */
  learn(topic: string, payload: string, prefixes: TopicPrefixes): boolean {
    if (!topic.startsWith(`${prefixes.discovery}/device/`) || !topic.endsWith('/config')) return false;
    try {
      const doc = JSON.parse(payload) as { dev?: { name?: string }; cmps?: Record<string, { stat_t?: string }> };
      const node = doc.dev?.name;
      for (const component of Object.values(doc.cmps ?? {})) {
        if (node && component.stat_t) this.nodeOfTopic.set(component.stat_t, node);
      }
    } catch {
      // An empty payload removes a device; anything unparsable teaches nothing.
    }
    return true;
  }

  nodeOf(topic: string): string | undefined {
    return this.nodeOfTopic.get(topic);
  }
}

export function decodeReading(topic: string, payload: string, retained: boolean, prefixes: TopicPrefixes, nodes: NodeDirectory): WatchedReading | undefined {
  const parts = parseReadingTopic(prefixes, topic);
  if (!parts) return undefined;
  const reading: WatchedReading = { topic, room: parts.room, measurement: parts.measurement, payload, retained, node: nodes.nodeOf(topic) };
  const m = getMeasurement(parts.measurement);
  if (m?.kind === 'numeric') reading.unit = m.unit;
  const check = parsePayload(parts.measurement, payload);
  if (check.ok) reading.value = check.value;
  else reading.problem = check.message;
  return reading;
}

/** The value as a person reads it: `21.5 °C`, `ON`, or the payload with why it does not fit. */
export function valueText(r: WatchedReading): string {
  if (r.value === undefined) return `${r.payload} (${r.problem})`;
  if (typeof r.value === 'boolean') return r.value ? 'ON' : 'OFF';
  return `${r.payload}${r.unit ? ` ${r.unit}` : ''}`;
}

/** One line for a person: `12:00:01  kitchen  temperature  21.5 °C  (kitchen-1)`. */
export function formatReading(r: WatchedReading, now: Date): string {
  const time = now.toTimeString().slice(0, 8);
  const value = valueText(r);
  const from = [r.node, r.retained ? 'retained' : undefined].filter(Boolean).join(', ');
  return `${time}  ${r.room.padEnd(14)} ${r.measurement.padEnd(16)} ${value.padEnd(12)}${from ? `  (${from})` : ''}`;
}
