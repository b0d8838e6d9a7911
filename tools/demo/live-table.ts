// What the demo shows: one row per room and measurement with the latest value, the node
// that sent it and its age. Redrawn in place on a terminal; plain lines when piped.
import type { TopicPrefixes } from '../../shared/topics.ts';
import { decodeReading, NodeDirectory, valueText } from '../watch/readings.ts';

interface Row {
  room: string;
  measurement: string;
  text: string;
  node?: string;
  at: number;
}

export class LiveTable {
  private readonly rows = new Map<string, Row>();
  private readonly status = new Map<string, string>();
  readonly nodes = new NodeDirectory();

  constructor(private readonly prefixes: TopicPrefixes) {}

  /** Feeds one MQTT message; returns the row it updated, if it was a reading. */
  update(topic: string, payload: string, now: number): Row | undefined {
    if (this.nodes.learn(topic, payload, this.prefixes)) return undefined;
    const statusMatch = topic.startsWith(`${this.prefixes.nodes}/`) && topic.endsWith('/status');
    if (statusMatch) {
      this.status.set(topic.slice(this.prefixes.nodes.length + 1, -'/status'.length), payload);
      return undefined;
    }
    const reading = decodeReading(topic, payload, false, this.prefixes, this.nodes);
    if (!reading) return undefined;
    const text = reading.value === undefined ? `${payload} (?)` : valueText(reading);
    const row: Row = { room: reading.room, measurement: reading.measurement, text, node: reading.node, at: now };
    this.rows.set(topic, row);
    return row;
  }

  /** Rooms seen so far. */
  rooms(): string[] {
    return [...new Set([...this.rows.values()].map((r) => r.room))].sort();
  }

  /** The whole table as text lines. */
  render(now: number): string[] {
    const rows = [...this.rows.values()].sort((a, b) => a.room.localeCompare(b.room) || a.measurement.localeCompare(b.measurement));
    const lines = [`${'ROOM'.padEnd(14)}${'MEASUREMENT'.padEnd(16)}${'VALUE'.padEnd(14)}${'NODE'.padEnd(16)}AGE`];
    for (const r of rows) {
      const node = r.node ? `${r.node}${this.status.get(r.node) === 'offline' ? ' (offline)' : ''}` : '';
      lines.push(`${r.room.padEnd(14)}${r.measurement.padEnd(16)}${r.text.padEnd(14)}${node.padEnd(16)}${formatAge(now - r.at)}`);
    }
    if (rows.length === 0) lines.push('(waiting for the first readings...)');
    return lines;
  }

  /** One plain line for a reading, for piped output. */
  static line(row: Row): string {
    return `${row.room} ${row.measurement} ${row.text}${row.node ? ` (${row.node})` : ''}`;
  }
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
