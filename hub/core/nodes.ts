// What the hub knows about each node: where it was last seen, its room, what it measures,
// whether it runs roomlink firmware, and whether it is online. Availability decides when a
// node goes offline; this registry only records it and tells the listeners.
//
// Nodes served in an earlier run are loaded from the node memory (node-memory.ts) as
// `unconfirmed`: the broker may still hold their retained `online`, so availability marks
// them offline if they stay silent for their timeout after the start.
import type { HubEvents } from './events.ts';

export interface NodeRecord {
  readonly id: string;
  /** Id of the port the node's last line came from: commands for it go there. */
  portId: string;
  room: string | undefined;
  /** Measurements published for it so far (for discovery). */
  readonly measurements: Set<string>;
  /** It runs roomlink firmware (printed an info line or a boot id), so it takes REPL commands. */
  firmware: boolean;
  /** Its readings carry a boot id and seq: it keeps them until the hub acknowledges them. */
  acks: boolean;
  /** The last info object it printed. */
  info: { [key: string]: unknown } | undefined;
  /** Seconds between readings, from its info line. */
  announcedInterval: number | undefined;
  online: boolean;
  /** Remembered from an earlier run and not heard from since this start. */
  unconfirmed: boolean;
  /** ms timestamp of its last line (of the start, for a remembered node). */
  lastSeen: number;
}

/** What the node memory keeps of a node across restarts. */
export interface RememberedNode {
  id: string;
  port: string;
  room?: string;
  measurements: string[];
  firmware: boolean;
  acks?: boolean;
  info?: { [key: string]: unknown };
  interval?: number;
}

export type OfflineReason = 'silent' | 'unplugged' | 'stopping';

export interface NodeRegistryOptions {
  /** Most nodes one hub keeps; new ids beyond are refused (see admits()). Default unlimited. */
  maxNodes?: number;
  /** Node ids named in the settings: always admitted, even past maxNodes. */
  configured?: Iterable<string>;
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly events: HubEvents;
  private readonly maxNodes: number;
  private readonly configured: Set<string>;
  /** Lines from new node ids refused because the registry was full, since start. */
  refusedNew = 0;

  constructor(events: HubEvents, options: NodeRegistryOptions = {}) {
    this.events = events;
    this.maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
    this.configured = new Set(options.configured ?? []);
  }

  /**
   * Whether a line from `id` may be taken: a known id or one named in the settings always,
   * a new one while fewer than maxNodes are known. A device with a counter in its node
   * field would otherwise grow memory, the health report and Home Assistant's device list
   * (a retained discovery config per id) without end. Counts the refusals.
   */
  admits(id: string): boolean {
    if (this.nodes.has(id) || this.nodes.size < this.maxNodes || this.configured.has(id)) return true;
    this.refusedNew++;
    return false;
  }

  /** The cap admits() applies. */
  get limit(): number {
    return this.maxNodes;
  }

  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  all(): IterableIterator<NodeRecord> {
    return this.nodes.values();
  }

  get size(): number {
    return this.nodes.size;
  }

  /** A line from `id` arrived on port `portId` at `now`: creates the record, marks it online. */
  seen(id: string, portId: string, now: number): NodeRecord {
    let node = this.nodes.get(id);
    if (!node) {
      node = this.create(id, portId, now);
      this.nodes.set(id, node);
    }
    node.lastSeen = now;
    node.portId = portId;
    node.unconfirmed = false;
    if (!node.online) {
      node.online = true;
      this.events.emit('nodeOnline', node);
    }
    return node;
  }

  /** A node served in an earlier run; silent until it speaks (see `unconfirmed`). */
  remember(saved: RememberedNode, now: number): void {
    if (this.nodes.has(saved.id)) return;
    const node = this.create(saved.id, saved.port, now);
    node.room = saved.room;
    for (const m of saved.measurements) node.measurements.add(m);
    node.firmware = saved.firmware;
    node.acks = saved.acks === true;
    node.info = saved.info;
    node.announcedInterval = saved.interval;
    node.unconfirmed = true;
    this.nodes.set(saved.id, node);
  }

  /** What the node memory keeps of `node`. */
  snapshot(node: NodeRecord): RememberedNode {
    return {
      id: node.id,
      port: node.portId,
      room: node.room,
      measurements: [...node.measurements].sort(),
      firmware: node.firmware,
      acks: node.acks || undefined,
      info: node.info,
      interval: node.announcedInterval,
    };
  }

  setOffline(node: NodeRecord, reason: OfflineReason): void {
    if (!node.online && !node.unconfirmed) return;
    node.online = false;
    node.unconfirmed = false;
    this.events.emit('nodeOffline', node, reason);
  }

  /** Drops the node (Home Assistant deleted its device) until it is heard from again. */
  forget(id: string): NodeRecord | undefined {
    const node = this.nodes.get(id);
    if (!node) return undefined;
    this.nodes.delete(id);
    // A stale record must not keep owning its topics (bridge.ts) or count as online.
    node.online = false;
    node.unconfirmed = false;
    this.events.emit('nodeForgotten', node);
    return node;
  }

  private create(id: string, portId: string, now: number): NodeRecord {
    return {
      id,
      portId,
      room: undefined,
      measurements: new Set(),
      firmware: false,
      acks: false,
      info: undefined,
      announcedInterval: undefined,
      online: false,
      unconfirmed: false,
      lastSeen: now,
    };
  }
}
