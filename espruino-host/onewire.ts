// 1-Wire: simulated devices on pins, and the program's `new OneWire(pin)`. Bytes travel
// LSB first; several devices answering at once pull the bus low together (wired-AND), so a
// read is the AND of what every talking device sends. ROM codes are 16 hex chars in wire
// order (family code first, CRC last), as Espruino's search() returns them.
import { flattenBytes } from './binary.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { pinNumber } from './gpio-api.ts';

export interface OneWireDevice {
  readonly pin: number;
  /** 8 ROM bytes in wire order. */
  readonly rom: number[];
  /** False simulates a sensor that does not answer the reset pulse. */
  readonly present: boolean;
  /** A reset pulse: the device waits for a ROM command. */
  reset(): void;
  /** A byte the master wrote while this device is selected (after the ROM command). */
  writeByte(byte: number): void;
  /** The byte this device puts on the bus for a read slot while selected (0xFF when idle). */
  readByte(): number;
}

/** Host side: the 1-Wire devices on the board. */
export class SimOneWire {
  readonly devices: OneWireDevice[] = [];

  add(device: OneWireDevice): this {
    this.devices.push(device);
    return this;
  }

  on(pin: number): OneWireDevice[] {
    return this.devices.filter((d) => d.pin === pin && d.present);
  }
}

export function romToString(rom: number[]): string {
  return rom.map((b) => b.toString(16).padStart(2, '0')).join('');
}

function romFromString(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < text.length && out.length < 8; i += 2) out.push(parseInt(text.slice(i, i + 2), 16) & 0xff);
  return out;
}

type BusState = 'idle' | 'rom-command' | 'match-rom' | 'selected';

export function installOneWire(realm: Realm, loop: EventLoop, sim: SimOneWire): void {
  // Returns an object of the program's realm; `new OneWire(pin)` uses it as the instance.
  realm.global.OneWire = function OneWire(pinArg: unknown) {
    const pin = pinNumber(realm, pinArg);
    const self = realm.object({}) as Record<string, unknown>;
    let state: BusState = 'idle';
    let selected: OneWireDevice[] = [];
    let matchBytes: number[] = [];

    const writeByte = (byte: number) => {
      const devices = sim.on(pin);
      switch (state) {
        case 'idle':
          return; // no reset pulse yet: every device ignores the bus
        case 'rom-command':
          if (byte === 0xcc) {
            selected = devices;
            state = 'selected';
          } else if (byte === 0x55) {
            matchBytes = [];
            state = 'match-rom';
          } else if (byte === 0x33) {
            // Read ROM: only meaningful with one device; the read slots then return its ROM.
            selected = devices;
            state = 'selected';
            for (const d of selected) d.writeByte(0x33);
          } else state = 'idle';
          return;
        case 'match-rom':
          matchBytes.push(byte);
          if (matchBytes.length === 8) {
            const wanted = matchBytes.join(',');
            selected = devices.filter((d) => d.rom.join(',') === wanted);
            state = 'selected';
          }
          return;
        case 'selected':
          for (const d of selected) d.writeByte(byte);
      }
    };
    const readByte = (): number => {
      if (state !== 'selected') return 0xff;
      return selected.reduce((acc, d) => acc & d.readByte(), 0xff);
    };

    self.pin = pin;
    self.reset = () => {
      loop.guard();
      const devices = sim.on(pin);
      for (const d of devices) d.reset();
      state = devices.length > 0 ? 'rom-command' : 'idle';
      selected = [];
      return devices.length > 0;
    };
    self.skip = () => {
      loop.guard();
      writeByte(0xcc);
    };
    self.select = (rom: unknown) => {
      loop.guard();
      writeByte(0x55);
      for (const b of romFromString(String(rom))) writeByte(b);
    };
    self.write = (data: unknown, _power?: unknown) => {
      loop.guard();
      for (const b of flattenBytes(data)) writeByte(b);
    };
    self.read = (count?: unknown) => {
      loop.guard();
      if (count === undefined) return readByte();
      const n = Math.max(0, Number(count) || 0);
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(readByte());
      return realm.bytes(out);
    };
    self.search = (_command?: unknown) => {
      loop.guard();
      // The search algorithm's outcome: every present device's ROM, in ascending ROM order.
      const found = sim
        .on(pin)
        .map((d) => romToString(d.rom))
        .sort();
      for (const d of sim.on(pin)) d.reset();
      state = 'idle';
      return realm.array(found);
    };
    return self;
  };
}
