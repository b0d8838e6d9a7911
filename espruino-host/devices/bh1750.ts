// ROHM BH1750 ambient light sensor at command level on I2C (0x23 with ADDR low, 0x5C high),
// as its datasheet describes: one-byte opcodes 0x00 power down, 0x01 power on, 0x07 reset,
// 0x10/0x11/0x13 continuous high/high2/low resolution, 0x20/0x21/0x23 one-time (then power
// down), 0x40 | MTreg bits 7..5 and 0x60 | bits 4..0 (measurement time register, 31..254,
// default 69). A read gives the last result, 16 bits big-endian: count = lx x 1.2 x MTreg/69
// in high resolution (x2 in high2, /4 steps in low), at most 65535. A measurement takes 120 ms
// x MTreg/69 in the high modes (16 ms in low); read before that, the previous result comes
// (power on/down, 0x01/0x00, are taken and not modelled).
import type { I2CDevice } from '../i2c.ts';

export interface Bh1750Options {
  address?: number;
  sda?: number;
  scl?: number;
  /** Illuminance in lx, fixed or as a function of time. */
  lux?: number | (() => number);
}

export class Bh1750 implements I2CDevice {
  readonly address: number;
  readonly sda?: number;
  readonly scl?: number;
  /** The measurement time register (for tests). */
  mtreg = 69;
  /** Every opcode received (for tests). */
  readonly commands: number[] = [];
  private source: number | (() => number);
  private result = 0;
  private pending: { at: number; count: number; continuous?: number } | undefined;
  private mtHigh = 69 >> 5;

  constructor(options: Bh1750Options = {}) {
    this.address = options.address ?? 0x23;
    this.sda = options.sda;
    this.scl = options.scl;
    this.source = options.lux ?? 300;
  }

  set(lux: number): void {
    this.source = lux;
  }

  private measure(mode: number): void {
    const lux = Math.max(0, typeof this.source === 'function' ? this.source() : this.source);
    const high = mode === 0x10 || mode === 0x20 || mode === 0x11 || mode === 0x21;
    const factor = mode === 0x11 || mode === 0x21 ? 2 : 1;
    let count = lux * 1.2 * (this.mtreg / 69) * factor;
    if (!high) count = Math.floor(count / 4) * 4;
    const ms = high ? (120 * this.mtreg) / 69 : 16;
    this.pending = { at: Date.now() + ms, count: Math.min(65535, Math.round(count)), continuous: mode < 0x20 ? mode : undefined };
  }

  private settle(): void {
    if (this.pending && Date.now() >= this.pending.at) {
      this.result = this.pending.count;
      const again = this.pending.continuous;
      this.pending = undefined;
      if (again !== undefined) this.measure(again);
    }
  }

  write(bytes: number[]): void {
    this.settle();
    for (const op of bytes) {
      this.commands.push(op);
      if (op === 0x07) this.result = 0;
      else if ((op & 0xf8) === 0x40) this.mtHigh = op & 7;
      else if ((op & 0xe0) === 0x60) this.mtreg = Math.max(31, Math.min(254, (this.mtHigh << 5) | (op & 31)));
      else if ([0x10, 0x11, 0x13, 0x20, 0x21, 0x23].includes(op)) this.measure(op);
    }
  }

  read(count: number): number[] {
    this.settle();
    return [(this.result >> 8) & 0xff, this.result & 0xff].slice(0, count);
  }
}
