// The benchmark's serial lines. A timed reading in room k with value i:
//   {"node":"n<k>","room":"r<k>","illuminance":<i>,"seq":<i>}      (~57 bytes + newline)
// is a valid roomlink reading (illuminance is 0..200000 lx), so the hub publishes <i> on
// home/r<k>/illuminance while raw bridges publish the whole line; counter.ts recovers (k, i)
// from either. Warm-up lines use node and room w<k> and are not timed.
//
// A value only goes up to 200,000, so a pty that carries more readings than that (a long
// outage) moves on to the next room: see Layout.

/** Readings per room before the next room is used (illuminance tops out at 200,000). */
export const ROOM_SPAN = 200_000;

export function readingLine(room: number, value: number): string {
  return `{"node":"n${room}","room":"r${room}","illuminance":${value},"seq":${value}}\n`;
}

export function warmupLine(port: number): string {
  return `{"node":"w${port}","room":"w${port}","illuminance":${port}}\n`;
}

/** The topic raw bridges (mosquitto_pub, naive) publish port k's lines on. */
export function rawTopic(port: number): string {
  return `home/r${port}/line`;
}

/** What the counter subscribes to: every path publishes under home/. */
export const COUNT_FILTER = 'home/#';

/**
 * Where the g-th reading written into pty p goes: room p*roomsPerPort + floor(g/span) with
 * value g % span; writer and counter both index it as slot p*stride + g.
 */
export interface Layout {
  ports: number;
  /** Readings per pty. */
  count: number;
  span: number;
  roomsPerPort: number;
  stride: number;
}

export function layout(ports: number, count: number): Layout {
  const span = Math.max(1, Math.min(count, ROOM_SPAN));
  const roomsPerPort = Math.ceil(count / span);
  return { ports, count, span, roomsPerPort, stride: span * roomsPerPort };
}

export function slotLine(l: Layout, port: number, g: number): string {
  return readingLine(port * l.roomsPerPort + Math.floor(g / l.span), g % l.span);
}
