// Bosch BME280 (chip id 0x60) / BMP280 (0x58) at register level on I2C.
// Registers: 0x88–0xA1 and 0xE1–0xE7 calibration, 0xD0 id, 0xE0 reset (write 0xB6),
// 0xF2 ctrl_hum, 0xF3 status (bit 3 measuring), 0xF4 ctrl_meas (osrs_t, osrs_p, mode),
// 0xF5 config, 0xF7–0xFE data (press 20 bit, temp 20 bit, hum 16 bit; BMP280 has no hum).
// A write is [reg] (sets the read pointer) or [reg, value, reg, value, ...]; reads auto-increment.
// Forced mode (01) measures once, then the chip returns to sleep; normal mode (11) keeps
// measuring. Results appear in 0xF7.. only when the measurement time (datasheet 9.1) has
// passed; before that, status bit 3 is set and the data registers hold the previous result
// (0x80000/0x8000 after reset). A skipped measurement (oversampling 0) reads 0x80000/0x8000.
import type { I2CDevice } from '../i2c.ts';
import { DATASHEET_CALIBRATION, rawForValues, type Bme280Calibration } from './bme280-compensation.ts';

export interface Bme280Values {
  temperature: number; // °C
  pressure: number; // Pa
  humidity: number; // %RH
}

export interface Bme280Options {
  address?: number; // 0x76 (default) or 0x77
  variant?: 'bme280' | 'bmp280';
  sda?: number;
  scl?: number;
  calibration?: Bme280Calibration;
  /** Values to report; or a function read at each measurement (for drifting simulations). */
  values?: Bme280Values | (() => Bme280Values);
}

const OVERSAMPLING = [0, 1, 2, 4, 8, 16, 16, 16];

export class Bme280 implements I2CDevice {
  readonly address: number;
  readonly sda?: number;
  readonly scl?: number;
  readonly variant: 'bme280' | 'bmp280';
  readonly calibration: Bme280Calibration;
  private values: Bme280Values | (() => Bme280Values);
  /** Raw ADC values fixed by a test (overrides `values`). */
  private fixedRaw: { adcT: number; adcP: number; adcH: number } | undefined;
  private readonly regs = new Uint8Array(256);
  private pointer = 0;
  private readyAt = 0;
  private pending: { adcT: number; adcP: number; adcH: number } | undefined;

  constructor(options: Bme280Options = {}) {
    this.address = options.address ?? 0x76;
    this.sda = options.sda;
    this.scl = options.scl;
    this.variant = options.variant ?? 'bme280';
    this.calibration = options.calibration ?? DATASHEET_CALIBRATION;
    this.values = options.values ?? { temperature: 21, pressure: 101325, humidity: 45 };
    this.powerOn();
  }

  /** New values for the next measurements. */
  set(values: Partial<Bme280Values>): void {
    const current = typeof this.values === 'function' ? this.values() : this.values;
    this.values = { ...current, ...values };
    this.fixedRaw = undefined;
  }

  /** Fixes the raw ADC readings (e.g. the datasheet vector adc_T=519888, adc_P=415148). */
  setRaw(raw: { adcT: number; adcP: number; adcH?: number }): void {
    this.fixedRaw = { adcH: 0x8000, ...raw };
  }

  write(bytes: number[]): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0]!;
    for (let i = 0; i + 1 < bytes.length; i += 2) this.writeRegister(bytes[i]!, bytes[i + 1]!);
  }

  read(count: number): number[] {
    this.completeMeasurement();
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      out.push(this.readRegister(this.pointer));
      this.pointer = (this.pointer + 1) & 0xff;
    }
    return out;
  }

  private powerOn(): void {
    this.regs.fill(0);
    const c = this.calibration;
    const put16 = (reg: number, v: number) => {
      this.regs[reg] = v & 0xff;
      this.regs[reg + 1] = (v >> 8) & 0xff;
    };
    for (const [i, v] of [c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9].entries()) put16(0x88 + 2 * i, v);
    this.regs[0xd0] = this.variant === 'bme280' ? 0x60 : 0x58;
    if (this.variant === 'bme280') {
      this.regs[0xa1] = c.H1 & 0xff;
      put16(0xe1, c.H2);
      this.regs[0xe3] = c.H3 & 0xff;
      this.regs[0xe4] = (c.H4 >> 4) & 0xff;
      this.regs[0xe5] = (c.H4 & 0x0f) | ((c.H5 & 0x0f) << 4);
      this.regs[0xe6] = (c.H5 >> 4) & 0xff;
      this.regs[0xe7] = c.H6 & 0xff;
    }
    this.storeData({ adcT: 0x80000, adcP: 0x80000, adcH: 0x8000 });
    this.pending = undefined;
  }

  private writeRegister(reg: number, value: number): void {
    if (reg === 0xe0) {
      if (value === 0xb6) this.powerOn();
      return;
    }
    if (reg === 0xf2 && this.variant === 'bme280') this.regs[0xf2] = value & 0x07;
    else if (reg === 0xf5) this.regs[0xf5] = value;
    else if (reg === 0xf4) {
      this.regs[0xf4] = value;
      if ((value & 0x03) !== 0) this.startMeasurement();
    }
  }

  private readRegister(reg: number): number {
    if (reg === 0xf3) return Date.now() < this.readyAt ? 0x08 : 0x00;
    if ((reg === 0xf2 || (reg >= 0xfd && reg <= 0xfe) || (reg >= 0xe1 && reg <= 0xe7)) && this.variant === 'bmp280') return 0x00;
    return this.regs[reg]!;
  }

  private startMeasurement(): void {
    const osT = OVERSAMPLING[(this.regs[0xf4]! >> 5) & 7]!;
    const osP = OVERSAMPLING[(this.regs[0xf4]! >> 2) & 7]!;
    const osH = this.variant === 'bme280' ? OVERSAMPLING[this.regs[0xf2]! & 7]! : 0;
    // Datasheet 9.1, maximum measurement time in ms.
    const ms = 1.25 + 2.3 * osT + (osP ? 2.3 * osP + 0.575 : 0) + (osH ? 2.3 * osH + 0.575 : 0);
    this.readyAt = Date.now() + Math.ceil(ms);
    const raw = this.fixedRaw ?? rawForValues(typeof this.values === 'function' ? this.values() : this.values, this.calibration);
    this.pending = {
      adcT: osT ? raw.adcT : 0x80000,
      adcP: osP ? raw.adcP : 0x80000,
      adcH: osH ? raw.adcH : 0x8000,
    };
  }

  private completeMeasurement(): void {
    const mode = this.regs[0xf4]! & 0x03;
    if (mode === 0x03 && !this.pending) this.startMeasurement();
    if (!this.pending || Date.now() < this.readyAt) return;
    this.storeData(this.pending);
    this.pending = undefined;
    // Forced mode: back to sleep after one measurement.
    if (mode === 0x01 || mode === 0x02) this.regs[0xf4] = this.regs[0xf4]! & ~0x03;
  }

  private storeData(raw: { adcT: number; adcP: number; adcH: number }): void {
    this.regs[0xf7] = (raw.adcP >> 12) & 0xff;
    this.regs[0xf8] = (raw.adcP >> 4) & 0xff;
    this.regs[0xf9] = (raw.adcP & 0x0f) << 4;
    this.regs[0xfa] = (raw.adcT >> 12) & 0xff;
    this.regs[0xfb] = (raw.adcT >> 4) & 0xff;
    this.regs[0xfc] = (raw.adcT & 0x0f) << 4;
    this.regs[0xfd] = (raw.adcH >> 8) & 0xff;
    this.regs[0xfe] = raw.adcH & 0xff;
  }
}
