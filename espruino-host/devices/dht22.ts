// Aosong DHT22 (AM2302) on one GPIO pin, as Espruino's setWatch sees it.
//
// Timing contract (what a driver can rely on):
//  1. Start: the program drives the pin low — digitalWrite(pin, 0) or digitalPulse(pin, 0, ms)
//     — and then releases it — pinMode(pin, "input" | "input_pullup" | "input_pulldown" |
//     "opendrain" | "auto") or drives it high — after holding it low for at least 1 ms.
//     Node's timers are too coarse to measure 1 ms after a long synchronous run, so a start
//     pulse counts when it lasted ≥ 1 ms or was released from a later task than the one
//     that pulled the pin low (a setTimeout, or digitalPulse ending); releasing it in the
//     same synchronous run gets no answer. So does a start less than
//     `minIntervalMs` (default 2000, the DHT22's sampling period) after the previous answer,
//     or any start when `present` is false.
//  2. Answer: synchronously, inside the releasing call, the sensor's edges are delivered to
//     the watches on the pin (queued like every watch event, so callbacks run afterwards).
//     A watch therefore has to exist before the release, as on hardware, where the answer
//     starts 20–40 µs after it. Timestamps are exact, relative to t0 = getTime() at release:
//       - falling edge at t0 + 30 µs (the sensor pulls low: 80 µs low, 80 µs high);
//       - falling edge at t0 + 190 µs: start of bit 0;
//       - each bit is 50 µs low, then high for 26 µs (a 0) or 70 µs (a 1), so the next
//         falling edge comes 76 µs (0) or 120 µs (1) later; after bit 39 a last falling
//         edge starts the final 50 µs low, then the line is released (rising edge).
//     Rising edges come 50 µs after each bit's falling edge (80 µs after the first one).
//  3. So a falling-edge watch is called 42 times: a preamble call (time − lastTime = 0,
//     as a watch's first call has lastTime === time), a preamble call with
//     time − lastTime = 160 µs, then 40 calls whose time − lastTime is the bit period:
//     76 µs for 0, 120 µs for 1 (threshold 50 µs < 0 < 100 µs < 1).
//  4. Bits, MSB first: humidity×10 (16 bit), temperature×10 (16 bit, bit 15 = sign, the
//     rest the magnitude), checksum = low byte of the sum of the 4 bytes before it.
//  Edges driven by the program itself are not reported to watches.
import type { PinEdge, SimPins } from '../pins.ts';
import { clamp, Climate, type ClimateInput, type ClimateValues } from './climate.ts';

export interface Dht22Options {
  pin: number;
  values?: ClimateInput;
  /** Send a wrong checksum. */
  badChecksum?: boolean;
  /** False: the sensor never answers. */
  present?: boolean;
  minIntervalMs?: number;
}

const US = 1e-6;

/** The 40 data bits for the given values (exported for tests and drivers' fixtures). */
export function dht22Bits(values: ClimateValues, badChecksum = false): number[] {
  const humidity = Math.round(clamp(values.humidity, 0, 100) * 10) & 0xffff;
  const t = Math.round(clamp(values.temperature, -40, 80) * 10);
  const temperature = (t < 0 ? 0x8000 | -t : t) & 0xffff;
  const bytes = [humidity >> 8, humidity & 0xff, temperature >> 8, temperature & 0xff];
  const sum = (bytes[0]! + bytes[1]! + bytes[2]! + bytes[3]!) & 0xff;
  bytes.push(badChecksum ? (sum + 1) & 0xff : sum);
  const bits: number[] = [];
  for (const byte of bytes) for (let i = 7; i >= 0; i--) bits.push((byte >> i) & 1);
  return bits;
}

export class Dht22 {
  readonly pin: number;
  present: boolean;
  badChecksum: boolean;
  private readonly climate: Climate;
  private readonly minIntervalMs: number;
  private lowSince: number | undefined;
  /** True until the task that pulled the pin low has finished. */
  private lowInSameTask = false;
  private lastAnswer = -Infinity;
  /** How many times the sensor answered (for tests). */
  answers = 0;

  constructor(options: Dht22Options) {
    this.pin = options.pin;
    this.present = options.present ?? true;
    this.badChecksum = options.badChecksum ?? false;
    this.climate = new Climate(options.values);
    this.minIntervalMs = options.minIntervalMs ?? 2000;
  }

  set(values: Partial<ClimateValues>): void {
    this.climate.set(values);
  }

  /** Wires the sensor to the board's pins; returns the detach function. */
  attach(pins: SimPins, clock: () => number): () => void {
    const onWrite = (pin: number, level: 0 | 1) => {
      if (pin !== this.pin) return;
      if (level === 0) {
        if (this.lowSince === undefined) {
          this.lowSince = performance.now();
          this.lowInSameTask = true;
          queueMicrotask(() => (this.lowInSameTask = false));
        }
      } else this.release(pins, clock);
    };
    const onMode = (pin: number, mode: string) => {
      if (pin !== this.pin || mode === 'output' || mode === 'af_output' || mode === 'analog') return;
      this.release(pins, clock);
    };
    pins.on('write', onWrite);
    pins.on('mode', onMode);
    return () => {
      pins.off('write', onWrite);
      pins.off('mode', onMode);
    };
  }

  private release(pins: SimPins, clock: () => number): void {
    const since = this.lowSince;
    this.lowSince = undefined;
    if (since === undefined || (this.lowInSameTask && performance.now() - since < 1)) return;
    if (!this.present || Date.now() - this.lastAnswer < this.minIntervalMs) return;
    this.lastAnswer = Date.now();
    this.answers++;
    const values = this.climate.now();
    const t0 = clock();
    const edges: PinEdge[] = [];
    let t = t0 + 30 * US;
    edges.push({ time: t, level: 0 }, { time: t + 80 * US, level: 1 });
    t += 160 * US;
    for (const bit of dht22Bits(values, this.badChecksum)) {
      edges.push({ time: t, level: 0 }, { time: t + 50 * US, level: 1 });
      t += (bit ? 120 : 76) * US;
    }
    edges.push({ time: t, level: 0 }, { time: t + 50 * US, level: 1 });
    pins.injectEdges(this.pin, edges);
  }
}
