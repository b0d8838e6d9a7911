// Moves readings from the durable queue to the broker, in order. At QoS 1 at most
// `maxInflight` publishes await their PUBACK (MQTT.js caps nothing itself, and past 65,535
// outstanding packet ids it reuses ids and loses callbacks); a reading leaves the queue only
// on its PUBACK. At QoS 0 it leaves once handed to the socket, and no per-message callback
// is passed (MQTT.js would add a 'drain' listener per message when the socket backs up);
// instead the pump waits for one 'drain' itself. At QoS 1 the window is refilled in batches
// (once a quarter of it is free) rather than on every PUBACK, and the socket is corked around
// a run so its publishes leave in one write.
import type { MqttClient } from 'mqtt';
import type { DurableQueue, QueuedMessage } from '../queue/durable-queue.ts';
import type { ReadingDelivery } from './messages.ts';

export interface ReadingPumpOptions extends ReadingDelivery {
  /** Most QoS 1 publishes awaiting PUBACK at once. */
  maxInflight: number;
  /** Readings taken from the queue per step. Default 256. */
  batchSize?: number;
  /** Called when the broker rejects a reading (MQTT 5 reason code); it stays queued. */
  onError?: (error: Error) => void;
}

export class ReadingPump {
  /** Readings the broker has taken, since start. */
  published = 0;
  private readonly queue: DurableQueue;
  private readonly options: ReadingPumpOptions;
  private readonly publishOptions: { qos: 0 | 1; retain: boolean };
  private client: MqttClient | undefined;
  /** Bumped on every connect and close: acknowledgements of an older connection are ignored. */
  private generation = 0;
  private inflight = 0;
  private scheduled = false;
  private waitingForDrain = false;
  private idleWaiters: (() => void)[] = [];

  constructor(queue: DurableQueue, options: ReadingPumpOptions) {
    this.queue = queue;
    this.options = options;
    this.publishOptions = { qos: options.qos, retain: options.retain };
  }

  /** A new connection: everything not acknowledged is sent again, oldest first. */
  connected(client: MqttClient): void {
    this.generation++;
    this.client = client;
    this.inflight = 0;
    this.waitingForDrain = false;
    this.queue.rewind();
    this.kick();
  }

  disconnected(): void {
    this.generation++;
    this.client = undefined;
    this.inflight = 0;
    this.waitingForDrain = false;
  }

  /** Something was queued: send it soon (batched per event-loop turn). */
  kick(): void {
    if (this.scheduled || !this.client) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  get inFlight(): number {
    return this.inflight;
  }

  /** Resolves when the queue is empty and nothing is in flight, or after `ms`. */
  async drained(ms: number): Promise<boolean> {
    if (this.isIdle()) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }

  private isIdle(): boolean {
    return this.inflight === 0 && this.queue.size === 0;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const client = this.client;
    if (!client || this.waitingForDrain) return;
    const { maxInflight, qos } = this.options;
    const batchSize = this.options.batchSize ?? 256;
    const stream = client.stream;
    // A few PUBACKs are not worth a refill: wait until a quarter of the window is free.
    const refillAt = Math.max(1, Math.floor(maxInflight / 4));
    if (qos === 1 && this.inflight > 0 && maxInflight - this.inflight < refillAt) return;
    const corked = typeof stream.cork === 'function';
    if (corked) stream.cork();
    try {
      for (;;) {
        if (stream.writableNeedDrain) {
          this.waitForDrain(client);
          return;
        }
        const room = qos === 1 ? maxInflight - this.inflight : batchSize;
        if (room <= 0) return;
        const batch = this.queue.take(Math.min(room, batchSize));
        if (batch.length === 0) break;
        if (qos === 1) this.publishQos1(client, batch);
        else this.publishQos0(client, batch);
      }
    } finally {
      if (corked) stream.uncork();
    }
    if (this.isIdle()) this.notifyIdle();
  };

  private publishQos1(client: MqttClient, batch: QueuedMessage[]): void {
    const generation = this.generation;
    for (const message of batch) {
      this.inflight++;
      client.publish(message.topic, message.payload, this.publishOptions, (err) => this.acknowledged(generation, message, err));
    }
  }

  private publishQos0(client: MqttClient, batch: QueuedMessage[]): void {
    for (const message of batch) {
      client.publish(message.topic, message.payload, this.publishOptions);
      this.queue.ack(message);
      this.published++;
    }
  }

  private acknowledged(generation: number, message: QueuedMessage, err: Error | undefined): void {
    if (generation !== this.generation) return;
    this.inflight--;
    if (err) {
      // Stays queued and is sent again after the next reconnect.
      this.options.onError?.(err);
    } else {
      this.queue.ack(message);
      this.published++;
    }
    if (this.inflight === 0 && this.isIdle()) this.notifyIdle();
    // run() refills only once enough of the window is free; skip scheduling it before.
    const { maxInflight } = this.options;
    if (this.inflight === 0 || maxInflight - this.inflight >= Math.max(1, Math.floor(maxInflight / 4))) this.kick();
  }

  private waitForDrain(client: MqttClient): void {
    this.waitingForDrain = true;
    const generation = this.generation;
    client.stream.once('drain', () => {
      if (generation !== this.generation) return;
      this.waitingForDrain = false;
      this.kick();
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
