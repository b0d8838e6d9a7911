// From serial lines to readings: decode each line (shared/line-protocol.ts), attribute it
// to a node, decide the room, and hand every accepted value to the publisher. Every
// refused line or value is counted by reason and logged (rate-limited) with its port and
// a safe excerpt; nothing here throws on bad input, and a bad line never stops the port.
//
// Room: the settings win (nodes.<id>.room, then the port's room), else the room the line
// names, else the room the node named before (in an earlier reading or its info line); a
// reading with no room at all is refused as `no_room`.
//
// Two nodes claiming one state topic (kitchen-1 and kitchen-2 both sending
// home/kitchen/temperature): the first node to publish there owns the topic while it is
// online. The other node's values for that topic are refused as `topic_conflict` (counted,
// warned about, listed in health) instead of overwriting the owner's retained value; its
// other measurements still go through. When the owner goes offline the next node to send
// takes the topic over.
import { decodeLine, type NodeInfoLine, type Reading, type ValueProblem } from '../../shared/line-protocol.ts';
import { printable } from '../../shared/slug.ts';
import { readingTopic, type TopicPrefixes } from '../../shared/topics.ts';
import type { HubSettings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import type { QueuedMessage } from '../queue/durable-queue.ts';
import type { HubPort } from '../serial/port-manager.ts';
import type { HubEvents } from '../core/events.ts';
import type { NodeRecord, NodeRegistry } from '../core/nodes.ts';
import { RateLimit } from '../core/rate-limit.ts';
import type { SerialAcks } from './serial-acks.ts';

export interface BridgeCounters {
  lines_read: number;
  /** Banners, logs and other text that is not meant for the hub. */
  output_lines: number;
  /** Lines that carried at least one accepted value. */
  readings_accepted: number;
  /** Values queued for publishing (one per measurement). */
  values_accepted: number;
  info_lines: number;
  /** Refused lines and values, by reason. */
  refused: Record<string, number>;
}

/** Refusals of one port's lines, by reason, and the last one. */
export interface PortRefusals {
  by_reason: Record<string, number>;
  last?: { reason: string; message: string; at: number };
}

export interface TopicConflict {
  topic: string;
  owner: string;
  other: string;
  refused: number;
}

export interface BridgeOptions {
  settings: Pick<HubSettings, 'nodes' | 'serial'>;
  prefixes: TopicPrefixes;
  nodes: NodeRegistry;
  publisher: Publisher;
  events: HubEvents;
  log: Logger;
  /** Serial acknowledgements for numbered readings of roomlink firmware. */
  acks?: SerialAcks;
  /** Log lines per refusal reason per 10 s. Default 5. */
  logBurst?: number;
}

export class Bridge {
  readonly counters: BridgeCounters = {
    lines_read: 0,
    output_lines: 0,
    readings_accepted: 0,
    values_accepted: 0,
    info_lines: 0,
    refused: {},
  };
  private readonly options: BridgeOptions;
  private readonly log: Logger;
  private readonly limiter: RateLimit;
  /** "<room>/<measurement>" → node that owns that state topic. */
  private readonly owners = new Map<string, NodeRecord>();
  private readonly conflicts = new Map<string, TopicConflict>();
  private readonly portRefusals = new Map<string, PortRefusals>();
  /** A node id whose topics would land inside the bridge's own tree (e.g. "bridge"). */
  private readonly reservedNode: string | undefined;
  /** Time of the line being handled. */
  private now = Date.now();

  constructor(options: BridgeOptions) {
    this.options = options;
    this.log = options.log;
    this.limiter = new RateLimit({ burst: options.logBurst ?? 5 });
    const { nodes, bridge } = options.prefixes;
    this.reservedNode = bridge.startsWith(`${nodes}/`) ? bridge.slice(nodes.length + 1).split('/')[0] : undefined;
  }

  topicConflicts(): TopicConflict[] {
    return [...this.conflicts.values()];
  }

  /** What was refused from one port (for the dashboard's hub and node views). */
  refusalsOf(portId: string): PortRefusals | undefined {
    return this.portRefusals.get(portId);
  }

  /** One line from a port (terminator removed). */
  line(port: HubPort, text: string): void {
    this.counters.lines_read++;
    this.now = Date.now();
    const decoded = decodeLine(text, this.options.settings.serial.max_line_bytes, port.settings.node);
    switch (decoded.kind) {
      case 'reading':
        this.reading(port, text, decoded.reading, decoded.problems);
        break;
      case 'info':
        this.info(port, text, decoded.line);
        break;
      case 'output':
        this.counters.output_lines++;
        // A device that prints free text is alive even so, when the port names its node.
        if (port.settings.node) this.options.nodes.seen(port.settings.node, port.id, this.now);
        break;
      case 'empty':
        break;
      case 'refused':
        this.refuse(decoded.reason, port, text, decoded.message);
        break;
    }
  }

  /** A line longer than serial.max_line_bytes was dropped by the splitter. */
  tooLong(port: HubPort): void {
    this.counters.lines_read++;
    this.now = Date.now();
    this.refuse('too_long', port, '', `line is longer than ${this.options.settings.serial.max_line_bytes} bytes`);
  }

  /** Counts and logs (rate-limited) one refusal. */
  refuse(reason: string, port: HubPort | undefined, text: string, message: string): void {
    const refused = this.counters.refused;
    refused[reason] = (refused[reason] ?? 0) + 1;
    if (port) {
      let own = this.portRefusals.get(port.id);
      if (!own) {
        own = { by_reason: {} };
        this.portRefusals.set(port.id, own);
      }
      own.by_reason[reason] = (own.by_reason[reason] ?? 0) + 1;
      own.last = { reason, message, at: this.now };
    }
    const { ok, suppressed } = this.limiter.allow(reason);
    if (!ok) return;
    this.log.warn('refused', {
      port: port?.id,
      reason,
      message,
      // printable() escapes control bytes; U+FFFD (what invalid UTF-8 decoded to) becomes '?'.
      excerpt: text ? printable(text, 60).replace(/\ufffd/g, '?') : undefined,
      suppressed_before: suppressed || undefined,
    });
  }

  private reading(port: HubPort, text: string, reading: Reading, problems: ValueProblem[]): void {
    if (reading.node === this.reservedNode) {
      this.refuse('invalid_node', port, text, `node id '${reading.node}' is reserved for the bridge`);
      return;
    }
    if (!this.admitted(reading.node, port, text)) return;
    const node = this.options.nodes.seen(reading.node, port.id, this.now);
    // A numbered reading from roomlink firmware is kept by the node until acknowledged: one
    // the hub already has is dropped here, never published twice.
    const { boot, seq } = reading;
    const acks = boot !== undefined && seq !== undefined ? this.options.acks : undefined;
    if (acks && !acks.isNew(port, node.id, boot!, seq!)) return;
    const messages: QueuedMessage[] = [];
    this.publishReading(port, text, node, reading, problems, messages);
    // Acknowledged once safe, also when nothing of it could be published: sending it again
    // would not change that.
    acks?.published(port, node.id, boot!, seq!, messages);
  }

  private publishReading(port: HubPort, text: string, node: NodeRecord, reading: Reading, problems: ValueProblem[], messages: QueuedMessage[]): void {
    const room = this.roomOf(node, port, reading.room);
    for (const problem of problems) this.refuse(problem.reason, port, text, problem.message);
    if (room === undefined) {
      this.refuse('no_room', port, text, `no room for node ${node.id}: the line names none and the settings give none`);
      return;
    }
    let changed = false;
    // Only roomlink firmware puts a boot id on its readings: from now on it gets commands as
    // REPL calls (even when the hub started after the node and never saw its info line), and
    // the hub acknowledges its readings.
    if (reading.boot !== undefined && !node.acks) {
      node.firmware = true;
      node.acks = true;
      changed = true;
    }
    if (node.room !== room) {
      node.room = room;
      changed = true;
    }
    let accepted = 0;
    for (const { measurement, value } of reading.values) {
      const key = `${room}/${measurement}`;
      const owner = this.owners.get(key);
      if (owner !== node) {
        if (owner?.online) {
          this.conflict(key, owner, node, port, text);
          continue;
        }
        this.owners.set(key, node);
      }
      if (!node.measurements.has(measurement)) {
        node.measurements.add(measurement);
        changed = true;
      }
      messages.push(this.options.publisher.reading({ room, measurement, value }, reading.boot !== undefined && this.options.acks !== undefined));
      this.options.events.emit('reading', node, room, measurement, value, this.now);
      accepted++;
    }
    if (accepted > 0) {
      this.counters.readings_accepted++;
      this.counters.values_accepted += accepted;
    }
    if (changed) this.options.events.emit('nodeChanged', node);
  }

  private info(port: HubPort, text: string, line: NodeInfoLine): void {
    if (line.node === this.reservedNode) {
      this.refuse('invalid_node', port, text, `node id '${line.node}' is reserved for the bridge`);
      return;
    }
    this.counters.info_lines++;
    if (!this.admitted(line.node, port, text)) return;
    const node = this.options.nodes.seen(line.node, port.id, this.now);
    node.firmware = true;
    node.info = line.info;
    const interval = line.info.interval;
    if (typeof interval === 'number' && interval > 0 && interval < 1e7) node.announcedInterval = interval;
    const room = this.roomOf(node, port, line.room);
    const moved = room !== undefined && room !== node.room;
    if (moved) node.room = room;
    this.options.events.emit('nodeInfo', node);
    if (moved && node.measurements.size > 0) this.options.events.emit('nodeChanged', node);
    // roomlink firmware that keeps its readings for the hub says how many wait (and says so
    // again every 10 s while no hub answers): answer, and it sends them.
    if (typeof line.info.queued === 'number' && this.options.acks) {
      if (!node.acks) {
        node.acks = true;
        this.options.events.emit('nodeChanged', node);
      }
      this.options.acks.hello(port);
    }
  }

  /** False (and the line refused as too_many_nodes) for a new node id past max_nodes. */
  private admitted(id: string, port: HubPort, text: string): boolean {
    const nodes = this.options.nodes;
    if (nodes.admits(id)) return true;
    this.refuse(
      'too_many_nodes',
      port,
      text,
      `node id '${id}' is new and this hub already has ${nodes.size} nodes (max_nodes ${nodes.limit}); raise max_nodes if there really are more`,
    );
    return false;
  }

  private roomOf(node: NodeRecord, port: HubPort, fromLine: string | undefined): string | undefined {
    return this.options.settings.nodes[node.id]?.room ?? port.settings.room ?? fromLine ?? node.room;
  }

  private conflict(key: string, owner: NodeRecord, other: NodeRecord, port: HubPort, text: string): void {
    const id = `${key}\u0000${other.id}`;
    let c = this.conflicts.get(id);
    if (!c) {
      const [room, measurement] = key.split('/') as [string, string];
      c = { topic: readingTopic(this.options.prefixes, room, measurement), owner: owner.id, other: other.id, refused: 0 };
      this.conflicts.set(id, c);
    }
    c.owner = owner.id;
    c.refused++;
    this.refuse('topic_conflict', port, text, `${other.id} sends ${c.topic}, which ${owner.id} already publishes; value not published`);
  }
}
