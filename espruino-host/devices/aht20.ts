// Aosong AHT20 at register level on I2C (address 0x38).
// Commands: 0xBE 0x08 0x00 initialise (sets the "calibrated" status bit 3), 0xAC 0x33 0x00
// trigger a measurement (80 ms; status bit 7 "busy" until done), 0xBA soft reset.
// A read returns: status, then 20-bit RH and 20-bit T packed in 5 bytes, then CRC-8
// (poly 0x31, init 0xFF) over the first 6 bytes. RH% = raw/2^20·100, T = raw/2^20·200 − 50.
// Reading while busy returns the busy status and the previous result (it never NACKs).
import { crc8Sensirion } from '../crc.ts';
import { I2CNack, type I2CDevice } from '../i2c.ts';
import { clamp, Climate, type ClimateInput, type ClimateValues } from './climate.ts';

export interface Aht20Options {
  sda?: number;
  scl?: number;
  values?: ClimateInput;
  /** Corrupt the CRC byte, to exercise the driver's error path. */
  badCrc?: boolean;
}

const MEASUREMENT_MS = 80;

export class Aht20 implements I2CDevice {
  readonly address = 0x38;
  readonly sda?: number;
  readonly scl?: number;
  badCrc: boolean;
  private readonly climate: Climate;
  private calibrated = false;
  private readyAt = 0;
  private rawRH = 0;
  private rawT = 0;
  private pending: { rawRH: number; rawT: number } | undefined;

  constructor(options: Aht20Options = {}) {
    this.sda = options.sda;
    this.scl = options.scl;
    this.badCrc = options.badCrc ?? false;
    this.climate = new Climate(options.values);
  }

  set(values: Partial<ClimateValues>): void {
    this.climate.set(values);
  }

  write(bytes: number[]): void {
    const [command] = bytes;
    if (command === 0xbe) this.calibrated = true;
    else if (command === 0xba) {
      this.calibrated = false;
      this.pending = undefined;
    } else if (command === 0xac) {
      const v = this.climate.now();
      const scale = 1 << 20;
      this.pending = {
        rawRH: Math.min(scale - 1, Math.round((clamp(v.humidity, 0, 100) / 100) * scale)),
        rawT: Math.min(scale - 1, Math.round(((clamp(v.temperature, -50, 150) + 50) / 200) * scale)),
      };
      this.readyAt = Date.now() + MEASUREMENT_MS;
    } else if (command !== 0x71) throw new I2CNack(`unknown AHT20 command 0x${(command ?? 0).toString(16)}`);
  }

  read(count: number): number[] {
    const busy = this.pending !== undefined && Date.now() < this.readyAt;
    if (this.pending && !busy) {
      this.rawRH = this.pending.rawRH;
      this.rawT = this.pending.rawT;
      this.pending = undefined;
    }
    const status = (busy ? 0x80 : 0) | (this.calibrated ? 0x08 : 0) | 0x10;
    const data = [
      status,
      (this.rawRH >> 12) & 0xff,
      (this.rawRH >> 4) & 0xff,
      ((this.rawRH & 0x0f) << 4) | ((this.rawT >> 16) & 0x0f),
      (this.rawT >> 8) & 0xff,
      this.rawT & 0xff,
    ];
    const crc = crc8Sensirion(data);
    data.push(this.badCrc ? crc ^ 0xff : crc);
    return data.slice(0, count);
  }
}
