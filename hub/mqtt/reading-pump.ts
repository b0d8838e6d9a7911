// Moves readings from the durable queue to the broker, in order. The pump encodes its
// PUBLISH packets itself, a batch per socket write (codec.ts), numbered from the packet ids
// the connection leaves to it (packet-ids.ts), and the connection hands it the PUBACKs of
// those ids (BrokerLink.onReadingAck). At QoS 1 at most `maxInflight` readings (and never
// more than the broker's Receive Maximum) await their PUBACK; a reading leaves the queue
// only on its PUBACK, and the window is refilled in batches once a quarter of it is free. At
// QoS 0 a reading leaves the queue once written to the socket. When the socket backs up, the
// pump waits for one 'drain'.
//
// A reading the broker refuses (MQTT 5 PUBACK reason 0x80 or above: not authorized, topic
// name invalid, quota exceeded, ...) would be refused again if sent again: it leaves the
// queue like an acknowledged one and goes to `onRefused` (the hub parks it, with the
// reason, in queue.sqlite's parked table: see queue/parked.ts), so it never blocks or
// loops the readings behind it.
//
// Some brokers close the connection right after refusing (Mosquitto 2.0 does, after its
// PUBACK 0x87, when more packets follow); the connection then ends with a reset, and the
// refusal and the PUBACKs before it can be lost with it. So after a connection that ended
// with readings in flight, the pump sends the next CAREFUL_ACKS readings one at a time:
// alone on the wire, a refusal arrives before the close. A reading that was alone in flight
// when the broker closed the connection PARK_AT times in a row is parked as well (reason
// CLOSED_ON_IT): sent again, it would close it again.
import type { DurableQueue, QueuedMessage } from '../queue/durable-queue.ts';
import { encodePublishes, type PublishFormat } from './codec.ts';
import type { BrokerLink } from './connection.ts';
import type { ReadingDelivery } from './messages.ts';
import { FIRST_READING_ID, READING_IDS } from './packet-ids.ts';

/** Pseudo reason code of a reading parked because the broker closed the connection on it. */
export const CLOSED_ON_IT = -1;
/** Readings sent one at a time, once the pump suspects one of them closes the connection. */
const CAREFUL_ACKS = 64;
/** Connections ended with the same reading alone in flight: then it is parked. */
const PARK_AT = 3;

export interface ReadingPumpOptions extends ReadingDelivery {
  /** Most QoS 1 publishes awaiting PUBACK at once. */
  maxInflight: number;
  /** Readings taken from the queue per step. Default 256. */
  batchSize?: number;
  /** The broker refused this reading (MQTT 5 reason code >= 0x80, or CLOSED_ON_IT); it has left the queue. */
  onRefused?: (message: QueuedMessage, reason: number) => void;
}

export class ReadingPump {
  /** Readings the broker has taken, since start. */
  published = 0;
  /** Readings the broker refused (and that left the queue), since start. */
  refused = 0;
  private readonly queue: DurableQueue;
  private readonly options: ReadingPumpOptions;
  private link: BrokerLink | undefined;
  private format: PublishFormat;
  /** Most readings awaiting PUBACK on this connection. */
  private window: number;
  /** The reading awaiting PUBACK under packet id FIRST_READING_ID + i, at index i. */
  /** As many slots as readings may be in flight (not all 61,440 ids of the range). */
  private readonly awaiting: (QueuedMessage | undefined)[];
  /** Where the search for a free packet id starts. */
  private nextSlot = 0;
  private inflight = 0;
  private scheduled = false;
  private waitingForDrain = false;
  private idleWaiters: (() => void)[] = [];
  /** The reading alone in flight when the last connection(s) ended, and how many ended so in a row. */
  private stuckId = -1;
  private strikes = 0;
  /** While above 0: one reading in flight at a time, until this many more are acknowledged. */
  private careful = 0;

  constructor(queue: DurableQueue, options: ReadingPumpOptions) {
    this.queue = queue;
    this.options = options;
    this.format = { qos: options.qos, retain: options.retain, protocolVersion: 4 };
    this.window = Math.max(1, Math.min(options.maxInflight, READING_IDS));
    this.awaiting = new Array<QueuedMessage | undefined>(this.window).fill(undefined);
  }

  /** A new connection: everything not acknowledged is sent again, oldest first. */
  connected(link: BrokerLink): void {
    this.link = link;
    this.resetInflight();
    this.format = { qos: this.options.qos, retain: this.options.retain && link.retainAvailable, protocolVersion: link.protocolVersion };
    this.window = Math.max(1, Math.min(this.options.maxInflight, READING_IDS, link.receiveMaximum ?? READING_IDS));
    link.onReadingAck((id, reason) => {
      if (this.link === link) this.acknowledged(id, reason);
    });
    this.queue.rewind();
    this.kick();
  }

  disconnected(): void {
    this.link = undefined;
    if (this.inflight > 0) this.suspect();
    this.resetInflight();
  }

  /** The connection ended with readings in flight: one of them may be what ended it. */
  private suspect(): void {
    const alone = this.careful > 0 && this.inflight === 1 ? this.awaiting.find((m) => m !== undefined) : undefined;
    this.careful = CAREFUL_ACKS;
    if (alone === undefined) return;
    if (alone.id === this.stuckId) this.strikes++;
    else {
      this.stuckId = alone.id;
      this.strikes = 1;
    }
    if (this.strikes < PARK_AT) return;
    this.strikes = 0;
    this.stuckId = -1;
    this.queue.ack(alone);
    this.refused++;
    this.options.onRefused?.(alone, CLOSED_ON_IT);
  }

  /** Something was queued: send it soon (batched per event-loop turn). */
  kick(): void {
    if (this.scheduled || !this.link) return;
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
    const link = this.link;
    if (!link || this.waitingForDrain) return;
    const qos = this.options.qos;
    const batchSize = this.options.batchSize ?? 256;
    // A few PUBACKs are not worth a refill: wait until a quarter of the window is free.
    const window = this.careful > 0 ? 1 : this.window;
    if (qos === 1 && this.inflight > 0 && window - this.inflight < this.refillAt(window)) return;
    for (;;) {
      if (link.needsDrain) {
        this.waitForDrain(link);
        return;
      }
      const room = qos === 1 ? (this.careful > 0 ? 1 : this.window) - this.inflight : batchSize;
      if (room <= 0) return;
      const batch = this.queue.take(Math.min(room, batchSize));
      if (batch.length === 0) break;
      if (qos === 1) link.write(encodePublishes(batch, this.format, this.assignIds(batch)));
      else this.writeQos0(link, batch);
    }
    if (this.isIdle()) this.notifyIdle();
  };

  private refillAt(window: number): number {
    return Math.max(1, Math.floor(window / 4));
  }

  /** A free packet id for each reading, remembered until its PUBACK. */
  private assignIds(batch: QueuedMessage[]): number[] {
    const ids = new Array<number>(batch.length);
    const awaiting = this.awaiting;
    let slot = this.nextSlot;
    for (let i = 0; i < batch.length; i++) {
      // Acknowledgements mostly arrive in order, so the next slot is nearly always free.
      while (awaiting[slot] !== undefined) slot = slot + 1 === awaiting.length ? 0 : slot + 1;
      awaiting[slot] = batch[i];
      ids[i] = FIRST_READING_ID + slot;
      slot = slot + 1 === awaiting.length ? 0 : slot + 1;
    }
    this.nextSlot = slot;
    this.inflight += batch.length;
    return ids;
  }

  private writeQos0(link: BrokerLink, batch: QueuedMessage[]): void {
    link.write(encodePublishes(batch, this.format));
    for (const message of batch) this.queue.ack(message);
    this.published += batch.length;
  }

  private acknowledged(id: number, reason: number): void {
    const slot = id - FIRST_READING_ID;
    const message = this.awaiting[slot];
    if (message === undefined) return;
    this.awaiting[slot] = undefined;
    this.inflight--;
    if (this.careful > 0) this.careful--;
    if (message.id === this.stuckId) {
      this.stuckId = -1;
      this.strikes = 0;
    }
    this.queue.ack(message);
    // MQTT 5: 0x10 "no matching subscribers" is a success; 0x80 and up refuse the reading.
    if (reason >= 0x80) {
      this.refused++;
      this.options.onRefused?.(message, reason);
    } else {
      this.published++;
    }
    if (this.inflight === 0 && this.isIdle()) this.notifyIdle();
    // run() refills only once enough of the window is free; skip scheduling it before.
    const window = this.careful > 0 ? 1 : this.window;
    if (this.inflight === 0 || window - this.inflight >= this.refillAt(window)) this.kick();
  }

  private waitForDrain(link: BrokerLink): void {
    this.waitingForDrain = true;
    link.onDrain(() => {
      if (this.link !== link) return;
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
