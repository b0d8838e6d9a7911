// Refuses an MQTT packet that is too large from its fixed header, before its body arrives.
// aedes' parser buffers a whole packet before it looks at it, and authentication waits for
// the whole CONNECT, so one connection announcing 200 MB could make the broker hold 200 MB.
// The guard sits between the socket and aedes: it reads only the fixed headers (1 byte of
// type and flags, 1-4 bytes of Remaining Length) and skips bodies by counting, so it costs
// a few operations per packet and keeps no bytes of its own.
import type net from 'node:net';

/** Default of broker.max_packet_bytes: far above any reading, info or discovery message. */
export const DEFAULT_MAX_PACKET_BYTES = 256 * 1024;

/** MQTT's largest Remaining Length (4 bytes of 7 bits): 268,435,455. */
export const MQTT_MAX_REMAINING = 268_435_455;

export class PacketSizeGuard {
  /** Body bytes of the current packet still to skip. */
  private skip = 0;
  /** Fixed header bytes seen of the packet that starts next (0: none yet). */
  private headerBytes = 0;
  private remaining = 0;
  private multiplier = 1;

  constructor(private readonly maxPacketBytes: number) {}

  /**
   * Scans the next bytes of the stream. Returns undefined while every packet is within the
   * limit, else the size the oversized packet announced (header included), or -1 for a
   * Remaining Length that is not valid MQTT.
   */
  feed(chunk: Buffer): number | undefined {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.headerBytes === 0) {
        // The type-and-flags byte.
        this.headerBytes = 1;
        this.remaining = 0;
        this.multiplier = 1;
        continue;
      }
      this.headerBytes++;
      this.remaining += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        // A fifth length byte is malformed (MQTT 3.1.1 section 2.2.3).
        if (this.headerBytes > 4) return -1;
        continue;
      }
      const total = this.headerBytes + this.remaining;
      if (total > this.maxPacketBytes) return total;
      this.skip = this.remaining;
      this.headerBytes = 0;
    }
    return undefined;
  }
}

/**
 * Puts a guard on `socket`: aedes reads it with read(), so every chunk passes the guard
 * before aedes' parser sees it. On an oversized packet the socket is destroyed and aedes
 * gets nothing of it.
 */
export function guardPacketSize(socket: net.Socket, maxPacketBytes: number, onTooLarge: (announced: number) => void): void {
  const guard = new PacketSizeGuard(maxPacketBytes);
  const read = socket.read.bind(socket);
  let refused = false;
  socket.read = (size?: number) => {
    if (refused) return null;
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    const announced = guard.feed(chunk);
    if (announced === undefined) return chunk;
    refused = true;
    onTooLarge(announced);
    socket.destroy();
    return null;
  };
}
