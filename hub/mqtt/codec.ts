// The hub's MQTT codec: every byte between the hub and its broker is encoded and decoded
// here (MQTT 3.1.1 and MQTT 5, §2-§3 of each). What runs per reading is written out by hand:
// PUBLISH in batches (one buffer for many packets, no object per packet), PUBACK, PINGREQ,
// and the reading of incoming PUBLISH and PUBACK straight from the socket's chunks. The rare
// packets (CONNECT, SUBSCRIBE, CONNACK properties, SUBACK, DISCONNECT) go through mqtt-packet,
// the codec aedes and MQTT.js are built on, so their many optional fields are encoded and
// checked by code that every MQTT 5 broker in the Node world already talks to.
import mqttPacket from 'mqtt-packet';

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

/** CONNECT with a clean session (MQTT 5: clean start, session ends with the connection). */
export function encodeConnect(f: ConnectFields): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: f.protocolVersion,
      clean: true,
      clientId: f.clientId,
      keepalive: f.keepalive,
      ...(f.username !== undefined ? { username: f.username } : {}),
      ...(f.password !== undefined ? { password: Buffer.isBuffer(f.password) ? f.password : Buffer.from(f.password) } : {}),
      will: { topic: f.will.topic, payload: Buffer.from(f.will.payload), qos: f.will.qos, retain: f.will.retain },
    },
    { protocolVersion: f.protocolVersion },
  );
}

export interface Subscription {
  topic: string;
  qos: 0 | 1;
  /** MQTT 5 No Local: the broker does not send back what this client published. */
  noLocal?: boolean;
}

export function encodeSubscribe(id: number, subscriptions: readonly Subscription[], protocolVersion: ProtocolVersion): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'subscribe',
      messageId: id,
      subscriptions: subscriptions.map((s) => (protocolVersion === 5 ? { topic: s.topic, qos: s.qos, nl: s.noLocal === true } : { topic: s.topic, qos: s.qos })),
    },
    { protocolVersion },
  );
}

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

export interface ConnackProperties {
  receiveMaximum?: number;
  maximumPacketSize?: number;
  retainAvailable?: boolean;
  maximumQoS?: number;
  reasonString?: string;
}

/** Largest packet the hub accepts from the broker; larger is a protocol error. */
export const MAX_INCOMING_PACKET = 16 * 1024 * 1024;

/**
 * Splits the byte stream from the broker into packets and decodes them. PUBLISH, PUBACK and
 * PINGRESP are read in place; the rare packets are handed to mqtt-packet one whole packet at
 * a time. Throws (from feed) on a malformed packet: the caller closes the connection.
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
      this.connack(buf, start, body, end);
    } else {
      this.rare(buf.subarray(start, end));
    }
  }

  private connack(buf: Buffer, start: number, body: number, end: number): void {
    if (end - body < 2) throw new Error('malformed CONNACK from the broker');
    const code = buf[body + 1]!;
    // A 3.1.1 broker refuses an MQTT 5 CONNECT with a 3.1.1 CONNACK (two bytes, code 1).
    if (this.protocolVersion !== 5 || end - body === 2) {
      this.handler.connack(code, {});
      return;
    }
    const packet = parseOne(buf.subarray(start, end), 5) as { properties?: ConnackProperties };
    this.handler.connack(code, packet.properties ?? {});
  }

  private rare(bytes: Buffer): void {
    const packet = parseOne(bytes, this.protocolVersion) as { cmd: string; messageId?: number; granted?: number[]; reasonCode?: number };
    if (packet.cmd === 'suback') this.handler.suback(packet.messageId ?? 0, packet.granted ?? []);
    else if (packet.cmd === 'disconnect') this.handler.disconnect(packet.reasonCode ?? 0);
    // UNSUBACK, AUTH, PUBREC/PUBREL/PUBCOMP: the hub sends nothing that asks for them.
  }
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

/** One whole packet through mqtt-packet's parser; throws what it reports. */
function parseOne(bytes: Buffer, protocolVersion: ProtocolVersion): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion });
  let packet: mqttPacket.Packet | undefined;
  let error: Error | undefined;
  parser.on('packet', (p: mqttPacket.Packet) => (packet = p));
  parser.on('error', (e: Error) => (error ??= e));
  parser.parse(bytes);
  if (error) throw new Error(`malformed packet from the broker (${error.message})`);
  if (!packet) throw new Error('malformed packet from the broker (incomplete)');
  return packet;
}
