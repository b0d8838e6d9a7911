// Espruino's own globals for the program: E, process, console/print, timers, getTime,
// getSerial, btoa/atob, load/reset and require() for the built-in modules only.
import { binaryStringOfBytes, bytesOfBinaryString, flattenBytes } from './binary.ts';
import { crc32 } from './crc.ts';
import { formatLogLine } from './format.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';

/** ESP32 build: variable blocks available to JavaScript. */
export const TOTAL_BLOCKS = 16383;
export const BLOCK_SIZE = 14;

export interface ApiHooks {
  print(text: string): void;
  board: 'linux' | 'esp32';
  version: string;
  serial: string;
  /** Seconds, as getTime() returns them. */
  now(): number;
  setTime(seconds: number): void;
  blocksUsed(): number;
  blocksOf(value: unknown): number;
  /** Built-in module by name, or undefined when this board has no such module. */
  module(name: string): object | undefined;
  reboot(): never;
  /** load(): restart the interpreter and run .bootcde; reset(): restart without it. */
  softReset(runBootCode: boolean): never;
  enableWatchdog(timeoutSeconds: number, automatic: boolean): void;
  kickWatchdog(): void;
}

export function installEspruinoApi(realm: Realm, loop: EventLoop, hooks: ApiHooks): void {
  const g = realm.global;
  const log = (...args: unknown[]) => {
    loop.guard();
    hooks.print(`${formatLogLine(args)}\r\n`);
  };

  g.global = g;
  g.print = log;
  g.console = realm.object({ log, debug: log, info: log, warn: log, error: log });

  g.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => loop.setTimer(fn, ms, args, false);
  g.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => loop.setTimer(fn, ms, args, true);
  g.clearTimeout = (id?: unknown) => loop.clearTimer(id);
  g.clearInterval = (id?: unknown) => loop.clearTimer(id);

  g.getTime = () => hooks.now();
  g.setTime = (seconds: unknown) => hooks.setTime(Number(seconds) || 0);
  g.getSerial = () => hooks.serial;
  g.btoa = (text: unknown) => Buffer.from(bytesOfBinaryString(String(text))).toString('base64');
  g.atob = (text: unknown) => binaryStringOfBytes(Buffer.from(String(text), 'base64'));
  g.load = () => hooks.softReset(true);
  g.reset = () => hooks.softReset(false);
  g.setDeepSleep = () => {};
  g.setSleepIndicator = () => {};
  g.setBusyIndicator = () => {};

  const modules = new Map<string, object>();
  g.require = (name: unknown) => {
    loop.guard();
    const key = String(name);
    let found = modules.get(key);
    if (!found) {
      found = hooks.module(key);
      if (!found) throw realm.error('Error', `Module "${key}" not found`);
      modules.set(key, found);
    }
    return found;
  };

  g.process = realm.object({
    version: hooks.version,
    env: realm.object({
      VERSION: hooks.version,
      BOARD: hooks.board === 'esp32' ? 'ESP32' : 'LINUX',
      SERIAL: hooks.serial,
      CONSOLE: hooks.board === 'esp32' ? 'Serial1' : 'USB',
      MODULES: hooks.board === 'esp32' ? 'Storage,net,Wifi,ESP32' : 'Storage,net',
    }),
    memory: () => {
      const usage = Math.min(TOTAL_BLOCKS, hooks.blocksUsed());
      return realm.object({ free: TOTAL_BLOCKS - usage, usage, total: TOTAL_BLOCKS, history: 0, gc: 0, gctime: 0, blocksize: BLOCK_SIZE });
    },
  });

  g.E = realm.object({
    CRC32: (data: unknown) => crc32(flattenBytes(data)),
    toUint8Array: (...args: unknown[]) => realm.bytes(flattenBytes(...args)),
    toString: (...args: unknown[]) => binaryStringOfBytes(flattenBytes(...args)),
    getSizeOf: (value: unknown) => hooks.blocksOf(value),
    getTemperature: () => 40 + Math.round(Math.random() * 40) / 10,
    getAnalogVRef: () => 3.3,
    // On an ESP32 hwRand is rand() too (targets/esp32/jshardware.c): Math.random's sequence.
    hwRand: () => (realm.random() * 0x80000000) | 0,
    srand: (seed: unknown) => realm.seedRandom(Number(seed) | 0),
    getErrorFlags: () => realm.array([]),
    enableWatchdog: (timeout: unknown, isAuto?: unknown) => hooks.enableWatchdog(Number(timeout) || 1, isAuto === undefined || Boolean(isAuto)),
    kickWatchdog: () => hooks.kickWatchdog(),
    reboot: () => hooks.reboot(),
  });
}
