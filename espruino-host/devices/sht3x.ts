// Sensirion SHT3x (SHT30/31/35) at register level on I2C (default address 0x44).
// Single-shot commands (MSB, LSB): 0x2400/0x240B/0x2416 (no clock stretching: reading
// before the result is ready is not acknowledged, so readFrom throws) and 0x2C06/0x2C0D/
// 0x2C10 (clock stretching: the read simply waits). Measurement time: high 15 ms,
// medium 6 ms, low 4 ms. Result: 6 bytes T msb, lsb, CRC, RH msb, lsb, CRC; CRC-8 poly
// 0x31 init 0xFF; T = -45 + 175·raw/65535, RH = 100·raw/65535. Also 0x30A2 soft reset,
// 0xF32D status (2 bytes + CRC), 0x3041 clear status.
import { clamp, Climate, type ClimateInput, type ClimateValues } from './climate.ts';
import { crc8Sensirion } from '../crc.ts';
import { I2CNack, type I2CDevice } from '../i2c.ts';

export type { ClimateValues } from './climate.ts';

export interface Sht3xOptions {
  address?: number;
  sda?: number;
  scl?: number;
  values?: ClimateInput;
  /** Corrupt the CRC of the temperature word, to exercise the driver's error path. */
  badCrc?: boolean;
}

const SINGLE_SHOT: Record<number, { ms: number; stretch: boolean }> = {
  9216: { ms: 15, stretch: false },
  9227: { ms: 6, stretch: false },
  9238: { ms: 4, stretch: false },
  11270: { ms: 15, stretch: true },
  11277: { ms: 6, stretch: true },
  11280: { ms: 4, stretch: true },
};

export function sensirionWord(value: number, corrupt = false): number[] {
  const msb = (value >> 8) & 0xff;
  const lsb = value & 0xff;
  const crc = crc8Sensirion([msb, lsb]);
  return [msb, lsb, corrupt ? crc ^ 0xff : crc];
}

export class Sht3x implements I2CDevice {
  readonly address: number;
  readonly sda?: number;
  readonly scl?: number;
  badCrc: boolean;
  private readonly climate: Climate;
  private output: number[] = [];
  private readyAt = 0;
  private stretch = false;

  constructor(options: Sht3xOptions = {}) {
    this.address = options.address ?? 0x44;
    this.sda = options.sda;
    this.scl = options.scl;
    this.badCrc = options.badCrc ?? false;
    this.climate = new Climate(options.values);
  }

  set(values: Partial<ClimateValues>): void {
    this.climate.set(values);
  }

  write(bytes: number[]): void {
    if (bytes.length < 2) throw new I2CNack('SHT3x commands are 16 bit');
    const command = (bytes[0]! << 8) | bytes[1]!;
    const shot = SINGLE_SHOT[command];
    if (shot) {
      const v = this.climate.now();
      const rawT = Math.round(((clamp(v.temperature, -45, 130) + 45) / 175) * 65535);
      const rawRH = Math.round((clamp(v.humidity, 0, 100) / 100) * 65535);
      this.output = [...sensirionWord(rawT, this.badCrc), ...sensirionWord(rawRH)];
      this.readyAt = Date.now() + shot.ms;
      this.stretch = shot.stretch;
    } else if (command === 0xf32d) {
      this.output = sensirionWord(0x0000);
      this.readyAt = 0;
    } else if (command === 0x30a2 || command === 0x3041) {
      this.output = [];
    } else throw new I2CNack(`unknown SHT3x command 0x${command.toString(16)}`);
  }

  read(count: number): number[] {
    if (this.output.length === 0) throw new I2CNack('SHT3x has no data to send');
    if (Date.now() < this.readyAt && !this.stretch) throw new I2CNack('SHT3x measurement not finished');
    const out = this.output.slice(0, count);
    this.output = [];
    return out;
  }
}
