// I2C: simulated devices wired to SDA/SCL pins, and the program's I2C1/I2C2/new I2C().
// A bus sees the devices wired to the pins it was set up on (ESP32 defaults: I2C1 SDA D21,
// SCL D22; I2C2 SDA D25, SCL D26). A missing device, or using a bus before setup(), throws
// like ESP32 Espruino's driver: "jshI2CWrite: slave doesn't ACK the transfer".
import { flattenBytes } from './binary.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { pinNumber } from './gpio-api.ts';

export interface I2CDevice {
  /** 7-bit address. */
  readonly address: number;
  /** Wiring; defaults to I2C1's pins (SDA 21, SCL 22). */
  readonly sda?: number;
  readonly scl?: number;
  /** One write transaction (START, address+W, bytes, STOP). */
  write(bytes: number[]): void;
  /** One read transaction of `count` bytes. */
  read(count: number): number[];
}

/** Thrown by a device that does not acknowledge (e.g. an SHT3x read before its measurement is done). */
export class I2CNack extends Error {}

export const I2C1_DEFAULT_PINS = { sda: 21, scl: 22 };
const I2C2_DEFAULT_PINS = { sda: 25, scl: 26 };

/** Host side: the I2C devices on the board. */
export class SimI2C {
  readonly devices: I2CDevice[] = [];

  add(device: I2CDevice): this {
    this.devices.push(device);
    return this;
  }

  find(sda: number, scl: number, address: number): I2CDevice | undefined {
    return this.devices.find((d) => d.address === address && (d.sda ?? I2C1_DEFAULT_PINS.sda) === sda && (d.scl ?? I2C1_DEFAULT_PINS.scl) === scl);
  }
}

function createBus(realm: Realm, loop: EventLoop, sim: SimI2C, defaults: { sda: number; scl: number } | undefined): object {
  let wiring: { sda: number; scl: number } | undefined;
  const deviceAt = (addressArg: unknown, op: 'jshI2CWrite' | 'jshI2CRead'): I2CDevice => {
    loop.guard();
    const address = typeof addressArg === 'object' && addressArg !== null ? Number((addressArg as { address: unknown }).address) : Number(addressArg);
    const device = wiring && sim.find(wiring.sda, wiring.scl, address & 0x7f);
    if (!device) throw realm.error('Error', `${op}: slave doesn't ACK the transfer`);
    return device;
  };
  const nackAsError = <T>(transfer: () => T, op: string): T => {
    try {
      return transfer();
    } catch (err) {
      if (err instanceof I2CNack) throw realm.error('Error', `${op}: slave doesn't ACK the transfer`);
      throw err;
    }
  };
  return realm.object({
    setup(options?: { sda?: unknown; scl?: unknown; bitrate?: unknown }) {
      loop.guard();
      const sda = options?.sda !== undefined ? pinNumber(realm, options.sda) : defaults?.sda;
      const scl = options?.scl !== undefined ? pinNumber(realm, options.scl) : defaults?.scl;
      if (sda === undefined || scl === undefined) throw realm.error('Error', 'I2C: sda and scl pins are required');
      wiring = { sda, scl };
    },
    writeTo(address: unknown, ...data: unknown[]) {
      const device = deviceAt(address, 'jshI2CWrite');
      nackAsError(() => device.write(flattenBytes(...data)), 'jshI2CWrite');
    },
    readFrom(address: unknown, count: unknown) {
      const n = Math.max(0, Number(count) || 0);
      const device = deviceAt(address, 'jshI2CRead');
      const bytes = nackAsError(() => device.read(n), 'jshI2CRead');
      return realm.bytes(bytes.slice(0, n).concat(new Array(Math.max(0, n - bytes.length)).fill(0xff)));
    },
  });
}

export function installI2C(realm: Realm, loop: EventLoop, sim: SimI2C): void {
  realm.global.I2C1 = createBus(realm, loop, sim, I2C1_DEFAULT_PINS);
  realm.global.I2C2 = createBus(realm, loop, sim, I2C2_DEFAULT_PINS);
  // Software I2C: `new I2C()` then setup({sda, scl}) with explicit pins.
  realm.global.I2C = function I2C() {
    return createBus(realm, loop, sim, undefined);
  };
}
