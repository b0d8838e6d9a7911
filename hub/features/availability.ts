// Node availability on <nodes>/<node>/status: online (retained) on a node's first line,
// offline after it has been silent for its timeout or when its port is unplugged. A node
// remembered from an earlier run is left as the broker has it until it speaks or its
// timeout passes after the start; then it is marked offline (see nodes.ts). The
// timeout is nodes.<id>.availability_timeout, else silence_factor × the node's interval
// (from the settings, else from its info line, else availability.default_interval).
// Silence is checked by one periodic sweep, not a timer per node, so a busy line costs
// nothing here.
import type { HubEvents } from '../core/events.ts';
import type { NodeRecord, NodeRegistry } from '../core/nodes.ts';
import type { HubSettings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import { Feature } from './feature.ts';

export interface AvailabilityOptions {
  settings: Pick<HubSettings, 'nodes' | 'availability'>;
  nodes: NodeRegistry;
  events: HubEvents;
  publisher: Publisher;
  log: Logger;
  /** How often silence is checked, in ms. Default: a quarter of the shortest timeout, 50..1000. */
  sweepMs?: number;
}

export class Availability extends Feature {
  readonly name = 'availability';
  private readonly options: AvailabilityOptions;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: AvailabilityOptions) {
    super(options.events);
    this.options = options;
  }

  start(): void {
    const { publisher, nodes } = this.options;
    this.on('nodeOnline', (node) => {
      this.options.log.info('node online', { node: node.id, port: node.portId });
      publisher.state('nodeStatus', { node: node.id, online: true });
    });
    this.on('nodeOffline', (node, reason) => {
      this.options.log.info('node offline', { node: node.id, reason });
      publisher.state('nodeStatus', { node: node.id, online: false });
    });
    this.on('brokerConnected', () => {
      for (const node of nodes.all()) if (!node.unconfirmed) publisher.state('nodeStatus', { node: node.id, online: node.online });
    });
    const sweepMs = this.options.sweepMs ?? Math.max(50, Math.min(1000, this.shortestTimeoutMs() / 4));
    this.timer = setInterval(() => this.sweep(Date.now()), sweepMs);
  }

  override stop(): void {
    super.stop();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Silence after which `node` is offline, in ms. */
  timeoutMs(node: NodeRecord): number {
    const { nodes, availability } = this.options.settings;
    const own = nodes[node.id];
    if (own?.availability_timeout !== undefined) return own.availability_timeout * 1000;
    const interval = own?.interval ?? node.announcedInterval ?? availability.default_interval;
    return availability.silence_factor * interval * 1000;
  }

  /** Marks silent nodes offline. */
  sweep(now: number): void {
    for (const node of this.options.nodes.all()) {
      if ((node.online || node.unconfirmed) && now - node.lastSeen > this.timeoutMs(node)) this.options.nodes.setOffline(node, 'silent');
    }
  }

  /** The port of these nodes is gone: they are offline until they speak again. */
  portLost(portId: string): void {
    for (const node of this.options.nodes.all()) {
      if (node.portId === portId) this.options.nodes.setOffline(node, 'unplugged');
    }
  }

  private shortestTimeoutMs(): number {
    const { nodes, availability } = this.options.settings;
    let shortest = availability.silence_factor * availability.default_interval * 1000;
    for (const own of Object.values(nodes)) {
      if (own.availability_timeout !== undefined) shortest = Math.min(shortest, own.availability_timeout * 1000);
      if (own.interval !== undefined) shortest = Math.min(shortest, availability.silence_factor * own.interval * 1000);
    }
    return shortest;
  }
}
