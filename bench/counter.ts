// The benchmark's subscriber, run as a child process (fork) so it never shares an event loop
// with the writer or the harness. A minimal MQTT 3.1.1 client on a raw socket: CONNECT,
// SUBSCRIBE, PUBLISH in (PUBACKs batched per socket read), PINGREQ, reconnect. It is
// deliberately lighter than MQTT.js so the counter is not what limits a 2-core machine.
//
// Every benchmark line carries its port and sequence number (see lines.ts): a timed reading
// from port k with seq i is `{"node":"n<k>","room":"r<k>","illuminance":<i>,"seq":<i>}`.
// Raw bridges (mosquitto_pub, the naive bridge) publish that whole line; the hub publishes
// only the value on home/r<k>/illuminance. Either way the counter recovers (port, seq) and
// keeps the FIRST arrival time of each, so QoS 1 duplicates (retransmits) count once and are
// reported as duplicates. Warm-up lines use room w<k>. Retained messages delivered on
// subscribe (left by an earlier run) are ignored.
//
// Arrival time: process.hrtime (CLOCK_MONOTONIC, shared by all processes of the machine),
// taken once per socket read.
import net from 'node:net';
import { writeFileSync } from 'node:fs';

export interface CounterConfig {
  host: string;
  port: number;
  filter: string;
  qos: 0 | 1;
  clientId: string;
  /** false: a persistent session that survives reconnects and broker restarts. */
  clean: boolean;
  /** Ports and readings per port expected (the arrival table is ports × perPort). */
  ports: number;
  perPort: number;
}

export interface CounterStats {
  type: 'stats';
  unique: number;
  duplicates: number;
  /** Distinct ports whose warm-up line arrived, and warm-up messages in all. */
  warmupPorts: number;
  warmups: number;
  retainedIgnored: number;
  unparsed: number;
  outOfRange: number;
  /** hrtime ns as decimal strings (bigint does not cross IPC). */
  firstArrivalNs: string;
  lastArrivalNs: string;
  connects: number;
}

export type CounterRequest = { type: 'stats' } | { type: 'dump'; file: string } | { type: 'stop' };

const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBACK = 9;
const PINGRESP = 13;

function encodeLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  return Buffer.concat([h, b]);
}

function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags, ...encodeLength(body.length)]), body]);
}

function connectPacket(clientId: string, clean: boolean, keepAlive: number): Buffer {
  const ka = Buffer.alloc(2);
  ka.writeUInt16BE(keepAlive);
  return packet(1, 0, Buffer.concat([str('MQTT'), Buffer.from([4, clean ? 0x02 : 0]), ka, str(clientId)]));
}

function subscribePacket(filter: string, qos: number): Buffer {
  return packet(8, 2, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]));
}

/** Parses a decimal integer from buf[start..end), or -1. */
function intAt(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else break;
  }
  return digits > 0 ? n : -1;
}

const ROOM_KEY = Buffer.from('"room":"');
const VALUE_KEY = Buffer.from('"illuminance":');

export class Counter {
  readonly arrivals: Float64Array;
  unique = 0;
  duplicates = 0;
  retainedIgnored = 0;
  unparsed = 0;
  outOfRange = 0;
  connects = 0;
  firstArrival = 0n;
  lastArrival = 0n;
  private readonly warmupSet = new Set<number>();
  private warmupCount = 0;
  private socket: net.Socket | undefined;
  private pending: Buffer | undefined;
  private stopped = false;
  private ping: NodeJS.Timeout | undefined;
  private readyResolve: (() => void) | undefined;

  constructor(private readonly cfg: CounterConfig) {
    this.arrivals = new Float64Array(cfg.ports * cfg.perPort);
  }

  /** Resolves once subscribed. Reconnects every 200 ms while not stopped. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.readyResolve = resolve;
      this.connect();
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = net.connect({ host: this.cfg.host, port: this.cfg.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.pending = undefined;
    socket.on('connect', () => socket.write(connectPacket(this.cfg.clientId, this.cfg.clean, 60)));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.ping) clearInterval(this.ping);
      this.ping = undefined;
      if (!this.stopped) setTimeout(() => this.connect(), 200);
    });
  }

  private onData(chunk: Buffer): void {
    const now = process.hrtime.bigint();
    const nowMs = Number(now) / 1e6;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let off = 0;
    const acks: number[] = [];
    for (;;) {
      if (buf.length - off < 2) break;
      let len = 0;
      let mult = 1;
      let i = off + 1;
      let complete = false;
      for (; i < buf.length && i < off + 5; i++) {
        const b = buf[i];
        len += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || buf.length - i < len) break;
      const type = buf[off] >> 4;
      const flags = buf[off] & 0x0f;
      const end = i + len;
      if (type === PUBLISH) {
        const qos = (flags >> 1) & 3;
        const tlen = buf.readUInt16BE(i);
        const topicStart = i + 2;
        const topicEnd = topicStart + tlen;
        let payloadStart = topicEnd;
        if (qos > 0) {
          acks.push(buf.readUInt16BE(topicEnd));
          payloadStart += 2;
        }
        if (flags & 1) this.retainedIgnored++;
        else this.onMessage(buf, topicStart, topicEnd, payloadStart, end, now, nowMs);
      } else if (type === CONNACK) {
        if (buf[i + 1] !== 0) {
          process.stderr.write(`counter: CONNACK refused (${buf[i + 1]})\n`);
        } else {
          this.connects++;
          this.socket!.write(subscribePacket(this.cfg.filter, this.cfg.qos));
          this.ping = setInterval(() => this.socket?.write(Buffer.from([0xc0, 0])), 20_000);
        }
      } else if (type === SUBACK) {
        const resolve = this.readyResolve;
        this.readyResolve = undefined;
        resolve?.();
      } else if (type !== PINGRESP && type !== PUBACK) {
        // Nothing else is expected; ignore.
      }
      off = end;
    }
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
    if (acks.length > 0) {
      const out = Buffer.allocUnsafe(acks.length * 4);
      for (let k = 0; k < acks.length; k++) {
        out[k * 4] = 0x40;
        out[k * 4 + 1] = 2;
        out.writeUInt16BE(acks[k], k * 4 + 2);
      }
      this.socket!.write(out);
    }
  }

  private onMessage(buf: Buffer, ts: number, te: number, ps: number, pe: number, now: bigint, nowMs: number): void {
    let roomStart: number;
    let valueStart: number;
    const valueEnd = pe;
    if (buf[ps] === 0x7b /* { */) {
      // A raw line: find "room":"... and "illuminance":...
      const r = buf.indexOf(ROOM_KEY, ps);
      const v = buf.indexOf(VALUE_KEY, ps);
      if (r < 0 || v < 0 || r >= pe || v >= pe) {
        this.unparsed++;
        return;
      }
      roomStart = r + ROOM_KEY.length;
      valueStart = v + VALUE_KEY.length;
    } else {
      // home/<room>/illuminance with the value as payload.
      const slash = buf.indexOf(0x2f, ts);
      if (slash < 0 || slash >= te) {
        this.unparsed++;
        return;
      }
      roomStart = slash + 1;
      valueStart = ps;
    }
    const kind = buf[roomStart];
    const port = intAt(buf, roomStart + 1, pe);
    const value = intAt(buf, valueStart, valueEnd);
    if (port < 0 || value < 0) {
      this.unparsed++;
      return;
    }
    if (kind === 0x77 /* w */) {
      this.warmupSet.add(port);
      this.warmupCount++;
      return;
    }
    if (kind !== 0x72 /* r */) {
      this.unparsed++;
      return;
    }
    if (port >= this.cfg.ports || value >= this.cfg.perPort) {
      this.outOfRange++;
      return;
    }
    const slot = port * this.cfg.perPort + value;
    if (this.arrivals[slot] !== 0) {
      this.duplicates++;
      return;
    }
    this.arrivals[slot] = nowMs;
    this.unique++;
    if (this.firstArrival === 0n) this.firstArrival = now;
    this.lastArrival = now;
  }

  stats(): CounterStats {
    return {
      type: 'stats',
      unique: this.unique,
      duplicates: this.duplicates,
      warmupPorts: this.warmupSet.size,
      warmups: this.warmupCount,
      retainedIgnored: this.retainedIgnored,
      unparsed: this.unparsed,
      outOfRange: this.outOfRange,
      firstArrivalNs: String(this.firstArrival),
      lastArrivalNs: String(this.lastArrival),
      connects: this.connects,
    };
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.ping) clearInterval(this.ping);
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end(Buffer.from([0xe0, 0]));
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }
}

// Child-process entry (forked by children.ts): config as JSON in argv[2]; requests and
// replies over IPC.
if (process.env.ROOMLINK_BENCH_CHILD === 'counter' && process.send) {
  const cfg = JSON.parse(process.argv[2]) as CounterConfig;
  const counter = new Counter(cfg);
  process.on('message', async (req: CounterRequest) => {
    if (req.type === 'stats') process.send!(counter.stats());
    else if (req.type === 'dump') {
      writeFileSync(req.file, Buffer.from(counter.arrivals.buffer));
      process.send!({ type: 'dumped' });
    } else if (req.type === 'stop') {
      await counter.stop();
      process.send!({ type: 'stopped' }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  counter.start().then(() => process.send!({ type: 'ready' }));
}
