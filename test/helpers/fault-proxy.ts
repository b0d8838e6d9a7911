// A fault-injecting TCP proxy for MQTT: put it between a client (the firmware) and a real
// broker (bench/helpers/mosquitto.ts) and make the network hostile on demand. It splits both
// directions into MQTT packets (by the fixed header) so that faults hit packet boundaries
// exactly: swallow the broker's PUBACKs, close the link right after a CONNACK, cut a packet
// in half, or write raw bytes (garbage, a malformed length field, a crafted packet) to the
// client. It records every connection and every PUBLISH the client sends.
import { createServer, Socket, type Server } from 'node:net';

export interface SeenPublish {
  /** ms since the proxy started */
  at: number;
  /** which client connection (index into `connections`) */
  conn: number;
  topic: string;
  payload: string;
  qos: number;
  dup: boolean;
  retain: boolean;
  id: number;
}

export interface SeenConnection {
  /** ms since the proxy started */
  at: number;
  /** when the broker's CONNACK went to the client, if it did */
  connackAt?: number;
  /** when the link went down */
  closedAt?: number;
  /** who closed it: the proxy (a fault), the client, or the broker */
  closedBy?: 'proxy' | 'client' | 'broker';
  /** MQTT packet types (first byte >> 4) the client sent, and the broker sent, in order */
  up: number[];
  down: number[];
}

/** Splits a byte stream into MQTT packets; bytes that do not form a header stay buffered. */
class PacketSplitter {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      let len = 0;
      let mul = 1;
      let i = 1;
      let complete = false;
      while (i < this.buf.length && i <= 4) {
        const c = this.buf[i++]!;
        len += (c & 127) * mul;
        mul *= 128;
        if (!(c & 128)) {
          complete = true;
          break;
        }
      }
      if (!complete || this.buf.length < i + len) return out;
      out.push(this.buf.subarray(0, i + len));
      this.buf = this.buf.subarray(i + len);
    }
  }
}

/** Decodes a PUBLISH packet (whole, header included). */
export function decodePublish(p: Buffer): Omit<SeenPublish, 'at' | 'conn'> {
  let i = 1;
  while (p[i]! & 128) i++;
  i++;
  const qos = (p[0]! >> 1) & 3;
  const tl = p.readUInt16BE(i);
  const topic = p.subarray(i + 2, i + 2 + tl).toString('latin1');
  let at = i + 2 + tl;
  let id = 0;
  if (qos) {
    id = p.readUInt16BE(at);
    at += 2;
  }
  return { topic, payload: p.subarray(at).toString('latin1'), qos, dup: !!(p[0]! & 8), retain: !!(p[0]! & 1), id };
}

/** A PUBLISH packet as a broker would send it (QoS 0, or 1 with `id`). */
export function publishPacket(topic: string, payload: string, options: { qos?: number; id?: number; retain?: boolean; flags?: number } = {}): Buffer {
  const qos = options.qos ?? 0;
  const t = Buffer.from(topic, 'latin1');
  const body = Buffer.concat([
    Buffer.from([t.length >> 8, t.length & 255]),
    t,
    qos ? Buffer.from([(options.id ?? 1) >> 8, (options.id ?? 1) & 255]) : Buffer.alloc(0),
    Buffer.from(payload, 'latin1'),
  ]);
  const first = options.flags ?? 0x30 | (qos << 1) | (options.retain ? 1 : 0);
  const len: number[] = [];
  let n = body.length;
  do {
    const d = n & 127;
    n >>= 7;
    len.push(n ? d | 128 : d);
  } while (n);
  return Buffer.concat([Buffer.from([first, ...len]), body]);
}

interface Link {
  index: number;
  client: Socket;
  broker: Socket;
}

export class FaultProxy {
  port = 0;
  readonly connections: SeenConnection[] = [];
  readonly published: SeenPublish[] = [];
  /** Broker → client PUBACKs are dropped (the broker did get the PUBLISH). */
  swallowPubacks = false;
  /** The client's link is closed right after the broker's CONNACK has been passed on. */
  closeAfterConnack = false;
  /** A PUBLISH on this topic is not passed on: the link is cut instead (a broker that hangs up on it). */
  cutOnTopic: string | undefined;
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private readonly t0 = Date.now();
  private cutNext: 'down' | 'up' | undefined;

  constructor(private readonly brokerPort: number) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private now(): number {
    return Date.now() - this.t0;
  }

  /** Listens (again, on the same port after pause()); a no-op while listening. */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** An outage: stops listening (connects are refused) and cuts every link. */
  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cutAll();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts every open link (RST to both sides). */
  cutAll(): void {
    for (const link of [...this.links]) this.close(link, 'proxy');
  }

  /** The next packet in this direction ('down' = broker to client) is passed on half, then the link is cut. */
  cutMidPacket(direction: 'down' | 'up'): void {
    this.cutNext = direction;
  }

  /** Writes raw bytes to every connected client, as if the broker had sent them. */
  inject(bytes: Buffer): void {
    for (const link of this.links) link.client.write(bytes);
  }

  get openLinks(): number {
    return this.links.size;
  }

  async dispose(): Promise<void> {
    await this.pause();
  }

  /** Ends a link: abruptly (RST), or with `graceful` a FIN to the client after what was written. */
  private close(link: Link, by: 'proxy' | 'client' | 'broker', graceful = false): void {
    if (!this.links.delete(link)) return;
    const seen = this.connections[link.index]!;
    seen.closedAt = this.now();
    seen.closedBy = by;
    const reset = (socket: Socket) => {
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy();
      }
    };
    if (graceful) link.client.end();
    else reset(link.client);
    reset(link.broker);
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const index = this.connections.length;
    this.connections.push({ at: this.now(), up: [], down: [] });
    const broker = new Socket();
    const link: Link = { index, client, broker };
    this.links.add(link);
    const up = new PacketSplitter();
    const down = new PacketSplitter();
    const pending: Buffer[] = [];
    let brokerReady = false;
    broker.connect(this.brokerPort, '127.0.0.1', () => {
      broker.setNoDelay(true);
      brokerReady = true;
      for (const b of pending.splice(0)) broker.write(b);
    });
    client.on('data', (chunk) => {
      for (const packet of up.push(chunk)) {
        if (!this.links.has(link)) return;
        this.connections[index]!.up.push(packet[0]! >> 4);
        if (packet[0]! >> 4 === 3) {
          const seen = { at: this.now(), conn: index, ...decodePublish(packet) };
          this.published.push(seen);
          if (seen.topic === this.cutOnTopic) {
            this.close(link, 'proxy');
            return;
          }
        }
        if (this.cutNext === 'up') {
          this.cutNext = undefined;
          const half = packet.subarray(0, Math.max(1, packet.length >> 1));
          if (brokerReady) broker.write(half, () => this.close(link, 'proxy'));
          else this.close(link, 'proxy');
          return;
        }
        if (brokerReady) broker.write(packet);
        else pending.push(packet);
      }
    });
    broker.on('data', (chunk) => {
      for (const packet of down.push(chunk)) {
        if (!this.links.has(link)) return;
        const type = packet[0]! >> 4;
        this.connections[index]!.down.push(type);
        if (type === 4 && this.swallowPubacks) continue;
        if (this.cutNext === 'down') {
          this.cutNext = undefined;
          client.write(packet.subarray(0, Math.max(1, packet.length >> 1)), () => this.close(link, 'proxy'));
          return;
        }
        client.write(packet);
        if (type === 2) {
          this.connections[index]!.connackAt = this.now();
          if (this.closeAfterConnack) {
            this.close(link, 'proxy', true);
            return;
          }
        }
      }
    });
    client.on('close', () => this.close(link, 'client'));
    broker.on('close', () => this.close(link, 'broker'));
    client.on('error', () => this.close(link, 'client'));
    broker.on('error', () => this.close(link, 'broker'));
  }
}

export async function startFaultProxy(brokerPort: number): Promise<FaultProxy> {
  return new FaultProxy(brokerPort).start();
}
