// The hub's features, built from the settings: each keeps the Feature contract (start/stop,
// listeners owned by the event bus), and one that is switched off is simply not in the
// list, so the hub starts and stops the list as it is. Order matters: the hub starts them
// in this order and stops them in reverse, and listeners of one event run in the order the
// features registered them (node memory first, the health report last on a connect).
import type { HubEvents } from '../core/events.ts';
import type { NodeRegistry } from '../core/nodes.ts';
import type { HubSettings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import { Availability } from './availability.ts';
import { Discovery } from './discovery.ts';
import type { Feature } from './feature.ts';
import { Health } from './health.ts';
import { NodeInfo } from './node-info.ts';
import { NodeMemory } from './node-memory.ts';

export interface FeatureParts {
  nodes: NodeRegistry;
  events: HubEvents;
  publisher: Publisher;
  log: Logger;
  /** The health report (the hub's stats()). */
  report: () => object;
  /** Delay before answering Home Assistant's birth message (tests shorten it). */
  birthDelayMs?: () => number;
}

export interface HubFeatures {
  /** Every feature on, in start order. */
  all: Feature[];
  /** The ones the hub talks to besides start/stop. */
  nodeMemory: NodeMemory;
  availability: Availability;
  /** Only with homeassistant.discovery. */
  discovery?: Discovery;
}

export function createFeatures(settings: HubSettings, parts: FeatureParts): HubFeatures {
  const { nodes, events, publisher, log } = parts;
  const nodeMemory = new NodeMemory({ dataDir: settings.data_dir, nodes, events, log: log.child('nodes') });
  const availability = new Availability({ settings, nodes, events, publisher, log: log.child('availability') });
  const nodeInfo = new NodeInfo({ nodes, events, publisher });
  const discovery = settings.homeassistant.discovery
    ? new Discovery({
        prefixes: settings.topics,
        qos: settings.qos,
        settings,
        nodes,
        events,
        publisher,
        log: log.child('discovery'),
        birthDelayMs: parts.birthDelayMs,
      })
    : undefined;
  const health = new Health({ events, intervalS: settings.health.interval, report: parts.report, publisher });
  const all: Feature[] = [nodeMemory, availability, nodeInfo, ...(discovery ? [discovery] : []), health];
  return { all, nodeMemory, availability, discovery };
}
