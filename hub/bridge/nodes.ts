// What the hub knows about each node: where it was last seen, its room, what it measures,
// whether it runs roomlink firmware, and whether it is online. Availability decides when a
// node goes offline; this registry only records it and tells the listeners.
import type { HubPort } from '../serial/port-manager.ts';
import type { HubEvents } from './events.ts';

export interface NodeRecord {
  readonly id: string;
  /** Port the node's last line came from: commands for it go there. */
  port: HubPort;
  room: string | undefined;
  /** Measurements published for it so far (for discovery). */
  readonly measurements: Set<string>;
  /** It printed an info line, so it runs roomlink firmware and takes REPL commands. */
  firmware: boolean;
  /** The last info object it printed. */
  info: { [key: string]: unknown } | undefined;
  /** Seconds between readings, from its info line. */
  announcedInterval: number | undefined;
  online: boolean;
  /** ms timestamp of its last line. */
  lastSeen: number;
}

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

  /** A line from `id` arrived on `port` at `now`: creates the record, marks it online. */
  seen(id: string, port: HubPort, now: number): NodeRecord {
    let node = this.nodes.get(id);
    if (!node) {
      node = {
        id,
        port,
        room: undefined,
        measurements: new Set(),
        firmware: false,
        info: undefined,
        announcedInterval: undefined,
        online: false,
        lastSeen: now,
      };
      this.nodes.set(id, node);
    }
    node.lastSeen = now;
    node.port = port;
    if (!node.online) {
      node.online = true;
      this.events.emit('nodeOnline', node);
    }
    return node;
  }

  setOffline(node: NodeRecord, reason: 'silent' | 'unplugged' | 'stopping'): void {
    if (!node.online) return;
    node.online = false;
    this.events.emit('nodeOffline', node, reason);
  }
}
