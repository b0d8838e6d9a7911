// The hub's MQTT codec: every byte between the hub and its broker is encoded and decoded
// here (MQTT 3.1.1 and MQTT 5, chapters 2 and 3 of each), for the packets a client that
// publishes and subscribes at QoS 0 and 1 with a clean session uses: CONNECT, CONNACK,
// PUBLISH, PUBACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT. PUBLISH goes out in
// batches (one buffer for many packets, no object per packet); incoming packets are read
// straight from the socket's chunks, with no object per packet either. The tests check every
// encoder byte for byte against mqtt-packet (the codec of MQTT.js and aedes) and the reader
// on what mqtt-packet generates. (mqtt-packet itself is not loaded at run time: it builds
// a Buffer for each of the 65,536 packet ids when loaded, 6 MB of the hub's heap.)

export type ProtocolVersion = 4 | 5;

export interface PublishFormat {
  qos: 0 | 1;
  retain: boolean;
  /** 4 (MQTT 3.1.1) or 5: MQTT 5 adds an empty property list. */
  protocolVersion: number;
}

export interface PublishItem {
  readonly topic: string;
  readonly payload: string;
}

/** Bytes of the Remaining Length field for a value. */
function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let remaining = value;
  do {
    let digit = remaining & 0x7f;
    remaining >>>= 7;
    if (remaining > 0) digit |= 0x80;
    out[at++] = digit;
  } while (remaining > 0);
  return at;
}

/**
 * One buffer with a PUBLISH for each item. At QoS 1, packet i carries ids[i]. Topics must
 * already be valid topic names (checked where they are made).
 */
export function encodePublishes(items: readonly PublishItem[], format: PublishFormat, ids?: readonly number[]): Buffer {
  const header = 0x30 | (format.qos << 1) | (format.retain ? 1 : 0);
  // Bytes after the topic and before the payload: packet id, MQTT 5 property length.
  const middle = (format.qos > 0 ? 2 : 0) + (format.protocolVersion === 5 ? 1 : 0);
  let total = 0;
  const sizes = new Array<number>(items.length * 2);
  for (let i = 0, k = 0; i < items.length; i++, k += 2) {
    const topicBytes = Buffer.byteLength(items[i]!.topic);
    const remaining = 2 + topicBytes + middle + Buffer.byteLength(items[i]!.payload);
    sizes[k] = topicBytes;
    sizes[k + 1] = remaining;
    total += 1 + varintBytes(remaining) + remaining;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0, k = 0; i < items.length; i++, k += 2) {
    const item = items[i]!;
    const topicBytes = sizes[k]!;
    out[at++] = header;
    at = writeVarint(out, at, sizes[k + 1]!);
    out[at++] = topicBytes >> 8;
    out[at++] = topicBytes & 0xff;
    at += out.write(item.topic, at);
    if (format.qos > 0) {
      const id = ids![i]!;
      out[at++] = id >> 8;
      out[at++] = id & 0xff;
    }
    if (format.protocolVersion === 5) out[at++] = 0;
    at += out.write(item.payload, at);
  }
  return out;
}

/** One PUBLISH with a binary or text payload (state messages, dashboard commands). */
export function encodePublish(topic: string, payload: string | Buffer, format: PublishFormat, id = 0): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const payloadBytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const remaining = 2 + topicBytes + (format.qos > 0 ? 2 : 0) + (format.protocolVersion === 5 ? 1 : 0) + payloadBytes;
  const out = Buffer.allocUnsafe(1 + varintBytes(remaining) + remaining);
  out[0] = 0x30 | (format.qos << 1) | (format.retain ? 1 : 0);
  let at = writeVarint(out, 1, remaining);
  out[at++] = topicBytes >> 8;
  out[at++] = topicBytes & 0xff;
  at += out.write(topic, at);
  if (format.qos > 0) {
    out[at++] = id >> 8;
    out[at++] = id & 0xff;
  }
  if (format.protocolVersion === 5) out[at++] = 0;
  if (typeof payload === 'string') out.write(payload, at);
  else payload.copy(out, at);
  return out;
}

/** PUBACK for an incoming QoS 1 PUBLISH (MQTT 5: reason Success, which may be left out). */
export function encodePuback(id: number): Buffer {
  return Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
}

export const PINGREQ: Buffer = Buffer.from([0xc0, 0x00]);
/** DISCONNECT, normal (MQTT 5: reason 0x00 left out, no properties). */
export const DISCONNECT: Buffer = Buffer.from([0xe0, 0x00]);

export interface ConnectFields {
  protocolVersion: ProtocolVersion;
  clientId: string;
  keepalive: number;
  username?: string;
  password?: string | Buffer;
  will: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
}

/** Bytes of `text` as an MQTT UTF-8 string or binary data: a 2-byte length, then the bytes. */
function field(data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (bytes.length > 0xffff) throw new Error('an MQTT string is at most 65,535 bytes');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** A packet from its first byte and its body. */
function frame(first: number, body: Buffer[]): Buffer {
  const length = body.reduce((n, b) => n + b.length, 0);
  const head = Buffer.allocUnsafe(1 + varintBytes(length));
  head[0] = first;
  writeVarint(head, 1, length);
  return Buffer.concat([head, ...body], head.length + length);
}

/** CONNECT with a clean session (MQTT 5: clean start, no properties, so the session ends with the connection). */
export function encodeConnect(f: ConnectFields): Buffer {
  const v5 = f.protocolVersion === 5;
  let flags = 0x02 | 0x04 | (f.will.qos << 3) | (f.will.retain ? 0x20 : 0);
  if (f.username !== undefined) flags |= 0x80;
  if (f.password !== undefined) flags |= 0x40;
  const body: Buffer[] = [Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, f.protocolVersion, flags, f.keepalive >> 8, f.keepalive & 0xff])];
  if (v5) body.push(NO_PROPERTIES);
  body.push(field(f.clientId));
  if (v5) body.push(NO_PROPERTIES);
  body.push(field(f.will.topic), field(Buffer.from(f.will.payload)));
  if (f.username !== undefined) body.push(field(f.username));
  if (f.password !== undefined) body.push(field(typeof f.password === 'string' ? Buffer.from(f.password) : f.password));
  return frame(0x10, body);
}

export interface Subscription {
  topic: string;
  qos: 0 | 1;
  /** MQTT 5 No Local: the broker does not send back what this client published. */
  noLocal?: boolean;
}

export function encodeSubscribe(id: number, subscriptions: readonly Subscription[], protocolVersion: ProtocolVersion): Buffer {
  const body: Buffer[] = [Buffer.from([id >> 8, id & 0xff])];
  if (protocolVersion === 5) body.push(NO_PROPERTIES);
  for (const s of subscriptions) body.push(field(s.topic), Buffer.from([s.qos | (protocolVersion === 5 && s.noLocal ? 0x04 : 0)]));
  return frame(0x82, body);
}

const NO_PROPERTIES = Buffer.from([0]);

// ---------------------------------------------------------------- reading

/** What the broker sent, as the reader hands it on. */
export interface PacketHandler {
  /** An application message (PUBLISH). `payload` is a view into the received chunk. */
  message(topic: string, payload: Buffer, qos: number, retain: boolean, id: number): void;
  /** A PUBACK: its packet id and MQTT 5 reason code (0 when absent). */
  puback(id: number, reason: number): void;
  /** CONNACK: `code` is the 3.1.1 return code or MQTT 5 reason code. */
  connack(code: number, properties: ConnackProperties): void;
  /** SUBACK: granted QoS (or failure codes >= 0x80) per filter. */
  suback(id: number, granted: number[]): void;
  /** MQTT 5 DISCONNECT from the broker, with its reason code. */
  disconnect(reason: number): void;
  pingresp(): void;
}

/** What the hub uses of an MQTT 5 CONNACK's properties. */
export interface ConnackProperties {
  receiveMaximum?: number;
  maximumPacketSize?: number;
  retainAvailable?: boolean;
  maximumQoS?: number;
  /** Keepalive the broker wants instead of the one asked for (seconds). */
  serverKeepAlive?: number;
  reasonString?: string;
}

/** Largest packet the hub accepts from the broker; larger is a protocol error. */
export const MAX_INCOMING_PACKET = 16 * 1024 * 1024;

/**
 * Splits the byte stream from the broker into packets and decodes them in place. Throws
 * (from feed) on a malformed packet: the caller closes the connection.
 */
export class PacketReader {
  private pending: Buffer | undefined;
  private readonly handler: PacketHandler;
  protocolVersion: ProtocolVersion;

  constructor(handler: PacketHandler, protocolVersion: ProtocolVersion) {
    this.handler = handler;
    this.protocolVersion = protocolVersion;
  }

  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const end = buf.length;
    let at = 0;
    while (at < end) {
      // Fixed header: type and flags, then Remaining Length (1-4 bytes).
      if (end - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let p = at + 1;
      let complete = false;
      for (let n = 0; n < 4 && p < end; n++) {
        const digit = buf[p++]!;
        length += (digit & 0x7f) * multiplier;
        multiplier *= 128;
        if ((digit & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (p - at - 1 >= 4) throw new Error('malformed packet from the broker (Remaining Length longer than 4 bytes)');
        break;
      }
      if (length > MAX_INCOMING_PACKET) throw new Error(`packet from the broker too large (${length} bytes)`);
      if (p + length > end) break;
      this.packet(buf, at, p, p + length);
      at = p + length;
    }
    if (at < end) this.pending = at === 0 ? buf : buf.subarray(at);
  }

  /** One whole packet: header byte at `start`, body from `body` to `end`. */
  private packet(buf: Buffer, start: number, body: number, end: number): void {
    const first = buf[start]!;
    const type = first >> 4;
    if (type === 3) {
      const qos = (first >> 1) & 3;
      if (end - body < 2) throw new Error('malformed PUBLISH from the broker');
      const topicLength = (buf[body]! << 8) | buf[body + 1]!;
      let p = body + 2 + topicLength;
      const topic = buf.toString('utf8', body + 2, p);
      let id = 0;
      if (qos > 0) {
        id = (buf[p]! << 8) | buf[p + 1]!;
        p += 2;
      }
      // Incoming properties are skipped: the hub announces no Topic Alias Maximum, so none
      // of them change what the message is.
      if (this.protocolVersion === 5) p = skipVarintAndValue(buf, p);
      if (p > end) throw new Error('malformed PUBLISH from the broker');
      this.handler.message(topic, buf.subarray(p, end), qos, (first & 1) === 1, id);
    } else if (type === 4) {
      if (end - body < 2) throw new Error('malformed PUBACK from the broker');
      this.handler.puback((buf[body]! << 8) | buf[body + 1]!, end - body > 2 ? buf[body + 2]! : 0);
    } else if (type === 13) {
      this.handler.pingresp();
    } else if (type === 2) {
      this.connack(buf, body, end);
    } else {
      this.rare(buf, type, body, end);
    }
  }

  private connack(buf: Buffer, body: number, end: number): void {
    if (end - body < 2) throw new Error('malformed CONNACK from the broker');
    const code = buf[body + 1]!;
    // A 3.1.1 broker refuses an MQTT 5 CONNECT with a 3.1.1 CONNACK (two bytes, code 1).
    if (this.protocolVersion !== 5 || end - body === 2) {
      this.handler.connack(code, {});
      return;
    }
    const properties: ConnackProperties = {};
    readProperties(buf, body + 2, end, (id, value) => {
      if (id === 0x21) properties.receiveMaximum = value as number;
      else if (id === 0x27) properties.maximumPacketSize = value as number;
      else if (id === 0x25) properties.retainAvailable = value === 1;
      else if (id === 0x24) properties.maximumQoS = value as number;
      else if (id === 0x13) properties.serverKeepAlive = value as number;
      else if (id === 0x1f) properties.reasonString = (value as Buffer).toString('utf8');
    });
    this.handler.connack(code, properties);
  }

  private rare(buf: Buffer, type: number, body: number, end: number): void {
    if (type === 9) {
      // SUBACK: packet id, (MQTT 5) properties, a granted QoS or failure code per filter.
      if (end - body < 2) throw new Error('malformed SUBACK from the broker');
      let p = body + 2;
      if (this.protocolVersion === 5) p = skipVarintAndValue(buf, p);
      if (p > end) throw new Error('malformed SUBACK from the broker');
      this.handler.suback((buf[body]! << 8) | buf[body + 1]!, [...buf.subarray(p, end)]);
    } else if (type === 14) {
      // DISCONNECT: MQTT 5 only (a 3.1.1 broker just closes); no reason code means 0x00.
      this.handler.disconnect(end > body ? buf[body]! : 0);
    } else if (type === 0 || type === 1 || type === 8 || type === 10 || type === 12) {
      throw new Error(`the broker sent a packet only a client sends (type ${type})`);
    }
    // UNSUBACK, AUTH, PUBREC/PUBREL/PUBCOMP: the hub sends nothing that asks for them.
  }
}

/**
 * Calls `each` for every property of an MQTT 5 property list at `at` (its length first):
 * integers as numbers, strings and binary data as Buffers. Throws on an unknown property.
 */
function readProperties(buf: Buffer, at: number, end: number, each: (id: number, value: number | Buffer) => void): void {
  let length = 0;
  let multiplier = 1;
  let p = at;
  for (let n = 0; n < 4; n++) {
    const digit = buf[p++]!;
    length += (digit & 0x7f) * multiplier;
    multiplier *= 128;
    if ((digit & 0x80) === 0) break;
  }
  const stop = p + length;
  if (stop > end) throw new Error('malformed properties from the broker');
  while (p < stop) {
    const id = buf[p++]!;
    switch (id) {
      case 0x01:
      case 0x17:
      case 0x19:
      case 0x24:
      case 0x25:
      case 0x28:
      case 0x29:
      case 0x2a: // byte
        each(id, buf[p]!);
        p += 1;
        break;
      case 0x13:
      case 0x21:
      case 0x22:
      case 0x23: // two-byte integer
        each(id, buf.readUInt16BE(p));
        p += 2;
        break;
      case 0x02:
      case 0x11:
      case 0x18:
      case 0x27: // four-byte integer
        each(id, buf.readUInt32BE(p));
        p += 4;
        break;
      case 0x0b: {
        // variable byte integer
        let value = 0;
        let m = 1;
        for (let n = 0; n < 4; n++) {
          const digit = buf[p++]!;
          value += (digit & 0x7f) * m;
          m *= 128;
          if ((digit & 0x80) === 0) break;
        }
        each(id, value);
        break;
      }
      case 0x03:
      case 0x08:
      case 0x09:
      case 0x12:
      case 0x15:
      case 0x16:
      case 0x1a:
      case 0x1c:
      case 0x1f: {
        // string, binary
        const n = buf.readUInt16BE(p);
        each(id, buf.subarray(p + 2, p + 2 + n));
        p += 2 + n;
        break;
      }
      case 0x26: // user property: a string pair
        p += 2 + buf.readUInt16BE(p);
        p += 2 + buf.readUInt16BE(p);
        break;
      default:
        throw new Error(`unknown MQTT 5 property 0x${id.toString(16)} from the broker`);
    }
  }
  if (p !== stop) throw new Error('malformed properties from the broker');
}

/** Skips an MQTT 5 property list (Variable Byte Integer length, then that many bytes). */
function skipVarintAndValue(buf: Buffer, at: number): number {
  let length = 0;
  let multiplier = 1;
  let p = at;
  for (let n = 0; n < 4; n++) {
    const digit = buf[p++];
    if (digit === undefined) return Number.MAX_SAFE_INTEGER;
    length += (digit & 0x7f) * multiplier;
    multiplier *= 128;
    if ((digit & 0x80) === 0) break;
  }
  return p + length;
}
