// Maxim DS18B20 on a 1-Wire pin. ROM: family 0x28, 6 serial bytes, Dallas CRC-8.
// After a ROM command (0xCC skip / 0x55 match, handled by the bus): 0x44 convert
// (93.75/187.5/375/750 ms for 9–12 bit; read slots return 0 while converting, then 1s),
// 0xBE read scratchpad (9 bytes: T lsb, T msb, TH, TL, config, 0xFF, 0x0C, 0x10, CRC),
// 0x4E write scratchpad (TH, TL, config), 0x48 copy, 0xB8 recall, 0xB4 power supply
// (external: 1s), 0x33 read ROM. Temperature is 1/16 °C two's complement; the power-on
// value is 85 °C (0x0550), which is what a driver reads if it does not wait for conversion.
import { crc8Maxim } from '../crc.ts';
import { clamp } from './climate.ts';
import type { OneWireDevice } from '../onewire.ts';

export interface Ds18b20Options {
  pin: number;
  /** 6 serial bytes; derived from `seed` when omitted. */
  serial?: number[];
  seed?: number;
  temperature?: number | (() => number);
  /** Corrupt the scratchpad CRC. */
  badCrc?: boolean;
  /** No presence pulse: the sensor is missing or broken. */
  present?: boolean;
}

const CONVERSION_MS = [94, 188, 375, 750];

export class Ds18b20 implements OneWireDevice {
  readonly pin: number;
  readonly rom: number[];
  present: boolean;
  badCrc: boolean;
  private temperature: number | (() => number);
  private scratch = [0x50, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  private eeprom = [0x4b, 0x46, 0x7f];
  private command: number | undefined;
  private outgoing: number[] = [];
  private incoming: number[] = [];
  private convertingUntil = 0;
  private pendingRaw: number | undefined;

  constructor(options: Ds18b20Options) {
    this.pin = options.pin;
    const seed = options.seed ?? options.pin;
    const serial = options.serial ?? [0, 1, 2, 3, 4, 5].map((i) => (seed * 37 + i * 101 + 17) & 0xff);
    const body = [0x28, ...serial.slice(0, 6)];
    this.rom = [...body, crc8Maxim(body)];
    this.present = options.present ?? true;
    this.badCrc = options.badCrc ?? false;
    this.temperature = options.temperature ?? 21;
  }

  set(temperature: number): void {
    this.temperature = temperature;
  }

  reset(): void {
    this.command = undefined;
    this.outgoing = [];
    this.incoming = [];
  }

  writeByte(byte: number): void {
    if (this.command === 0x4e) {
      this.incoming.push(byte);
      if (this.incoming.length === 3) {
        [this.scratch[2], this.scratch[3]] = [this.incoming[0]!, this.incoming[1]!];
        this.scratch[4] = (this.incoming[2]! & 0x60) | 0x1f;
        this.command = undefined;
      }
      return;
    }
    this.command = byte;
    this.outgoing = [];
    switch (byte) {
      case 0x44: {
        const resolution = (this.scratch[4]! >> 5) & 3;
        this.convertingUntil = Date.now() + CONVERSION_MS[resolution]!;
        const t = typeof this.temperature === 'function' ? this.temperature() : this.temperature;
        const raw = Math.round(clamp(t, -55, 125) * 16);
        // Lower resolutions leave the low bits undefined; the chip reads them as 0.
        const mask = [~7, ~3, ~1, ~0][resolution]!;
        this.pendingRaw = raw & mask & 0xffff;
        break;
      }
      case 0xbe: {
        this.finishConversion();
        const crc = crc8Maxim(this.scratch);
        this.outgoing = [...this.scratch, this.badCrc ? crc ^ 0xff : crc];
        break;
      }
      case 0x33:
        this.outgoing = [...this.rom];
        break;
      case 0x48:
        this.eeprom = this.scratch.slice(2, 5);
        break;
      case 0xb8:
        [this.scratch[2], this.scratch[3], this.scratch[4]] = this.eeprom as [number, number, number];
        break;
      case 0x4e:
        this.incoming = [];
        break;
    }
  }

  readByte(): number {
    if (this.outgoing.length > 0) return this.outgoing.shift()!;
    if (this.command === 0x44) return Date.now() < this.convertingUntil ? 0x00 : 0xff;
    return 0xff;
  }

  private finishConversion(): void {
    if (this.pendingRaw === undefined || Date.now() < this.convertingUntil) return;
    this.scratch[0] = this.pendingRaw & 0xff;
    this.scratch[1] = (this.pendingRaw >> 8) & 0xff;
    this.pendingRaw = undefined;
  }
}
