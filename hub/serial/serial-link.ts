// One serial port, kept open for as long as the hub runs: opened without resetting the
// board, split into lines, and after an unplug or an open failure retried with exponential
// backoff, forever. A port that comes back under another name (/dev/ttyUSB0 → ttyUSB1) is
// found again by its USB serial number.
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { SerialPortStream } from '@serialport/stream';
import type { Logger } from '../log.ts';
import { DirectReader, pollablePort } from './direct-reader.ts';
import { LineSplitter } from './line-splitter.ts';
import { listSerialPorts, type SerialBinding } from './port-list.ts';
import { backoffDelay } from '../core/backoff.ts';

export type LinkState = 'opening' | 'open' | 'retrying' | 'closed';

export interface SerialLinkOptions {
  /** Path to open: as configured, or the by-id link of an auto-detected board. */
  path: string;
  baud: number;
  /** Modem lines after opening; false/false leaves an ESP32 dev board running. */
  dtr: boolean;
  rts: boolean;
  /** Longest line kept, in bytes. */
  maxLineBytes: number;
  /** First retry delay after a failure, in ms. Default 100. */
  reconnectMinMs?: number;
  /** Ceiling of the retry delay, in ms. */
  reconnectMaxMs: number;
  /**
   * How often an open port's device node is checked to still be there, in ms. Default 1000.
   * A read does not always fail when the device goes away (seen with ptys), so an unplug
   * is also noticed by the device node vanishing or being replaced.
   */
  presenceCheckMs?: number;
  /** USB serial number of the board, when known, to find it again under another path. */
  serialNumber?: string;
  binding: SerialBinding;
  log: Logger;
}

export interface SerialLinkHandlers {
  onLine(line: string, link: SerialLink): void;
  onTooLong(link: SerialLink): void;
  /** The port opened (again). */
  onOpen?(link: SerialLink): void;
  /** The port was lost (unplugged, read error) and will be retried. */
  onDown?(link: SerialLink, error: Error): void;
}

export class SerialLink {
  readonly path: string;
  state: LinkState = 'closed';
  lastError: string | undefined;
  /** The device path actually opened last (differs from `path` after re-resolving). */
  openedPath: string | undefined;
  serialNumber: string | undefined;
  /** Successful opens, the first included. */
  opens = 0;
  linesRead = 0;

  private readonly options: SerialLinkOptions;
  private readonly handlers: SerialLinkHandlers;
  private readonly splitter: LineSplitter;
  private readonly log: Logger;
  private stream: SerialPortStream | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopping = false;
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(options: SerialLinkOptions, handlers: SerialLinkHandlers) {
    this.options = options;
    this.handlers = handlers;
    this.path = options.path;
    this.serialNumber = options.serialNumber;
    this.log = options.log;
    this.splitter = new LineSplitter({
      maxLineBytes: options.maxLineBytes,
      onLine: (line) => {
        this.linesRead++;
        handlers.onLine(line, this);
      },
      onTooLong: () => handlers.onTooLong(this),
    });
  }

  start(): void {
    this.stopping = false;
    void this.open();
  }

  /** Closes the port and stops retrying. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    this.state = 'closed';
    if (stream?.isOpen) await new Promise<void>((resolve) => stream.close(() => resolve()));
  }

  /** Writes to the board; false when the port is not open (nothing is queued). */
  write(data: string | Buffer): boolean {
    const stream = this.stream;
    if (this.state !== 'open' || !stream) return false;
    stream.write(data);
    return true;
  }

  private async open(): Promise<void> {
    this.state = 'opening';
    const path = await this.resolvePath();
    if (this.stopping) return;
    const stream = new SerialPortStream({
      binding: this.options.binding,
      path,
      baudRate: this.options.baud,
      autoOpen: false,
      // Leave DTR/RTS alone on close, so closing the hub does not reset the board either.
      hupcl: false,
      highWaterMark: 64 * 1024,
    } as never);
    this.stream = stream;
    stream.on('error', (err: Error) => {
      this.lastError = err.message;
      this.log.debug('serial error', { port: this.path, error: err.message });
    });
    try {
      await new Promise<void>((resolve, reject) => stream.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.stream = undefined;
      this.failed(err as Error, 'open');
      return;
    }
    if (this.stopping) {
      stream.close();
      return;
    }
    // Linux raises DTR and RTS on open; with both asserted the usual ESP32 auto-reset
    // circuit holds EN high, and clearing both in one call keeps it there. A pty or a board
    // without modem lines refuses the call, which is harmless.
    stream.set({ dtr: this.options.dtr, rts: this.options.rts }, (err) => {
      if (err) this.log.debug('cannot set DTR/RTS', { port: this.path, error: err.message });
    });
    this.splitter.reset();
    this.state = 'open';
    this.openedPath = path;
    this.lastError = undefined;
    this.failures = 0;
    this.opens++;
    let closeReason: Error | undefined;
    // A real port is read on the event loop (direct-reader.ts); the mock binding of the
    // unit tests, and any port that is not a plain non-blocking fd, through the stream.
    const port = pollablePort((stream as unknown as { port?: unknown }).port);
    const reader = port
      ? new DirectReader(port, {
          onData: (chunk) => this.splitter.push(chunk),
          onError: (err) => {
            if (this.stream !== stream || !stream.isOpen) return;
            closeReason = err;
            stream.close();
          },
        })
      : undefined;
    if (reader) reader.start();
    else stream.on('data', (chunk: Buffer) => this.splitter.push(chunk));
    stream.once('close', (err: Error | null) => {
      reader?.stop();
      clearInterval(this.presenceTimer);
      this.presenceTimer = undefined;
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.stopping) return;
      this.failed(err ?? closeReason ?? new Error('port closed'), 'lost');
    });
    const device = await stat(path).catch(() => undefined);
    if (device && this.stream === stream && !this.stopping) {
      this.presenceTimer = setInterval(() => {
        void stat(path)
          .then(
            (now) => now.rdev !== device.rdev || now.ino !== device.ino,
            () => true,
          )
          .then((gone) => {
            if (!gone || this.stream !== stream || !stream.isOpen) return;
            closeReason = new Error('device vanished');
            stream.close();
          });
      }, this.options.presenceCheckMs ?? 1000);
      this.presenceTimer.unref();
    }
    this.log.info('serial port open', { port: this.path, device: path !== this.path ? path : undefined, baud: this.options.baud });
    this.handlers.onOpen?.(this);
    if (this.serialNumber === undefined) void this.learnIdentity(path);
  }

  private failed(error: Error, what: 'open' | 'lost'): void {
    const wasOpen = what === 'lost';
    this.lastError = error.message;
    this.state = 'retrying';
    this.failures++;
    const delay = backoffDelay(this.failures, this.options.reconnectMinMs ?? 100, this.options.reconnectMaxMs);
    if (wasOpen) {
      this.log.warn('serial port lost; retrying', { port: this.path, error: error.message });
      this.handlers.onDown?.(this, error);
    } else {
      // Once per outage at warn, with what to do; every further attempt only when debugging.
      const log = this.failures === 1 ? this.log.warn : this.log.debug;
      log('cannot open serial port; retrying', { port: this.path, error: error.message, retry_ms: delay, hint: openFailureHint(error.message) });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.open();
    }, delay);
  }

  /** The configured path while it exists; otherwise wherever the same board shows up now. */
  private async resolvePath(): Promise<string> {
    if (existsSync(this.path) || this.serialNumber === undefined) return this.path;
    try {
      const ports = await listSerialPorts(this.options.binding);
      const same = ports.find((p) => p.serialNumber === this.serialNumber);
      if (same) return same.byIdPath ?? same.path;
    } catch (err) {
      this.log.debug('cannot list serial ports', { error: (err as Error).message });
    }
    return this.path;
  }

  /** Remembers the board's serial number so it can be found again after an unplug. */
  private async learnIdentity(path: string): Promise<void> {
    try {
      const real = await realpath(path).catch(() => path);
      // A pseudo-terminal (socat, a board stand-in) is never a USB device: listing every port
      // would only run udevadm and parse its whole database for nothing.
      if (real.startsWith('/dev/pts/')) return;
      const ports = await listSerialPorts(this.options.binding);
      const me = ports.find((p) => p.path === real || p.path === path);
      if (me?.serialNumber) this.serialNumber = me.serialNumber;
    } catch {
      /* identity stays unknown: the configured path is retried as given */
    }
  }
}

/** What to try when a port does not open, from the error's words (serialport passes no code). */
export function openFailureHint(message: string): string {
  if (/ENOENT|No such file|cannot find|not found/i.test(message)) {
    return 'no such device: check the path (a typo?) or plug the board in; `roomlink ports` lists the serial ports';
  }
  if (/EACCES|Permission denied/i.test(message)) {
    return 'permission denied: join the dialout group (sudo usermod -aG dialout $USER, then log in again)';
  }
  if (/EBUSY|busy|lock/i.test(message)) {
    return 'another program holds the port (a serial monitor, screen, ModemManager): close it';
  }
  return '`roomlink ports` lists the serial ports this machine sees';
}
