// What the Espruino interpreter (ESP32 build) offers beyond ES5, per ../shared/ESPRUINO.md,
// and the globals the firmware uses. Only what was measured to exist is declared here.

interface Array<T> {
  find(predicate: (value: T, index: number) => boolean): T | undefined;
  findIndex(predicate: (value: T, index: number) => boolean): number;
  includes(value: T): boolean;
  fill(value: T, start?: number, end?: number): this;
}

interface String {
  padStart(length: number, fill?: string): string;
  padEnd(length: number, fill?: string): string;
  startsWith(search: string, position?: number): boolean;
  endsWith(search: string, length?: number): boolean;
  includes(search: string, position?: number): boolean;
  repeat(count: number): string;
}

interface ObjectConstructor {
  assign<T extends object, U>(target: T, source: U): T & U;
  values<T>(o: { [key: string]: T }): T[];
  entries<T>(o: { [key: string]: T }): [string, T][];
  setPrototypeOf(o: object, proto: object | null): object;
}

interface Uint8ArrayConstructor {
  new (length: number): Uint8Array;
}

// The modules the firmware requires, with what of each it uses.
declare function require(module: 'Storage'): StorageModule;
declare function require(module: 'Wifi'): WifiModule;
declare function require(module: 'net'): { connect(options: { host: string; port: number }, onConnect: () => void): NetSocket };
declare function require(module: 'ESP32'): { deepSleep(microseconds: number): void };
declare function setTimeout(fn: () => void, ms?: number): number;
declare function setInterval(fn: () => void, ms?: number): number;
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function getTime(): number;
declare function getSerial(): string;
declare function print(...text: unknown[]): void;
declare function load(file?: string): void;
declare function digitalRead(pin: Pin | number): number;
declare function digitalWrite(pin: Pin | number, value: number | boolean): void;
declare function digitalPulse(pin: Pin | number, value: number | boolean, time: number | number[]): void;
declare function pinMode(pin: Pin | number, mode: string, automatic?: boolean): void;
declare function analogRead(pin: Pin | number): number;
declare function setWatch(
  fn: (e: { state: boolean; time: number; lastTime: number }) => void,
  pin: Pin | number,
  options?: { repeat?: boolean; edge?: 'rising' | 'falling' | 'both'; debounce?: number },
): number;
declare function clearWatch(id?: number): void;

interface Pin {
  read(): boolean;
  write(value: boolean): void;
}

declare const console: { log(...text: unknown[]): void };

declare const E: {
  on(event: 'init' | 'kill', fn: () => void): void;
  enableWatchdog(seconds: number, automatic?: boolean): void;
  kickWatchdog(): void;
  reboot(): void;
  CRC32(data: string): number;
  /** Seeds Math.random() (absent on SAVE_ON_FLASH builds). */
  srand?(seed: number): void;
};

declare const process: {
  memory(): { free: number; usage: number; total: number; blocksize: number };
  env: { VERSION: string; BOARD: string };
};

declare const I2C1: I2CBus;
declare const I2C2: I2CBus;
interface I2CBus {
  setup(options: { scl?: Pin | number; sda?: Pin | number; bitrate?: number }): void;
  writeTo(address: number, ...data: (number | number[] | string | Uint8Array)[]): void;
  readFrom(address: number, count: number): Uint8Array;
}

declare class OneWire {
  constructor(pin: Pin | number);
  reset(): boolean;
  select(rom: string): void;
  skip(): void;
  write(data: number | number[], power?: boolean): void;
  read(count?: number): number | Uint8Array;
  search(command?: number): string[];
}

/** A hardware UART (Serial2, Serial3 on the ESP32; Serial1 is the console). */
interface Serial {
  setup(baud: number, options: { rx?: Pin | number; tx?: Pin | number }): void;
  write(data: number | number[] | string): void;
  /** With no 'data' listener, received bytes wait in a buffer (at most 512): read() takes them all. */
  read(chars?: number): string;
  available(): number;
  on(event: 'data', fn: (data: string) => void): void;
}
declare const Serial2: Serial;
declare const Serial3: Serial;

/** require('Storage'): files in the flash. */
interface StorageModule {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  /** What `writeJSON` (or `roomlink flash`) stored under that name: the caller says what it wrote. */
  readJSON<T = unknown>(name: string, noExceptions: true): T | undefined;
  writeJSON(name: string, data: unknown): boolean;
  open(name: string, mode: 'r' | 'w' | 'a'): StorageFile;
  erase(name: string): void;
  getStats(): { fileBytes: number; freeBytes: number; trashBytes: number; totalBytes: number };
  compact(): void;
}

/** A StorageFile (Storage.open): appendable, read line by line. */
interface StorageFile {
  readLine(): string | undefined;
  write(data: string): void;
  getLength(): number;
  erase(): void;
}

/** require('Wifi'): the station side. */
interface WifiModule {
  setHostname(name: string): void;
  connect(ssid: string, options: { password?: string }, callback: (err: unknown) => void): void;
  on(event: 'disconnected', fn: () => void): void;
  getStatus(): { rssi?: number };
}

/** A TCP socket from require('net').connect. */
interface NetSocket {
  on(event: 'data', fn: (data: string) => void): void;
  on(event: 'drain' | 'close', fn: () => void): void;
  removeAllListeners(event: string): void;
  write(data: string): void;
  end(): void;
}
