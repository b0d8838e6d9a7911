// Sensirion SCD40/SCD41 at command level on I2C (address 0x62), as its datasheet describes:
// 16-bit commands, arguments and answers as 16-bit words each followed by a CRC-8 (poly 0x31,
// init 0xFF). Idle after power-up; start_periodic_measurement (0x21B1) gives a new
// measurement every 5 s; get_data_ready_status (0xE4B8) answers a word whose low 11 bits are
// 0 while there is none; read_measurement (0xEC05) answers CO2 (ppm), T (-45 + 175 x w/65535)
// and RH (100 x w/65535) and empties the buffer (read again, it is not acknowledged).
// stop_periodic_measurement (0x3F86) takes 500 ms, during which nothing is acknowledged.
// While measuring it takes only read_measurement, get_data_ready_status, stop,
// set_ambient_pressure (0xE000) and get_ambient_pressure (0xE000 without argument);
// set_sensor_altitude (0x2427), perform_forced_recalibration (0x362F, 400 ms: answer is the
// correction + 0x8000, or 0xFFFF when it had not measured for 3 minutes before the stop),
// get_serial_number (0x3682) and reinit (0x3646) only while idle. Commands it does not take,
// a wrong argument CRC, or reading before a command's execution time, are not acknowledged.
// The device outlives the program (the sensor stays powered while the ESP32 reboots).
import { crc8Sensirion } from '../crc.ts';
import { I2CNack, type I2CDevice } from '../i2c.ts';
import { sensirionWord } from './sht3x.ts';

export interface Scd4xValues {
  co2: number; // ppm
  temperature: number; // °C
  humidity: number; // %RH
}

export interface Scd4xOptions {
  sda?: number;
  scl?: number;
  values?: Scd4xValues | (() => Scd4xValues);
  /** Corrupt the CRC of the CO2 word in read_measurement, to exercise the driver's error path. */
  badCrc?: boolean;
  /** Seconds of measuring a forced recalibration needs before the stop (datasheet: 3 minutes). */
  frcNeedsSeconds?: number;
  /** Measurement period in ms (5000; tests may shorten it). */
  periodMs?: number;
}

export class Scd4x implements I2CDevice {
  readonly address = 0x62;
  readonly sda?: number;
  readonly scl?: number;
  badCrc: boolean;
  /** What the program set, for tests: altitude (m) and ambient pressure (hPa). */
  altitude = 0;
  ambientPressure: number | undefined;
  /** Every command received, in order (for tests). */
  readonly commands: number[] = [];
  private source: Scd4xValues | (() => Scd4xValues);
  private readonly frcNeedsSeconds: number;
  private readonly periodMs: number;
  private measuringSince: number | undefined;
  /** Measurements read so far, counted from measuringSince. */
  private readCount = 0;
  private busyUntil = 0;
  private output: number[] = [];
  private outputAt = 0;
  private measuredBeforeStopMs = 0;

  constructor(options: Scd4xOptions = {}) {
    this.sda = options.sda;
    this.scl = options.scl;
    this.badCrc = options.badCrc ?? false;
    this.source = options.values ?? { co2: 600, temperature: 21, humidity: 45 };
    this.frcNeedsSeconds = options.frcNeedsSeconds ?? 180;
    this.periodMs = options.periodMs ?? 5000;
  }

  set(values: Partial<Scd4xValues>): void {
    const now = typeof this.source === 'function' ? this.source() : this.source;
    this.source = { ...now, ...values };
  }

  get measuring(): boolean {
    return this.measuringSince !== undefined;
  }

  /** Measurements completed since the start, by the clock. */
  private completed(): number {
    return this.measuringSince === undefined ? 0 : Math.floor((Date.now() - this.measuringSince) / this.periodMs);
  }

  write(bytes: number[]): void {
    const now = Date.now();
    if (now < this.busyUntil) throw new I2CNack('SCD4x busy');
    if (bytes.length !== 2 && bytes.length !== 5) throw new I2CNack('SCD4x commands are 2 bytes, or 2 + a word and its CRC');
    const command = (bytes[0]! << 8) | bytes[1]!;
    let arg: number | undefined;
    if (bytes.length === 5) {
      if (crc8Sensirion([bytes[2]!, bytes[3]!]) !== bytes[4]) throw new I2CNack('SCD4x argument CRC mismatch');
      arg = (bytes[2]! << 8) | bytes[3]!;
    }
    const measuring = this.measuring;
    const answer = (words: number[], ms: number) => {
      this.output = words.flatMap((w) => sensirionWord(w));
      this.outputAt = now + ms;
    };
    switch (command) {
      case 0x21b1:
        if (measuring) throw new I2CNack('SCD4x is already measuring');
        this.measuringSince = now;
        this.readCount = 0;
        break;
      case 0x3f86:
        if (this.measuringSince !== undefined) this.measuredBeforeStopMs = now - this.measuringSince;
        this.measuringSince = undefined;
        this.busyUntil = now + 500;
        this.output = [];
        break;
      case 0xe4b8:
        answer([this.completed() > this.readCount ? 0x8006 : 0x8000], 1);
        break;
      case 0xec05: {
        if (!measuring) throw new I2CNack('SCD4x is not measuring');
        if (this.completed() <= this.readCount) {
          this.output = [];
          break;
        }
        this.readCount = this.completed();
        const v = typeof this.source === 'function' ? this.source() : this.source;
        const co2 = Math.max(0, Math.min(40000, Math.round(v.co2)));
        const t = Math.round(((Math.max(-10, Math.min(60, v.temperature)) + 45) / 175) * 65535);
        const rh = Math.round((Math.max(0, Math.min(100, v.humidity)) / 100) * 65535);
        this.output = [...sensirionWord(co2, this.badCrc), ...sensirionWord(t), ...sensirionWord(rh)];
        this.outputAt = now + 1;
        break;
      }
      case 0xe000:
        if (arg === undefined) answer([this.ambientPressure ?? 1013], 1);
        else this.ambientPressure = arg;
        break;
      case 0x2427:
        if (measuring) throw new I2CNack('SCD4x takes the altitude only while idle');
        if (arg === undefined) answer([this.altitude], 1);
        else this.altitude = arg;
        break;
      case 0x362f:
        if (measuring || arg === undefined) throw new I2CNack('SCD4x recalibrates only while idle, with a target');
        {
          const v = typeof this.source === 'function' ? this.source() : this.source;
          answer([this.measuredBeforeStopMs >= this.frcNeedsSeconds * 1000 ? (0x8000 + arg - Math.round(v.co2)) & 0xffff : 0xffff], 400);
        }
        this.busyUntil = now + 400;
        break;
      case 0x3682:
        if (measuring) throw new I2CNack('SCD4x answers its serial number only while idle');
        answer([0xf896, 0x9f07, 0x3bb3], 1);
        break;
      case 0x3646:
        if (measuring) throw new I2CNack('SCD4x reinitialises only while idle');
        this.busyUntil = now + 30;
        break;
      default:
        throw new I2CNack(`unknown SCD4x command 0x${command.toString(16)}`);
    }
    this.commands.push(command);
  }

  read(count: number): number[] {
    if (this.output.length === 0 || Date.now() < this.outputAt) throw new I2CNack('SCD4x has nothing to send');
    const out = this.output.slice(0, count);
    this.output = [];
    return out;
  }
}
