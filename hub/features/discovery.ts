// Home Assistant device discovery, one retained config per node
// (<discovery>/device/<node>/config, built by shared/discovery.ts) and one for the hub itself.
// Published when a node is first seen with a room and measurements, again when its
// measurements grow, its room changes or it prints info, on every connect to the broker (a
// broker that lost its retained messages would otherwise make entities vanish), and when
// Home Assistant announces itself `online` on its birth topic (after a random 1-5 s delay,
// so many devices do not answer at once).
// Availability is the node's status topic AND the bridge's: a node behind a stopped hub
// shows as unavailable.
// When Home Assistant deletes a device it clears its config topic (an empty retained
// message); a node of this hub is then forgotten until it is heard from again, so the next
// birth message or reconnect does not bring it back.
import { hubDeviceId, MODEL_NODE, MODEL_SERIAL_DEVICE, type DiscoveryNode } from '../../shared/discovery.ts';
import { bridgeStatusTopic, nodeStatusTopic, type TopicPrefixes } from '../../shared/topics.ts';
import type { HubEvents } from '../core/events.ts';
import type { NodeRecord, NodeRegistry } from '../core/nodes.ts';
import type { HubSettings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import { Feature } from './feature.ts';

export interface DiscoveryOptions {
  prefixes: TopicPrefixes;
  /** QoS Home Assistant subscribes to readings with (settings.qos). */
  qos: 0 | 1;
  /** Per-node settings (friendly names). */
  settings: Pick<HubSettings, 'nodes'>;
  nodes: NodeRegistry;
  events: HubEvents;
  publisher: Publisher;
  log: Logger;
  /** Delay before answering Home Assistant's birth message, in ms. Default random 1000-5000. */
  birthDelayMs?: () => number;
}

export class Discovery extends Feature {
  readonly name = 'discovery';
  /** Discovery configs published since start. */
  published = 0;
  private readonly options: DiscoveryOptions;
  private readonly configPrefix: string;
  private birthTimer: NodeJS.Timeout | undefined;

  constructor(options: DiscoveryOptions) {
    super(options.events);
    this.options = options;
    this.configPrefix = `${options.prefixes.discovery}/device/`;
  }

  start(): void {
    this.on('nodeChanged', (node) => this.announce(node));
    // The firmware version or the node's name may have changed.
    this.on('nodeInfo', (node) => this.announce(node));
    this.on('brokerConnected', () => this.announceAll());
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.birthTimer);
    this.birthTimer = undefined;
  }

  /** A message on Home Assistant's birth topic. */
  birth(payload: string): void {
    if (payload !== 'online' || this.birthTimer) return;
    const delay = this.options.birthDelayMs?.() ?? 1000 + Math.random() * 4000;
    this.options.log.info('Home Assistant is online; republishing discovery', { in_ms: Math.round(delay) });
    this.birthTimer = setTimeout(() => {
      this.birthTimer = undefined;
      this.announceAll();
    }, delay);
  }

  /**
   * A message on a device config topic (discoveryConfigFilter); true when it was one. An empty one
   * for a node of this hub is Home Assistant deleting the device: forget the node.
   */
  config(topic: string, payload: Buffer): boolean {
    if (!topic.startsWith(this.configPrefix) || !topic.endsWith('/config')) return false;
    if (payload.length > 0) return true;
    const id = topic.slice(this.configPrefix.length, topic.length - '/config'.length);
    if (this.options.nodes.forget(id)) {
      this.options.log.info('Home Assistant deleted the device; forgetting the node until it is heard from again', { node: id });
    }
    return true;
  }

  /** The discovery description of a node, or undefined while it has no room or values. */
  describe(node: NodeRecord): DiscoveryNode | undefined {
    if (node.room === undefined || node.measurements.size === 0) return undefined;
    const p = this.options.prefixes;
    const info = node.info ?? {};
    const text = (key: string) => (typeof info[key] === 'string' && info[key] !== '' ? (info[key] as string) : undefined);
    const board = text('board');
    const espruino = text('espruino');
    return {
      node: node.id,
      room: node.room,
      measurements: [...node.measurements].sort(),
      availability: [nodeStatusTopic(p, node.id), bridgeStatusTopic(p)],
      name: this.options.settings.nodes[node.id]?.name ?? text('name'),
      model: node.firmware ? MODEL_NODE : MODEL_SERIAL_DEVICE,
      hardware: board && espruino ? `${board}, Espruino ${espruino}` : board,
      swVersion: text('version'),
      via: hubDeviceId(p),
      qos: this.options.qos,
    };
  }

  private announce(node: NodeRecord): void {
    const spec = this.describe(node);
    if (spec && this.options.publisher.state('discovery', spec)) this.published++;
  }

  private announceAll(): void {
    if (this.options.publisher.state('hubDiscovery', { qos: this.options.qos })) this.published++;
    for (const node of this.options.nodes.all()) this.announce(node);
  }
}
