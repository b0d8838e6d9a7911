// Moves readings from the durable queue to the broker, in order. The pump writes its
// PUBLISH packets itself, a batch per socket write (publish-packets.ts), on the connection
// MQTT.js opened and keeps alive; MQTT.js numbers its own packets from a separate id range
// (packet-ids.ts) and hands the pump every PUBACK through 'packetreceive'. At QoS 1 at most
// `maxInflight` readings (and never more than the broker's Receive Maximum) await their
// PUBACK; a reading leaves the queue only on its PUBACK, and the window is refilled in
// batches once a quarter of it is free. At QoS 0 a reading leaves the queue once written to
// the socket. When the socket backs up, the pump waits for one 'drain'.
import type { MqttClient } from 'mqtt';
import type { DurableQueue, QueuedMessage } from '../queue/durable-queue.ts';
import type { ReadingDelivery } from './messages.ts';
import { FIRST_READING_ID, READING_IDS } from './packet-ids.ts';
import { encodePublishes, type PublishFormat } from './publish-packets.ts';

/** What the pump reads of an incoming packet (MQTT.js's parsed form). */
interface AckPacket {
  cmd: string;
  messageId?: number;
  reasonCode?: number;
}

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
  private client: MqttClient | undefined;
  private format: PublishFormat;
  /** Most readings awaiting PUBACK on this connection. */
  private window: number;
  /** The reading awaiting PUBACK under packet id FIRST_READING_ID + i, at index i. */
  private readonly awaiting: (QueuedMessage | undefined)[] = new Array<QueuedMessage | undefined>(READING_IDS).fill(undefined);
  /** Where the search for a free packet id starts. */
  private nextSlot = 0;
  private inflight = 0;
  private scheduled = false;
  private waitingForDrain = false;
  private idleWaiters: (() => void)[] = [];

  constructor(queue: DurableQueue, options: ReadingPumpOptions) {
    this.queue = queue;
    this.options = options;
    this.format = { qos: options.qos, retain: options.retain, protocolVersion: 4 };
    this.window = Math.min(options.maxInflight, READING_IDS);
  }

  /**
   * A new connection: everything not acknowledged is sent again, oldest first.
   * `receiveMaximum` is the broker's (MQTT 5 CONNACK), if it sent one.
   */
  connected(client: MqttClient, receiveMaximum?: number): void {
    this.client = client;
    this.resetInflight();
    this.format = { qos: this.options.qos, retain: this.options.retain, protocolVersion: client.options.protocolVersion ?? 4 };
    this.window = Math.max(1, Math.min(this.options.maxInflight, READING_IDS, receiveMaximum ?? READING_IDS));
    client.on('packetreceive', (packet: AckPacket) => {
      if (packet.cmd === 'puback' && this.client === client) this.acknowledged(packet);
    });
    this.queue.rewind();
    this.kick();
  }

  disconnected(): void {
    this.client = undefined;
    this.resetInflight();
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

  /** In-flight publishes die with their connection; they are still queued and sent again. */
  private resetInflight(): void {
    this.inflight = 0;
    this.waitingForDrain = false;
    this.awaiting.fill(undefined);
    this.nextSlot = 0;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const client = this.client;
    if (!client || this.waitingForDrain) return;
    const qos = this.options.qos;
    const batchSize = this.options.batchSize ?? 256;
    // A few PUBACKs are not worth a refill: wait until a quarter of the window is free.
    if (qos === 1 && this.inflight > 0 && this.window - this.inflight < this.refillAt()) return;
    const stream = client.stream;
    for (;;) {
      if (stream.writableNeedDrain) {
        this.waitForDrain(client);
        return;
      }
      const room = qos === 1 ? this.window - this.inflight : batchSize;
      if (room <= 0) return;
      const batch = this.queue.take(Math.min(room, batchSize));
      if (batch.length === 0) break;
      if (qos === 1) stream.write(encodePublishes(batch, this.format, this.assignIds(batch)));
      else this.writeQos0(stream, batch);
    }
    if (this.isIdle()) this.notifyIdle();
  };

  private refillAt(): number {
    return Math.max(1, Math.floor(this.window / 4));
  }

  /** A free packet id for each reading, remembered until its PUBACK. */
  private assignIds(batch: QueuedMessage[]): number[] {
    const ids = new Array<number>(batch.length);
    const awaiting = this.awaiting;
    let slot = this.nextSlot;
    for (let i = 0; i < batch.length; i++) {
      // Acknowledgements mostly arrive in order, so the next slot is nearly always free.
      while (awaiting[slot] !== undefined) slot = slot + 1 === READING_IDS ? 0 : slot + 1;
      awaiting[slot] = batch[i];
      ids[i] = FIRST_READING_ID + slot;
      slot = slot + 1 === READING_IDS ? 0 : slot + 1;
    }
    this.nextSlot = slot;
    this.inflight += batch.length;
    return ids;
  }

  private writeQos0(stream: MqttClient['stream'], batch: QueuedMessage[]): void {
    stream.write(encodePublishes(batch, this.format));
    for (const message of batch) this.queue.ack(message);
    this.published += batch.length;
  }

  private acknowledged(packet: AckPacket): void {
    const id = packet.messageId;
    // Below the range: one of MQTT.js's own packets, which it handles.
    if (id === undefined || id < FIRST_READING_ID) return;
    const slot = id - FIRST_READING_ID;
    const message = this.awaiting[slot];
    if (message === undefined) return;
    this.awaiting[slot] = undefined;
    this.inflight--;
    // MQTT 5: 0x10 "no matching subscribers" is a success; 0x80 and up refuse the reading.
    const reason = packet.reasonCode ?? 0;
    if (reason >= 0x80) {
      // Stays queued and is sent again after the next reconnect.
      this.options.onError?.(new Error(`broker refused the reading (reason code 0x${reason.toString(16)})`));
    } else {
      this.queue.ack(message);
      this.published++;
    }
    if (this.inflight === 0 && this.isIdle()) this.notifyIdle();
    // run() refills only once enough of the window is free; skip scheduling it before.
    if (this.inflight === 0 || this.window - this.inflight >= this.refillAt()) this.kick();
  }

  private waitForDrain(client: MqttClient): void {
    this.waitingForDrain = true;
    client.stream.once('drain', () => {
      if (this.client !== client) return;
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
