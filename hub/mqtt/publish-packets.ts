// Encodes a run of PUBLISH packets (MQTT 3.1.1 §3.3, MQTT 5 §3.3) into one buffer, so the
// reading pump hands the socket one write per batch instead of MQTT.js's six small writes,
// packet object, store entry and callback per reading (a quarter of the hub's CPU at full
// rate, and most of its garbage).

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
    let remaining = sizes[k + 1]!;
    out[at++] = header;
    do {
      let digit = remaining & 0x7f;
      remaining >>>= 7;
      if (remaining > 0) digit |= 0x80;
      out[at++] = digit;
    } while (remaining > 0);
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
