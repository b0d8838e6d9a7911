// The simulated hardware around the chip, and plausible defaults for a node config's
// sensors (devicesForSensors) so that `roomlink sim` works with any config.
import type { I2CDevice } from '../i2c.ts';
import type { OneWireDevice } from '../onewire.ts';
import type { SimPins } from '../pins.ts';
import type { UartDevice } from '../uart.ts';
import { Aht20 } from './aht20.ts';
import { indoorAir, occupant } from './air.ts';
import { Bh1750 } from './bh1750.ts';
import { Bme280 } from './bme280.ts';
import { Dht22 } from './dht22.ts';
import { drifting, hashSeed, seededRandom } from './drift.ts';
import { Ds18b20 } from './ds18b20.ts';
import { Htu21d } from './htu21d.ts';
import { Ld2410 } from './ld2410.ts';
import { Mhz19 } from './mhz19.ts';
import { Pms5003 } from './pms5003.ts';
import { Scd4x } from './scd4x.ts';
import { Sht3x } from './sht3x.ts';

export { Aht20, Bh1750, Bme280, Dht22, Ds18b20, Htu21d, Ld2410, Mhz19, Pms5003, Scd4x, Sht3x };

/** Something wired to GPIO pins that reacts to what the program drives (e.g. a DHT22). */
export interface PinDevice {
  attach(pins: SimPins, clock: () => number): () => void;
}

/** A digital input that changes by itself now and then (PIR, door contact). */
export interface BinaryInput {
  pin: number;
  /** Level while idle. */
  idle: 0 | 1;
  /** Mean seconds between activations, and how long one lasts. */
  meanIntervalS: number;
  activeS: number;
  seed: number;
}

export interface SimDevices {
  i2c?: I2CDevice[];
  oneWire?: OneWireDevice[];
  /** Devices on UARTs (PMS5003, MH-Z19, LD2410), found by the pin their TX is wired to. */
  uart?: UartDevice[];
  pinDevices?: PinDevice[];
  /** Analog levels as fractions of full scale, fixed or drifting. */
  analog?: Record<number, number | (() => number)>;
  /** Fixed digital input levels. */
  digital?: Record<number, 0 | 1>;
  /** Inputs that toggle by themselves. */
  binary?: BinaryInput[];
}

/** The parts of a runtime devices attach to. */
export interface DeviceHost {
  readonly pins: SimPins;
  readonly i2c: { add(device: I2CDevice): unknown };
  readonly oneWire: { add(device: OneWireDevice): unknown };
  readonly uart: { add(device: UartDevice): unknown };
  now(): number;
}

/** Wires devices to the board; returns a function that detaches them and stops their timers. */
export function attachDevices(devices: SimDevices, host: DeviceHost): () => void {
  const cleanups: Array<() => void> = [];
  for (const d of devices.i2c ?? []) host.i2c.add(d);
  for (const d of devices.oneWire ?? []) host.oneWire.add(d);
  for (const d of devices.uart ?? []) host.uart.add(d);
  for (const d of devices.pinDevices ?? []) cleanups.push(d.attach(host.pins, () => host.now()));
  for (const [pin, level] of Object.entries(devices.digital ?? {})) host.pins.setDigital(Number(pin), level);
  for (const [pin, level] of Object.entries(devices.analog ?? {})) {
    if (typeof level === 'number') host.pins.setAnalog(Number(pin), level);
    else {
      // Drifting analog values are sampled every second.
      host.pins.setAnalog(Number(pin), level());
      const timer = setInterval(() => host.pins.setAnalog(Number(pin), level()), 1000);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    }
  }
  for (const input of devices.binary ?? []) cleanups.push(toggleNowAndThen(input, host.pins));
  return () => {
    for (const cleanup of cleanups) cleanup();
  };
}

function toggleNowAndThen(input: BinaryInput, pins: SimPins): () => void {
  const random = seededRandom(input.seed);
  let timer: NodeJS.Timeout | undefined;
  pins.setDigital(input.pin, input.idle);
  const scheduleActivation = () => {
    // Exponential gaps: activations come at random, on average every meanIntervalS.
    const gap = -Math.log(1 - random()) * input.meanIntervalS * 1000;
    timer = setTimeout(() => {
      pins.setDigital(input.pin, input.idle ? 0 : 1);
      timer = setTimeout(() => {
        pins.setDigital(input.pin, input.idle);
        scheduleActivation();
      }, input.activeS * 1000);
      timer.unref();
    }, gap);
    timer.unref();
  };
  scheduleActivation();
  return () => clearTimeout(timer);
}

/** One entry of a node config's `sensors` array (only the fields devices need). */
export interface SensorEntry {
  type: string;
  measurement?: string;
  address?: number;
  sda?: number;
  scl?: number;
  pin?: number;
  rx?: number;
  tx?: number;
  scale?: number;
  offset?: number;
  invert?: boolean;
  debounce?: number;
}

/** Plausible simulated devices for a node config's sensors; `seed` makes runs reproducible. */
export function devicesForSensors(sensors: SensorEntry[], seed = 1): SimDevices {
  const devices: Required<SimDevices> = { i2c: [], oneWire: [], uart: [], pinDevices: [], analog: {}, digital: {}, binary: [] };
  // One room's air for all of a node's CO2 and particle sensors: a cooking spike shows in both.
  const air = indoorAir({ seed: hashSeed(`${seed}:air`) });
  sensors.forEach((sensor, index) => {
    const s = hashSeed(`${seed}:${index}:${sensor.type}`);
    const temperature = drifting({ seed: s, center: 21.5, amplitude: 2.5 });
    const humidity = drifting({ seed: s + 1, center: 45, amplitude: 10, min: 0, max: 100 });
    const pressure = drifting({ seed: s + 2, center: 101325, amplitude: 900 });
    const wiring = { sda: sensor.sda, scl: sensor.scl };
    switch (sensor.type) {
      case 'bme280':
      case 'bmp280':
        devices.i2c.push(
          new Bme280({
            ...wiring,
            address: sensor.address ?? 0x76,
            variant: sensor.type,
            values: () => ({ temperature: temperature(), pressure: pressure(), humidity: humidity() }),
          }),
        );
        break;
      case 'sht3x':
        devices.i2c.push(new Sht3x({ ...wiring, address: sensor.address ?? 0x44, values: () => ({ temperature: temperature(), humidity: humidity() }) }));
        break;
      case 'aht20':
        devices.i2c.push(new Aht20({ ...wiring, values: () => ({ temperature: temperature(), humidity: humidity() }) }));
        break;
      case 'scd4x':
        devices.i2c.push(new Scd4x({ ...wiring, values: () => ({ co2: air().co2, temperature: temperature(), humidity: humidity() }) }));
        break;
      case 'htu21d':
        devices.i2c.push(new Htu21d({ ...wiring, values: () => ({ temperature: temperature(), humidity: humidity() }) }));
        break;
      case 'bh1750':
        devices.i2c.push(new Bh1750({ ...wiring, address: sensor.address ?? 0x23, lux: drifting({ seed: s, center: 300, amplitude: 250, min: 0 }) }));
        break;
      case 'pms5003':
        devices.uart.push(new Pms5003({ rx: sensor.rx, tx: sensor.tx, values: air }));
        break;
      case 'mhz19':
        devices.uart.push(new Mhz19({ rx: sensor.rx, tx: sensor.tx, co2: () => air().co2 }));
        break;
      case 'ld2410':
        devices.uart.push(new Ld2410({ rx: sensor.rx, tx: sensor.tx, target: occupant({ seed: s }) }));
        break;
      case 'ds18b20':
        devices.oneWire.push(new Ds18b20({ pin: sensor.pin ?? 4, seed: s, temperature }));
        break;
      case 'dht22':
        devices.pinDevices.push(new Dht22({ pin: sensor.pin ?? 15, values: () => ({ temperature: temperature(), humidity: humidity() }) }));
        break;
      case 'analog': {
        const pin = sensor.pin ?? 36;
        const scale = sensor.scale ?? 1;
        const offset = sensor.offset ?? 0;
        // Pick a plausible reading in the measurement's units, then invert value = raw*scale+offset.
        const target =
          sensor.measurement === 'battery'
            ? drifting({ seed: s, center: 3.9, amplitude: 0.1 })
            : sensor.measurement === 'voltage'
              ? drifting({ seed: s, center: 3.3, amplitude: 0.05 })
              : drifting({ seed: s, center: 300, amplitude: 250, min: 0 });
        const fraction = () => {
          const raw = scale !== 0 ? (target() - offset) / scale : 0.5;
          return Math.min(1, Math.max(0, Number.isFinite(raw) ? raw : 0.5));
        };
        devices.analog[pin] =
          sensor.measurement === 'illuminance' || sensor.measurement === 'battery' || sensor.measurement === 'voltage'
            ? fraction
            : drifting({ seed: s, center: 0.5, amplitude: 0.3, min: 0, max: 1 });
        break;
      }
      case 'binary': {
        const idle: 0 | 1 = sensor.invert ? 1 : 0;
        const mean = sensor.measurement === 'door' ? 300 : 90;
        const active = sensor.measurement === 'door' ? 20 : 8;
        devices.binary.push({ pin: sensor.pin ?? 27, idle, meanIntervalS: mean, activeS: active, seed: s });
        break;
      }
      default:
        // 'sim' sensors and unknown types need no hardware.
        break;
    }
  });
  return devices;
}
