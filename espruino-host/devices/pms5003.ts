// Plantower PMS5003 / PMS7003 particulate sensor on a UART at 9600 8N1, at byte level as its
// datasheet describes. Data frame, 32 bytes: 42 4D, frame length 28 (2 bytes, big-endian),
// 13 words: PM1.0/PM2.5/PM10 at CF=1, PM1.0/PM2.5/PM10 under atmospheric environment,
// particles > 0.3/0.5/1.0/2.5/5.0/10 um per 0.1 L, reserved; then a checksum, the sum of
// all bytes before it. Commands, 7 bytes: 42 4D cmd dataH dataL + checksum: E1 passive (0)
// or active (1) mode, E2 read one frame (passive), E4 sleep (0) or wake (1). Active mode
// (after power-up) sends a frame every second; passive sends one per E2. Asleep, fan and
// laser are off and it answers only the wake command. Its mode and sleep survive the
// ESP32's reboots: the sensor has its own power.
import type { UartDevice } from '../uart.ts';

export interface ParticleValues {
  pm1: number; // µg/m³
  pm25: number;
  pm10: number;
}

export interface Pms5003Options {
  /** ESP32 pin its TX is wired to (default 16) and pin wired to its RX (default 17). */
  rx?: number;
  tx?: number;
  values?: ParticleValues | (() => ParticleValues);
  /** Corrupt the checksum of data frames, to exercise the driver's error path. */
  badChecksum?: boolean;
  /** Answer mode and sleep commands with a 8-byte frame (length 4), as some PMS7003 do. */
  answers?: boolean;
}

/** A command or data frame: 42 4D, then `body`, then the checksum. */
export function pmsFrame(body: number[]): number[] {
  const bytes = [0x42, 0x4d, ...body];
  const sum = bytes.reduce((a, b) => a + b, 0);
  return [...bytes, (sum >> 8) & 0xff, sum & 0xff];
}

/** A 32-byte data frame for these values. */
export function pmsDataFrame(v: ParticleValues, corrupt = false): number[] {
  const atm = [v.pm1, v.pm25, v.pm10].map((x) => Math.max(0, Math.min(65535, Math.round(x))));
  // CF=1 reads the same as atmospheric below ~30 µg/m³ and higher above (Plantower's correction).
  const cf = atm.map((x) => Math.round(x <= 30 ? x : 30 + (x - 30) * 1.5));
  const counts = [atm[0]! * 60 + 300, atm[0]! * 18 + 90, atm[1]! * 4, atm[1]!, atm[2]! >> 2, atm[2]! >> 4];
  const words = [...cf, ...atm, ...counts, 0x9700];
  const frame = pmsFrame([0x00, 0x1c, ...words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff])]);
  if (corrupt) frame[31] ^= 0x5a;
  return frame;
}

export class Pms5003 implements UartDevice {
  readonly rx: number;
  readonly tx: number;
  readonly baud = 9600;
  badChecksum: boolean;
  /** 'active' after power-up. */
  mode: 'active' | 'passive' = 'active';
  asleep = false;
  /** Commands received (cmd, data), for tests. */
  readonly commands: [number, number][] = [];
  private source: ParticleValues | (() => ParticleValues);
  private readonly answers: boolean;
  private send: ((bytes: number[]) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inbox: number[] = [];

  constructor(options: Pms5003Options = {}) {
    this.rx = options.rx ?? 16;
    this.tx = options.tx ?? 17;
    this.source = options.values ?? { pm1: 4, pm25: 7, pm10: 11 };
    this.badChecksum = options.badChecksum ?? false;
    this.answers = options.answers ?? true;
  }

  set(values: Partial<ParticleValues>): void {
    const now = typeof this.source === 'function' ? this.source() : this.source;
    this.source = { ...now, ...values };
  }

  private frame(): number[] {
    return pmsDataFrame(typeof this.source === 'function' ? this.source() : this.source, this.badChecksum);
  }

  connect(send: (bytes: number[]) => void): () => void {
    this.send = send;
    this.timer = setInterval(() => {
      if (this.mode === 'active' && !this.asleep) this.send?.(this.frame());
    }, 1000);
    this.timer.unref();
    return () => {
      clearInterval(this.timer);
      this.send = undefined;
    };
  }

  receive(bytes: number[]): void {
    this.inbox.push(...bytes);
    for (;;) {
      const start = this.inbox.findIndex((b, i) => b === 0x42 && this.inbox[i + 1] === 0x4d);
      if (start < 0) {
        this.inbox = this.inbox.slice(-1);
        return;
      }
      if (this.inbox.length < start + 7) {
        this.inbox = this.inbox.slice(start);
        return;
      }
      const c = this.inbox.slice(start, start + 7);
      this.inbox = this.inbox.slice(start + 7);
      const sum = c.slice(0, 5).reduce((a, b) => a + b, 0);
      if (((c[5]! << 8) | c[6]!) !== sum) continue;
      this.command(c[2]!, (c[3]! << 8) | c[4]!);
    }
  }

  private command(cmd: number, data: number): void {
    this.commands.push([cmd, data]);
    if (this.asleep && !(cmd === 0xe4 && data === 1)) return;
    const reply = (frame: number[]) => setTimeout(() => this.send?.(frame), 20).unref();
    if (cmd === 0xe1) {
      this.mode = data ? 'active' : 'passive';
      if (this.answers) reply(pmsFrame([0x00, 0x04, 0xe1, data]));
    } else if (cmd === 0xe2) {
      if (this.mode === 'passive') reply(this.frame());
    } else if (cmd === 0xe4) {
      this.asleep = data === 0;
      if (this.answers && data === 0) reply(pmsFrame([0x00, 0x04, 0xe4, 0x00]));
    }
  }
}
