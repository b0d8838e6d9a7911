// Winsen MH-Z19B / MH-Z19C CO2 sensor on a UART at 9600 8N1, at byte level as its datasheet
// describes: 9-byte commands FF 01 cmd d3..d7 and answers FF cmd ..., each ending in a
// checksum, 0xFF minus the sum of bytes 1..7, plus 1. 0x86 read: FF 86 HH LL TT SS 00 00 CS
// with CO2 = HH x 256 + LL ppm (TT: temperature + 40, undocumented); 0x79 ABC on (A0) / off
// (00); 0x87 zero-point calibration (400 ppm). Frames with a wrong checksum are ignored.
import type { UartDevice } from '../uart.ts';

export interface Mhz19Options {
  rx?: number;
  tx?: number;
  co2?: number | (() => number);
  /** Corrupt the checksum of answers, to exercise the driver's error path. */
  badChecksum?: boolean;
}

/** The checksum of a 9-byte frame: 0xFF - (sum of bytes 1..7) + 1. */
export function mhzChecksum(frame: number[]): number {
  let sum = 0;
  for (let i = 1; i < 8; i++) sum += frame[i]!;
  return (0xff - (sum & 0xff) + 1) & 0xff;
}

export class Mhz19 implements UartDevice {
  readonly rx: number;
  readonly tx: number;
  readonly baud = 9600;
  badChecksum: boolean;
  abc = true;
  /** Zero-point calibrations received. */
  zeroCalibrations = 0;
  readonly commands: number[] = [];
  private source: number | (() => number);
  private send: ((bytes: number[]) => void) | undefined;
  private inbox: number[] = [];

  constructor(options: Mhz19Options = {}) {
    this.rx = options.rx ?? 16;
    this.tx = options.tx ?? 17;
    this.source = options.co2 ?? 600;
    this.badChecksum = options.badChecksum ?? false;
  }

  set(co2: number): void {
    this.source = co2;
  }

  connect(send: (bytes: number[]) => void): () => void {
    this.send = send;
    return () => {
      this.send = undefined;
    };
  }

  receive(bytes: number[]): void {
    this.inbox.push(...bytes);
    for (;;) {
      const start = this.inbox.findIndex((b, i) => b === 0xff && this.inbox[i + 1] === 0x01);
      if (start < 0 || this.inbox.length < start + 9) {
        this.inbox = start < 0 ? this.inbox.slice(-1) : this.inbox.slice(start);
        return;
      }
      const f = this.inbox.slice(start, start + 9);
      this.inbox = this.inbox.slice(start + 9);
      if (mhzChecksum(f) !== f[8]) continue;
      this.command(f[2]!, f[3]!);
    }
  }

  private command(cmd: number, d: number): void {
    this.commands.push(cmd);
    if (cmd === 0x86) {
      const co2 = Math.max(0, Math.min(10000, Math.round(typeof this.source === 'function' ? this.source() : this.source)));
      const f = [0xff, 0x86, co2 >> 8, co2 & 0xff, 21 + 40, 0, 0, 0];
      f.push(mhzChecksum(f) ^ (this.badChecksum ? 0x21 : 0));
      setTimeout(() => this.send?.(f), 10).unref();
    } else if (cmd === 0x79) this.abc = d === 0xa0;
    else if (cmd === 0x87) this.zeroCalibrations++;
  }
}
