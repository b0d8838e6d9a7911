// The one funnel every message of the hub goes through. Readings go into the durable queue
// and reach the broker through the pump, in order, even across outages. Everything else is
// state (status, info, discovery, health) that the features publish again on every
// connect, so it is sent only while connected and never queued.
import { topicNameProblem } from '../../shared/topics.ts';
import type { Logger } from '../log.ts';
import type { DurableQueue, QueuedMessage } from '../queue/durable-queue.ts';
import type { MqttConnection } from './connection.ts';
import type { MessageKind, MessageRenderer, OutgoingMessages } from './messages.ts';
import type { ReadingPump } from './reading-pump.ts';

type StateKind = Exclude<MessageKind, 'reading'>;

export class Publisher {
  /** State messages handed to the broker connection, since start. */
  statePublished = 0;
  private readonly renderer: MessageRenderer;
  private readonly queue: DurableQueue;
  private readonly pump: ReadingPump;
  private readonly connection: MqttConnection;
  private readonly log: Logger;

  constructor(parts: { renderer: MessageRenderer; queue: DurableQueue; pump: ReadingPump; connection: MqttConnection; log: Logger }) {
    this.renderer = parts.renderer;
    this.queue = parts.queue;
    this.pump = parts.pump;
    this.connection = parts.connection;
    this.log = parts.log;
  }

  /** Queues a reading. Room and measurement are already-checked slugs (see bridge.ts). */
  /** `prompt`: the node keeps it until the hub has it (serial acknowledgements; see DurableQueue.push). */
  reading(data: OutgoingMessages['reading'], prompt = false): QueuedMessage {
    const { topic, payload } = this.renderer.render('reading', data);
    const message = this.queue.push(topic, payload, prompt);
    this.pump.kick();
    return message;
  }

  /** Publishes state now if connected; false when not (it is republished on connect). */
  state<K extends StateKind>(kind: K, data: OutgoingMessages[K]): boolean {
    return this.send(kind, data) !== undefined;
  }

  /** Like state(), resolving once the broker acknowledged it (for the last words at stop). */
  stateAcknowledged<K extends StateKind>(kind: K, data: OutgoingMessages[K]): Promise<void> {
    return new Promise((resolve) => {
      if (this.send(kind, data, () => resolve()) === undefined) resolve();
    });
  }

  private send<K extends StateKind>(kind: K, data: OutgoingMessages[K], done?: () => void): true | undefined {
    const link = this.connection.link;
    if (!link) return undefined;
    const message = this.renderer.render(kind, data);
    // Node ids reach topics here; they were checked as slugs, and this is the last guard.
    const problem = topicNameProblem(message.topic);
    if (problem) {
      this.log.error('not publishing to an invalid topic', { kind, problem });
      return undefined;
    }
    // State goes out at QoS 1 (few messages), so a callback costs no 'drain' listener.
    link.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain }, done);
    this.statePublished++;
    return true;
  }
}
