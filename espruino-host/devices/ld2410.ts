// Hi-Link HLK-LD2410 24 GHz presence radar on a UART at 256000 8N1, at byte level as its
// serial protocol describes: it reports by itself, about every 50 ms, a frame F4 F3 F2 F1,
// data length (2 bytes, little endian), data, F8 F7 F6 F5. Basic data (length 13): type 02,
// AA, target state (0 none, 1 moving, 2 still, 3 both), moving distance (cm, 2 bytes LE),
// moving energy (0..100), still distance (cm), still energy, detection distance (cm), 55, 00.
// Engineering data (type 01) adds gate counts, per-gate energies, light and OUT pin before
// 55 00. No checksum. Commands (FD FC FB FA ... 04 03 02 01) are not simulated.
import type { UartDevice } from '../uart.ts';

export interface Ld2410Target {
  /** Distance (cm) of a moving target, if any, and of a still one, if any. */
  moving?: number;
  still?: number;
}

export interface Ld2410Options {
  rx?: number;
  tx?: number;
  target?: Ld2410Target | (() => Ld2410Target);
  engineering?: boolean;
  /** Milliseconds between frames (50). */
  periodMs?: number;
}

/** One reporting frame for a target, as the radar sends it. */
export function ld2410Frame(target: Ld2410Target, engineering = false): number[] {
  const state = (target.moving !== undefined ? 1 : 0) | (target.still !== undefined ? 2 : 0);
  const md = Math.round(target.moving ?? 0);
  const sd = Math.round(target.still ?? 0);
  const detection = Math.max(md, sd);
  const le = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  const basic = [state, ...le(md), target.moving !== undefined ? 62 : 0, ...le(sd), target.still !== undefined ? 48 : 0, ...le(detection)];
  const extra = engineering
    ? [8, 8, ...Array.from({ length: 9 }, (_, i) => (i * 11) % 100), ...Array.from({ length: 9 }, (_, i) => (i * 7) % 100), 120, state ? 1 : 0]
    : [];
  const data = [engineering ? 0x01 : 0x02, 0xaa, ...basic, ...extra, 0x55, 0x00];
  return [0xf4, 0xf3, 0xf2, 0xf1, ...le(data.length), ...data, 0xf8, 0xf7, 0xf6, 0xf5];
}

export class Ld2410 implements UartDevice {
  readonly rx: number;
  readonly tx: number;
  readonly baud = 256000;
  engineering: boolean;
  /** Bytes to send instead of the next frames (garbage, corrupted frames), for tests. */
  readonly inject: number[][] = [];
  private source: Ld2410Target | (() => Ld2410Target);
  private readonly periodMs: number;

  constructor(options: Ld2410Options = {}) {
    this.rx = options.rx ?? 16;
    this.tx = options.tx ?? 17;
    this.source = options.target ?? {};
    this.engineering = options.engineering ?? false;
    this.periodMs = options.periodMs ?? 50;
  }

  set(target: Ld2410Target): void {
    this.source = target;
  }

  connect(send: (bytes: number[]) => void): () => void {
    const timer = setInterval(() => {
      const next = this.inject.shift();
      send(next ?? ld2410Frame(typeof this.source === 'function' ? this.source() : this.source, this.engineering));
    }, this.periodMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  receive(): void {
    // Configuration commands are not simulated: the driver only listens.
  }
}
