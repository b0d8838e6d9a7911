// Everything the hub publishes, in one typed map: the kind of message, what it carries,
// and how it becomes a topic and payload. Features name a kind and hand over data; they
// never build topics or payloads themselves.
import { discoveryMessage, hubDiscoveryMessage, type DiscoveryNode } from '../../shared/discovery.ts';
import { asciiJson } from '../../shared/json.ts';
import { formatValue, type ReadingValue } from '../../shared/measurements.ts';
import { bridgeHealthTopic, bridgeStatusTopic, nodeInfoTopic, nodeStatusTopic, readingTopic, type TopicPrefixes } from '../../shared/topics.ts';

export interface OutgoingMessages {
  /** A value on <readings>/<room>/<measurement>: goes through the durable queue. */
  reading: { room: string; measurement: string; value: ReadingValue };
  /** <nodes>/<node>/status: online/offline, retained. */
  nodeStatus: { node: string; online: boolean };
  /** <nodes>/<node>/info: what the node said about itself, as JSON, retained. */
  nodeInfo: { node: string; info: { [key: string]: unknown } };
  /** <discovery>/device/<node>/config: Home Assistant device discovery, retained. */
  discovery: DiscoveryNode;
  /** <discovery>/device/<hub device id>/config: the hub itself as a device, retained. */
  hubDiscovery: { qos: 0 | 1 };
  /** <bridge>/status: online/offline, retained (offline is also the Last Will). */
  bridgeStatus: { online: boolean };
  /** <bridge>/health: counters, retained so a new subscriber gets them at once. */
  bridgeHealth: object;
}

export type MessageKind = keyof OutgoingMessages;

export interface RenderedMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface ReadingDelivery {
  /** QoS of readings (settings.qos). */
  qos: 0 | 1;
  /** Retain readings (settings.retain). */
  retain: boolean;
}

type Renderers = { [K in MessageKind]: (data: OutgoingMessages[K]) => RenderedMessage };

/** Topic and payload of each kind of message, for one topic layout. */
export class MessageRenderer {
  private readonly renderers: Renderers;

  constructor(
    readonly prefixes: TopicPrefixes,
    delivery: ReadingDelivery,
  ) {
    const p = prefixes;
    const state = (topic: string, payload: string): RenderedMessage => ({ topic, payload, qos: 1, retain: true });
    this.renderers = {
      reading: (d) => ({
        topic: readingTopic(p, d.room, d.measurement),
        payload: formatValue(d.measurement, d.value),
        qos: delivery.qos,
        retain: delivery.retain,
      }),
      nodeStatus: (d) => state(nodeStatusTopic(p, d.node), d.online ? 'online' : 'offline'),
      nodeInfo: (d) => state(nodeInfoTopic(p, d.node), asciiJson(d.info)),
      discovery: (d) => {
        const { topic, payload } = discoveryMessage(p, d);
        return state(topic, payload);
      },
      hubDiscovery: (d) => {
        const { topic, payload } = hubDiscoveryMessage(p, d.qos);
        return state(topic, payload);
      },
      bridgeStatus: (d) => state(bridgeStatusTopic(p), d.online ? 'online' : 'offline'),
      // Retained: whoever subscribes gets the last report at once instead of waiting for the next.
      bridgeHealth: (d) => ({ topic: bridgeHealthTopic(p), payload: asciiJson(d), qos: 0, retain: true }),
    };
  }

  render<K extends MessageKind>(kind: K, data: OutgoingMessages[K]): RenderedMessage {
    return (this.renderers[kind] as (data: OutgoingMessages[K]) => RenderedMessage)(data);
  }
}
