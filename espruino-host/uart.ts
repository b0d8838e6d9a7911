// UARTs: the program's Serial2/Serial3 and simulated devices wired to their pins, as on
// Espruino's ESP32 port (targets/esp32/jshardwareUart.c, src/jswrap_serial.c,
// src/jswrap_stream.c):
// - setup(baud, {rx, tx}) wires the UART to the device whose TX is on `rx`;
// - received bytes come as binary strings in 'data' events, in chunks of what arrived in
//   ~5 ms (the port polls its UART driver that often); with no 'data' listener they wait in
//   a buffer of at most 512 bytes (later bytes are dropped) that read() and available() take;
// - a device at another baud rate than the UART's is heard as garbage, both ways.
// Serial1 is the console on the ESP32 and is not offered to the program here.
import { binaryStringOfBytes, flattenBytes } from './binary.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { pinNumber } from './gpio-api.ts';
import { seededRandom } from './devices/drift.ts';

/** Espruino's STREAM_MAX_BUFFER_SIZE: what waits for read() without a 'data' listener. */
export const SERIAL_BUFFER_BYTES = 512;

export interface UartDevice {
  /** The ESP32 pin the device's TX is wired to (the UART's rx). */
  readonly rx: number;
  /** The ESP32 pin wired to the device's RX (the UART's tx), if it listens. */
  readonly tx?: number;
  readonly baud: number;
  /** The UART was set up on the device's pins: `send` transmits to it. Returns the disconnect. */
  connect(send: (bytes: number[]) => void): () => void;
  /** Bytes the program transmitted to the device. */
  receive(bytes: number[]): void;
}

/** Host side: the UART devices on the board. */
export class SimUart {
  readonly devices: UartDevice[] = [];

  add(device: UartDevice): this {
    this.devices.push(device);
    return this;
  }

  find(rx: number): UartDevice | undefined {
    return this.devices.find((d) => d.rx === rx);
  }
}

/** Bytes as a device at `from` baud is heard by a UART at `to`: itself, or garbage. */
function heard(bytes: number[], from: number, to: number, random: () => number): number[] {
  if (from === to) return bytes;
  // A different bit time: start bits fall anywhere; about as many bytes, none of them right.
  const n = Math.max(1, Math.round((bytes.length * to) / from));
  return Array.from({ length: n }, () => Math.floor(random() * 256));
}

function createSerial(realm: Realm, loop: EventLoop, sim: SimUart, name: string): object {
  const random = seededRandom(name.length * 7919);
  let baud = 9600;
  let device: UartDevice | undefined;
  let disconnect: (() => void) | undefined;
  let release: (() => void) | undefined;
  let buffer = '';
  const listeners: unknown[] = [];
  // When the line is next free (ms, host clock): bytes are delivered in order.
  let rxFree = 0;

  const deliver = (text: string) => {
    if (!loop.isAlive) return;
    if (listeners.length > 0) {
      for (const fn of listeners) loop.queue(fn, [text]);
    } else if (buffer.length < SERIAL_BUFFER_BYTES) {
      buffer += text.slice(0, SERIAL_BUFFER_BYTES - buffer.length);
    }
  };

  const fromDevice = (bytes: number[]) => {
    if (!loop.isAlive || !device) return;
    const data = heard(bytes, device.baud, baud, random);
    // 10 bits per byte; chunks of what arrives in 5 ms.
    const perChunk = Math.max(1, Math.floor(baud / 10 / 200));
    const start = Math.max(Date.now(), rxFree);
    for (let i = 0; i < data.length; i += perChunk) {
      const chunk = data.slice(i, i + perChunk);
      const at = start + ((i + chunk.length) * 10 * 1000) / baud;
      const timer = setTimeout(
        () => {
          done();
          deliver(binaryStringOfBytes(chunk));
        },
        Math.max(0, at - Date.now()),
      );
      const done = loop.own(() => clearTimeout(timer));
    }
    rxFree = start + (data.length * 10 * 1000) / baud;
  };

  const unwire = () => {
    disconnect?.();
    disconnect = undefined;
    release?.();
    release = undefined;
    device = undefined;
  };

  return realm.object({
    setup(rate?: unknown, options?: { rx?: unknown; tx?: unknown }) {
      loop.guard();
      baud = Number(rate) || 9600;
      unwire();
      if (options?.rx === undefined) return;
      const rx = pinNumber(realm, options.rx);
      const tx = options.tx === undefined ? undefined : pinNumber(realm, options.tx);
      const found = sim.find(rx);
      if (!found) return;
      device = found;
      // A device listens only if the UART's TX is wired to its RX.
      const wiredTx = found.tx === undefined || found.tx === tx;
      disconnect = found.connect(fromDevice);
      release = loop.own(() => {
        disconnect?.();
        disconnect = undefined;
      });
      if (!wiredTx) device = Object.assign(Object.create(found), { receive() {} }) as UartDevice;
    },
    write(...data: unknown[]) {
      loop.guard();
      const bytes = flattenBytes(...data);
      const to = device;
      if (!to || bytes.length === 0) return;
      const ms = (bytes.length * 10 * 1000) / baud;
      const timer = setTimeout(() => {
        done();
        if (loop.isAlive) to.receive(heard(bytes, baud, to.baud, random));
      }, ms);
      const done = loop.own(() => clearTimeout(timer));
    },
    print(text: unknown) {
      (this as { write(d: unknown): void }).write(String(text));
    },
    read(chars?: unknown) {
      const n = Number(chars) || 0;
      const out = n > 0 ? buffer.slice(0, n) : buffer;
      buffer = n > 0 ? buffer.slice(n) : '';
      return out;
    },
    available() {
      return listeners.length > 0 ? 0 : buffer.length;
    },
    on(event: unknown, fn: unknown) {
      loop.guard();
      if (event !== 'data' || typeof fn !== 'function') return;
      listeners.push(fn);
      // Espruino hands what waited in the buffer to the first listener.
      if (buffer) {
        const text = buffer;
        buffer = '';
        deliver(text);
      }
    },
    removeAllListeners(event?: unknown) {
      if (event === undefined || event === 'data') listeners.length = 0;
    },
  });
}

export function installUarts(realm: Realm, loop: EventLoop, sim: SimUart): void {
  realm.global.Serial2 = createSerial(realm, loop, sim, 'Serial2');
  realm.global.Serial3 = createSerial(realm, loop, sim, 'Serial3');
}
