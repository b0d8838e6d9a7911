// TE HTU21D / Silicon Labs Si7021 temperature and humidity at command level on I2C (0x40),
// as their datasheets describe: 0xE3/0xE5 measure temperature/humidity holding the clock
// (the read waits), 0xF3/0xF5 the same without holding (reading before the conversion is
// done is not acknowledged: up to 50 ms for T at 14 bit, 16 ms for RH on the HTU21D, ~23 ms
// on the Si7021, which measures T with RH), 0xE0 (Si7021 only) the temperature of the last
// RH measurement, 0xFE soft reset, 0xE7 read the user register. Results: MSB, LSB (its two
// low bits are status: bit 1 set for humidity), CRC-8 poly 0x31 init 0x00.
// T = -46.85 + 175.72 x S/65536, RH = -6 + 125 x S/65536.
import { crc8Htu } from '../crc.ts';
import { I2CNack, type I2CDevice } from '../i2c.ts';
import { clamp, Climate, type ClimateInput, type ClimateValues } from './climate.ts';

export interface Htu21dOptions {
  sda?: number;
  scl?: number;
  variant?: 'htu21d' | 'si7021';
  values?: ClimateInput;
  /** Corrupt the CRC of temperature results, to exercise the driver's error path. */
  badCrc?: boolean;
  /** Raw 16-bit results to answer instead of the values (datasheet vectors), status bits included. */
  raw?: { temperature: number; humidity: number };
}

function withCrc(word: number, corrupt: boolean): number[] {
  const bytes = [(word >> 8) & 0xff, word & 0xff];
  const crc = crc8Htu(bytes);
  return [...bytes, corrupt ? crc ^ 0x55 : crc];
}

export class Htu21d implements I2CDevice {
  readonly address = 0x40;
  readonly sda?: number;
  readonly scl?: number;
  readonly variant: 'htu21d' | 'si7021';
  badCrc: boolean;
  raw: { temperature: number; humidity: number } | undefined;
  private readonly climate: Climate;
  private output: number[] = [];
  private readyAt = 0;
  private hold = false;
  private lastT = 0;

  constructor(options: Htu21dOptions = {}) {
    this.sda = options.sda;
    this.scl = options.scl;
    this.variant = options.variant ?? 'htu21d';
    this.badCrc = options.badCrc ?? false;
    this.raw = options.raw;
    this.climate = new Climate(options.values);
  }

  set(values: Partial<ClimateValues>): void {
    this.climate.set(values);
  }

  private rawT(): number {
    if (this.raw) return this.raw.temperature;
    const t = clamp(this.climate.now().temperature, -40, 125);
    return Math.round(((t + 46.85) / 175.72) * 65536) & 0xfffc;
  }

  private rawRH(): number {
    if (this.raw) return this.raw.humidity;
    const h = clamp(this.climate.now().humidity, 0, 100);
    return (Math.round(((h + 6) / 125) * 65536) & 0xfffc) | 0x02;
  }

  write(bytes: number[]): void {
    if (bytes.length !== 1) throw new I2CNack('HTU21D commands are one byte');
    const c = bytes[0]!;
    const si = this.variant === 'si7021';
    if (c === 0xe3 || c === 0xf3) {
      this.lastT = this.rawT();
      this.output = withCrc(this.lastT, this.badCrc);
      this.readyAt = Date.now() + (si ? 11 : 50);
      this.hold = c === 0xe3;
    } else if (c === 0xe5 || c === 0xf5) {
      this.lastT = this.rawT();
      this.output = withCrc(this.rawRH(), false);
      this.readyAt = Date.now() + (si ? 23 : 16);
      this.hold = c === 0xe5;
    } else if (c === 0xe0 && si) {
      this.output = withCrc(this.lastT, this.badCrc);
      this.readyAt = 0;
    } else if (c === 0xe7) {
      this.output = [0x02];
      this.readyAt = 0;
    } else if (c === 0xfe) {
      this.output = [];
      this.readyAt = Date.now() + 15;
    } else throw new I2CNack(`unknown ${this.variant} command 0x${c.toString(16)}`);
  }

  read(count: number): number[] {
    if (Date.now() < this.readyAt && !this.hold) throw new I2CNack('HTU21D conversion not finished');
    if (this.output.length === 0) throw new I2CNack('HTU21D has nothing to send');
    const out = this.output.slice(0, count);
    this.output = [];
    return out;
  }
}
