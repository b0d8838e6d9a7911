// EspruinoRuntime: runs the firmware file, unchanged, in a Node `vm` context that behaves
// like Espruino 2v29 on an ESP32 where it matters (built-ins, Storage, net, WiFi, deep sleep,
// GPIO, I2C, 1-Wire, UARTs, timers, uncaught errors). Each boot gets a fresh context; Storage,
// the WiFi access point, pin levels and devices persist like the hardware around the chip.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { attachDevices, type SimDevices } from './devices/index.ts';
import { binaryStringOfBytes } from './binary.ts';
import { createEsp32Module, WAKEUP_TIMER, WAKEUP_UNDEFINED } from './esp32.ts';
import { installEspruinoApi } from './espruino-api.ts';
import { formatUncaught } from './format.ts';
import { removeMissingBuiltins } from './globals.ts';
import { installGpio } from './gpio-api.ts';
import { SimI2C, installI2C } from './i2c.ts';
import { EventLoop, ProgramHalt } from './loop.ts';
import { estimateMemory, takeBaseline, type Baseline, type MemoryEstimate } from './memory.ts';
import { SimNet, createNetModule } from './net.ts';
import { SimOneWire, installOneWire } from './onewire.ts';
import { SimUart, installUarts } from './uart.ts';
import { SimPins } from './pins.ts';
import { Realm } from './realm.ts';
import { SimStorage } from './storage.ts';
import { createStorageModule } from './storage-module.ts';
import { SimWifi, createWifiModule, type AccessPoint } from './wifi.ts';

export interface EspruinoRuntimeOptions {
  /** Storage backed by files in this dir; survives reboot() and a new runtime on the same dir. */
  storageDir: string;
  /** 'esp32': require("Wifi") and require("ESP32") exist; 'linux' (default): they throw like the Linux port. */
  board?: 'linux' | 'esp32';
  /** Simulated hardware around the chip. */
  devices?: SimDevices;
  /** Everything the program prints, with "\r\n" line ends. */
  onOutput?: (text: string) => void;
  /** getSerial(). */
  serial?: string;
  /** process.env.VERSION. */
  version?: string;
  /** 'auto' (default): wake from deep sleep by itself after the sleep time; 'manual': the host calls reboot(). */
  wakeFromDeepSleep?: 'auto' | 'manual';
  /** Multiplies deep-sleep durations (0.01 makes a 60 s sleep last 0.6 s). Default 1. */
  sleepTimeScale?: number;
  /** The WiFi access point the esp32 board sees. */
  accessPoint?: AccessPoint;
  /** How long net.connect may block (ms, default 5000). */
  connectTimeoutMs?: number;
  /** A slow link: a socket's 'drain' comes this long after its data was sent (ms, default 0). */
  sendDelayMs?: number;
  /** Blocks the interpreter itself uses before the program, added to process.memory().usage. Default 300. */
  baseBlocks?: number;
}

const PRELUDE = readFileSync(join(PROJECT_ROOT, 'espruino-host/prelude.js'), 'utf8');

/** How a text file's characters reach Espruino: as the bytes of its UTF-8 encoding. */
function asUploadedBytes(code: string): string {
  return /[\u0080-\uffff]/.test(code) ? binaryStringOfBytes(Buffer.from(code, 'utf8')) : code;
}

export class EspruinoRuntime extends EventEmitter {
  readonly storage: SimStorage;
  readonly wifi: SimWifi;
  readonly pins: SimPins;
  readonly net = new SimNet();
  readonly i2c = new SimI2C();
  readonly oneWire = new SimOneWire();
  readonly uart = new SimUart();
  readonly board: 'linux' | 'esp32';

  private realm: Realm | undefined;
  private loop: EventLoop | undefined;
  private baseline: Baseline | undefined;
  /** Set by deep sleep; the next boot reports a timer wake-up. */
  private asleep = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private rebootTimer: NodeJS.Immediate | undefined;
  private watchdog: { timer: NodeJS.Timeout; kickedAt: number; timeoutMs: number } | undefined;
  private clockOffset = 0;
  private stopped = false;
  private readonly detachDevices: () => void;

  constructor(private readonly options: EspruinoRuntimeOptions) {
    super();
    this.board = options.board ?? 'linux';
    this.storage = new SimStorage(options.storageDir);
    this.wifi = new SimWifi(options.accessPoint);
    this.pins = new SimPins(() => this.now());
    // A vanished access point takes the TCP links with it.
    this.wifi.on('dropped', () => this.net.cutAll());
    this.detachDevices = attachDevices(options.devices ?? {}, this);
  }

  /** Seconds, on the program's clock (getTime()). */
  now(): number {
    return Date.now() / 1000 + this.clockOffset;
  }

  /** True while a program context is up (not asleep, not stopped). */
  get running(): boolean {
    return this.loop?.isAlive ?? false;
  }

  /** Evaluates code in the current context, like text sent to the REPL. Uncaught errors are printed, not thrown. */
  run(code: string, filename = 'repl'): unknown {
    if (!this.realm || !this.loop?.isAlive) throw new Error('the Espruino runtime is not running (call boot() first, or it is asleep)');
    return this.evaluate(asUploadedBytes(code), filename);
  }

  /** Power-up: fresh context, run Storage ".bootcde" if present, then fire E.on('init'). */
  boot(): void {
    if (this.stopped) throw new Error('the Espruino runtime was stopped');
    this.startContext(true);
  }

  /** E.reboot() or a deep-sleep wake: everything the program had is dropped, then boot(). */
  reboot(): void {
    this.halt();
    this.pins.resetOutputs();
    this.wifi.resetStation();
    this.emit('reboot');
    this.boot();
  }

  /** Tears everything down; no timers or sockets are left behind. */
  stop(): void {
    this.stopped = true;
    this.halt();
    this.detachDevices();
  }

  memoryEstimate(): MemoryEstimate {
    if (!this.realm || !this.baseline) return { blocks: 0, strings: 0, objects: 0, bytes: 0 };
    const estimate = estimateMemory(this.realm.global, this.baseline);
    // Espruino keeps each timer and watch as a small object (~4 blocks).
    const extra = 4 * ((this.loop?.timerCount ?? 0) + this.pins.watches.size);
    return { ...estimate, blocks: estimate.blocks + extra, bytes: (estimate.blocks + extra) * 14 };
  }

  private halt(): void {
    this.loop?.kill();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    if (this.rebootTimer) clearImmediate(this.rebootTimer);
    this.rebootTimer = undefined;
    if (this.watchdog) clearInterval(this.watchdog.timer);
    this.watchdog = undefined;
  }

  private output(text: string): void {
    this.options.onOutput?.(text);
    this.emit('output', text);
  }

  private reportUncaught(error: unknown): void {
    this.output(`${formatUncaught(error)}\r\n`);
    this.emit('uncaught', error);
  }

  private evaluate(code: string, filename: string): unknown {
    const loop = this.loop!;
    try {
      return this.realm!.evaluate(code, filename);
    } catch (err) {
      if (!(err instanceof ProgramHalt) && loop.isAlive) this.reportUncaught(err);
      return undefined;
    }
  }

  private startContext(runBootCode: boolean): void {
    this.halt();
    const realm = new Realm();
    const loop = new EventLoop({ uncaught: (err) => this.reportUncaught(err) });
    this.realm = realm;
    this.loop = loop;
    const wakeCause = this.asleep ? WAKEUP_TIMER : WAKEUP_UNDEFINED;
    this.asleep = false;
    removeMissingBuiltins(realm.context);

    const gpio = installGpio(realm, loop, this.pins);
    const prelude = realm.evaluate(PRELUDE, 'espruino-prelude.js') as (hooks: object) => void;
    prelude({
      queue: (fn: unknown, args: unknown[]) => loop.queue(fn, args),
      call: (fn: unknown, thisArg: unknown, args: unknown[]) => loop.invoke(fn, thisArg, args),
      unhandled: (value: unknown) => {
        if (!loop.isAlive) return;
        const text = value !== null && typeof value === 'object' ? String(value) : formatUncaught(value).slice('Uncaught '.length);
        this.output(`Uncaught Error: Unhandled promise rejection: ${text}\r\n`);
        this.emit('uncaught', value);
      },
      pin: (op: string, pin: unknown, value?: unknown) => gpio.pinMethod(op, pin, value),
    });

    const print = (text: string) => {
      if (loop.isAlive) this.output(text);
    };
    installEspruinoApi(realm, loop, {
      print,
      board: this.board,
      version: this.options.version ?? '2v29',
      serial: this.options.serial ?? '30aea4000001',
      now: () => this.now(),
      setTime: (seconds) => {
        this.clockOffset = seconds - Date.now() / 1000;
      },
      blocksUsed: () => (this.options.baseBlocks ?? 300) + this.memoryEstimate().blocks,
      blocksOf: (value) => {
        if (value === null || typeof value !== 'object') return 1;
        return estimateMemory(value, new Map()).blocks;
      },
      module: (name) => this.createModule(name, realm, loop, print, wakeCause),
      reboot: () => this.haltAndRestart(loop, true),
      softReset: (runBoot) => this.haltAndRestart(loop, runBoot),
      enableWatchdog: (seconds, automatic) => this.enableWatchdog(loop, seconds, automatic),
      kickWatchdog: () => {
        if (this.watchdog) this.watchdog.kickedAt = Date.now();
      },
    });
    installI2C(realm, loop, this.i2c);
    installOneWire(realm, loop, this.oneWire);
    installUarts(realm, loop, this.uart);
    this.baseline = takeBaseline(realm.global);

    if (runBootCode) {
      const bootCode = this.storage.readBinary('.bootcde');
      if (bootCode !== undefined) this.evaluate(bootCode, '.bootcde');
    }
    if (loop.isAlive) {
      const E = realm.global.E as { emit(event: string): void };
      E.emit('init');
    }
  }

  private createModule(name: string, realm: Realm, loop: EventLoop, print: (text: string) => void, wakeCause: number): object | undefined {
    switch (name) {
      case 'Storage':
        return createStorageModule(realm, this.storage, loop);
      case 'net':
        return createNetModule(realm, loop, this.net, {
          print,
          connectTimeoutMs: this.options.connectTimeoutMs,
          sendDelayMs: this.options.sendDelayMs,
          networkUp: this.board === 'esp32' ? () => this.wifi.isConnected : undefined,
        });
      case 'Wifi':
        if (this.board !== 'esp32') return undefined;
        return createWifiModule(realm, loop, this.wifi, this.macAddress(), (json) => {
          if (json === undefined) this.storage.erase('.wificfg');
          else this.storage.write('.wificfg', json);
        });
      case 'ESP32':
        if (this.board !== 'esp32') return undefined;
        return createEsp32Module(realm, loop, {
          deepSleep: (us) => this.enterDeepSleep(loop, us),
          reboot: () => this.haltAndRestart(loop, true),
          wakeupCause: () => wakeCause,
          freeHeapBytes: () => (16383 - (this.options.baseBlocks ?? 300) - this.memoryEstimate().blocks) * 14 + 40_000,
        });
      default:
        return undefined;
    }
  }

  private macAddress(): string {
    const hex = (this.options.serial ?? '30aea4000001')
      .replace(/[^0-9a-f]/gi, '')
      .padEnd(12, '0')
      .slice(0, 12);
    return hex.match(/../g)!.join(':');
  }

  /** The program asked to restart: stop it now, restart once its stack has unwound. */
  private haltAndRestart(loop: EventLoop, runBootCode: boolean): never {
    if (loop === this.loop && loop.isAlive) {
      loop.kill();
      this.rebootTimer = setImmediate(() => {
        this.rebootTimer = undefined;
        if (this.stopped) return;
        this.pins.resetOutputs();
        this.wifi.resetStation();
        this.emit('reboot');
        this.startContext(runBootCode);
      });
    }
    throw new ProgramHalt('reboot');
  }

  private enterDeepSleep(loop: EventLoop, microseconds: number): never {
    if (loop === this.loop && loop.isAlive) {
      this.halt();
      this.asleep = true;
      this.emit('deepSleep', microseconds);
      // An endless sleep (ESP32.deepSleep's 32-bit microseconds wrapped) never wakes by itself.
      if ((this.options.wakeFromDeepSleep ?? 'auto') === 'auto' && !this.stopped && Number.isFinite(microseconds)) {
        const ms = (microseconds / 1000) * (this.options.sleepTimeScale ?? 1);
        this.sleepTimer = setTimeout(() => {
          this.sleepTimer = undefined;
          this.wake();
        }, ms);
      }
    }
    throw new ProgramHalt('deepSleep');
  }

  /** Deep-sleep wake: a reboot that reports a timer wake-up. */
  private wake(): void {
    this.pins.resetOutputs();
    this.wifi.resetStation();
    this.emit('reboot');
    this.startContext(true);
  }

  private enableWatchdog(loop: EventLoop, seconds: number, automatic: boolean): void {
    if (this.watchdog) clearInterval(this.watchdog.timer);
    this.watchdog = undefined;
    // Automatic mode is kicked by the idle loop, which always runs here.
    if (automatic) return;
    const timeoutMs = seconds * 1000;
    const state = {
      kickedAt: Date.now(),
      timeoutMs,
      timer: setInterval(
        () => {
          if (!loop.isAlive || Date.now() - state.kickedAt < timeoutMs) return;
          this.emit('watchdog');
          this.reboot();
        },
        Math.min(250, timeoutMs / 4),
      ),
    };
    this.watchdog = state;
  }
}
