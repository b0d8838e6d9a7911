// The hub's side of serial acknowledgements (protocol in shared/serial-ack.ts): a roomlink
// node keeps each reading in its Storage until the hub says it has it, so a hub that was
// stopped, killed or unplugged loses nothing. Here:
// - a numbered reading (node, boot, seq) seen before is dropped, not published twice, and
//   acknowledged again (the node did not hear the first acknowledgement);
// - a new one is acknowledged only once every value of it is safe: committed to the
//   durable queue (which commits what the hub remembers of the node's sequence numbers in
//   the same transaction) or taken by the broker;
// - acknowledgements go out per port as few echo-off REPL lines, 20 ms after the commit that
//   made them safe (or at once when 64 are due): the node keeps 8 lines in flight, so this
//   delay sets how fast a backlog drains;
// - the hub announces itself when a port opens where a node that takes acknowledgements was
//   seen before, and when a node prints its info line with `queued` (at boot, after a
//   command, and every 10 s while no hub answers): the node then sends what it holds,
//   oldest first.
import { ackLine, ACK_RANGES_PER_LINE, hubHelloLine, type SeqRange } from '../../shared/serial-ack.ts';
import type { Logger } from '../log.ts';
import { isSafe, type DurableQueue, type QueuedMessage } from '../queue/durable-queue.ts';
import type { HubPort } from '../serial/port-manager.ts';
import { SeenReadings } from './seen-readings.ts';

export interface SerialAckCounters {
  /** Readings acknowledged to nodes. */
  acknowledged: number;
  /** Readings a node sent again that the hub already had: dropped, acknowledged again. */
  duplicates_dropped: number;
  /** Announcements written to ports that opened. */
  hellos: number;
}

interface Pending {
  port: HubPort;
  node: string;
  boot: string;
  seq: number;
  /** The reading's values in the durable queue; empty when none was accepted. */
  messages: QueuedMessage[];
}

/** Meta key prefix in the durable queue. */
const META = 'seen:';
/** Acknowledgements due at once beyond this many. */
const BATCH = 64;
/** Longest wait before due acknowledgements are written, in ms. */
const BATCH_MS = 20;

export class SerialAcks {
  readonly counters: SerialAckCounters = { acknowledged: 0, duplicates_dropped: 0, hellos: 0 };
  private readonly queue: DurableQueue;
  private readonly log: Logger;
  private readonly seen = new SeenReadings();
  /** Readings published and not yet safe, in arrival order. */
  private pending: Pending[] = [];
  /** Keys (node, boot, seq) of `pending`, for repeats that arrive before the first is safe. */
  private readonly pendingKeys = new Set<string>();
  /** Due acknowledgements per port. */
  private readonly due = new Map<HubPort, SeqRange[]>();
  private dueCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(parts: { queue: DurableQueue; log: Logger }) {
    this.queue = parts.queue;
    this.log = parts.log;
  }

  /** Restores what the hub remembers of the nodes' sequence numbers (after queue.open()). */
  load(): void {
    for (const [key, value] of this.queue.readMeta(META)) this.seen.load(key.slice(META.length), value);
  }

  /**
   * A numbered reading from a roomlink node. Returns false when it is a repeat and must not
   * be published; otherwise the caller publishes it and then calls published().
   */
  isNew(port: HubPort, node: string, boot: string, seq: number): boolean {
    const key = `${node}\u0000${boot}\u0000${seq}`;
    // Sent again before the first copy was safe: that one is acknowledged when it is.
    if (this.pendingKeys.has(key)) {
      this.counters.duplicates_dropped++;
      return false;
    }
    if (this.seen.seenBefore(node, boot, seq)) {
      this.counters.duplicates_dropped++;
      this.acknowledge(port, boot, seq);
      return false;
    }
    for (const changed of this.seen.takeChanged()) this.queue.setMeta(META + changed, this.seen.toJson(changed));
    return true;
  }

  /** The values of a new reading are in the durable queue: acknowledge once they are safe. */
  published(port: HubPort, node: string, boot: string, seq: number, messages: QueuedMessage[]): void {
    this.pending.push({ port, node, boot, seq, messages });
    this.pendingKeys.add(`${node}\u0000${boot}\u0000${seq}`);
    // The values were pushed `prompt` (committed before the pump sends them); a reading with
    // none still has its sequence number to commit.
    if (messages.length === 0) this.queue.flushSoon();
  }

  /** After a commit (or a broker acknowledgement): acknowledge what became safe. */
  committed(): void {
    let kept = 0;
    for (const p of this.pending) {
      if (p.messages.every(isSafe)) {
        this.pendingKeys.delete(`${p.node}\u0000${p.boot}\u0000${p.seq}`);
        this.acknowledge(p.port, p.boot, p.seq);
      } else this.pending[kept++] = p;
    }
    this.pending.length = kept;
  }

  /** Announces the hub on `port`: a node there that holds readings sends them. */
  hello(port: HubPort): void {
    if (port.link.write(hubHelloLine())) this.counters.hellos++;
  }

  /** Also checks once a second: readings the broker took while the disk refused writes. */
  start(): void {
    this.sweep = setInterval(() => this.committed(), 1000);
  }

  stop(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    this.committed();
    this.writeDue();
  }

  private acknowledge(port: HubPort, boot: string, seq: number): void {
    let ranges = this.due.get(port);
    if (!ranges) {
      ranges = [];
      this.due.set(port, ranges);
    }
    const last = ranges[ranges.length - 1];
    if (last && last.boot === boot && last.to + 1 === seq) last.to = seq;
    else ranges.push({ boot, from: seq, to: seq });
    this.counters.acknowledged++;
    if (++this.dueCount >= BATCH) this.writeDue();
    else this.timer ??= setTimeout(() => this.writeDue(), BATCH_MS);
  }

  private writeDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueCount = 0;
    for (const [port, ranges] of this.due) {
      for (let i = 0; i < ranges.length; i += ACK_RANGES_PER_LINE) {
        // A closed port: the node sends them again to the next hub, which drops them.
        if (!port.link.write(ackLine(ranges.slice(i, i + ACK_RANGES_PER_LINE)))) {
          this.log.debug('acknowledgements not written: port closed', { port: port.id });
          break;
        }
      }
    }
    this.due.clear();
  }
}
