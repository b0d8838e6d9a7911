// The byte pipe to a board's console: a serial port (/dev/ttyUSB0, COM3, a pty) or
// Espruino's network console (tcp://host:port, port 23 on a WiFi ESP32). Text is latin1
// both ways, because Espruino strings are bytes. Open failures become FlashErrors that
// name the cause (busy, permission, missing, refused).
import { realpathSync } from 'node:fs';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { FlashError } from './errors.ts';

export const DEFAULT_BAUD = 115200;
/** Espruino's telnet console on an ESP32. */
export const DEFAULT_TELNET_PORT = 23;

export interface Transport {
  /** What the user typed as the target, for messages. */
  readonly label: string;
  readonly closed: boolean;
  /** Resolves once the bytes are handed to the OS (drained for serial). */
  write(text: string): Promise<void>;
  onData(listener: (text: string) => void): void;
  /** Called once, when the other end goes away or close() is called. */
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

export interface TcpTarget {
  host: string;
  port: number;
}

/** tcp://host[:port] → host and port; undefined for anything else (a serial path). */
export function parseTcpTarget(target: string): TcpTarget | undefined {
  if (!/^tcp:\/\//i.test(target)) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new FlashError('connect-failed', `'${target}' is not a valid tcp://host:port target`);
  }
  if (!url.hostname) throw new FlashError('connect-failed', `'${target}' has no host (expected tcp://host:port)`);
  const port = url.port ? Number(url.port) : DEFAULT_TELNET_PORT;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

export async function openTransport(target: string, options: { baud?: number; connectTimeoutMs?: number } = {}): Promise<Transport> {
  const tcp = parseTcpTarget(target);
  return tcp ? openTcp(target, tcp, options.connectTimeoutMs ?? 5000) : openSerial(target, options.baud ?? DEFAULT_BAUD);
}

class Listeners {
  data: Array<(text: string) => void> = [];
  close: Array<(error?: Error) => void> = [];
  closed = false;
  emitData(buf: Buffer): void {
    const text = buf.toString('latin1');
    for (const l of this.data) l(text);
  }
  emitClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.close) l(error);
  }
}

/** Maps the OS's open errors to causes a user can act on. */
export function serialOpenError(path: string, err: Error & { code?: string }): FlashError {
  const text = `${err.code ?? ''} ${err.message}`;
  if (/cannot lock|resource temporarily unavailable|EBUSY|device or resource busy/i.test(text)) {
    return new FlashError(
      'port-busy',
      `${path} is busy: another program has it open`,
      'close the other program (a serial monitor, `roomlink hub`, the Espruino IDE) and retry',
    );
  }
  if (/EACCES|permission denied/i.test(text)) {
    return new FlashError(
      'permission-denied',
      `permission denied opening ${path}`,
      `add yourself to the serial group: sudo usermod -aG dialout $USER (log out and back in)`,
    );
  }
  if (/ENOENT|no such file/i.test(text)) {
    return new FlashError('no-such-port', `no serial port at ${path}`, 'is the board plugged in? `roomlink ports` lists the ports found');
  }
  return new FlashError('connect-failed', `cannot open ${path}: ${err.message}`);
}

function realDevice(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function openSerial(path: string, baudRate: number): Promise<Transport> {
  const listeners = new Listeners();
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  return new Promise((resolve, reject) => {
    port.open((err) => {
      if (err) return reject(serialOpenError(path, err));
      port.on('data', (buf: Buffer) => listeners.emitData(buf));
      // A pty (or USB adapter) that vanishes does not always make the open port fail at
      // once; a device node that is gone or replaced means the cable was pulled.
      const device = realDevice(path);
      const watch = setInterval(() => {
        if (realDevice(path) !== device) {
          listeners.emitClose(new Error(`${path} vanished`));
          if (port.isOpen) port.close(() => {});
        }
      }, 250);
      watch.unref();
      listeners.close.push(() => clearInterval(watch));
      port.on('close', (closeErr?: Error) => listeners.emitClose(closeErr ?? undefined));
      // A vanished pty or unplugged USB adapter shows up as an error before (or instead of) close.
      port.on('error', (e: Error) => {
        listeners.emitClose(e);
        if (port.isOpen) port.close(() => {});
      });
      resolve({
        label: path,
        get closed() {
          return listeners.closed;
        },
        write: (text) =>
          new Promise<void>((res, rej) => {
            if (listeners.closed) return rej(new Error('port closed'));
            port.write(Buffer.from(text, 'latin1'), (e) => {
              if (e) return rej(e);
              port.drain((e2) => (e2 ? rej(e2) : res()));
            });
          }),
        onData: (l) => listeners.data.push(l),
        onClose: (l) => listeners.close.push(l),
        close: () =>
          new Promise<void>((res) => {
            if (!port.isOpen) {
              listeners.emitClose();
              return res();
            }
            port.close(() => {
              listeners.emitClose();
              res();
            });
          }),
      });
    });
  });
}

function openTcp(label: string, target: TcpTarget, timeoutMs: number): Promise<Transport> {
  const listeners = new Listeners();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new FlashError(
          'connect-failed',
          `no answer from ${target.host}:${target.port} within ${timeoutMs / 1000} s`,
          'is the board on the network, and is its console on that port?',
        ),
      );
    }, timeoutMs);
    socket.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ENOTFOUND' ? 'unknown host' : err.message;
      reject(
        new FlashError(
          'connect-failed',
          `cannot connect to ${target.host}:${target.port}: ${why}`,
          'the board must be on WiFi with its telnet console on (port 23 on an ESP32)',
        ),
      );
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', (e) => listeners.emitClose(e));
      socket.on('data', (buf) => listeners.emitData(buf));
      socket.on('close', () => listeners.emitClose());
      resolve({
        label,
        get closed() {
          return listeners.closed;
        },
        write: (text) =>
          new Promise<void>((res, rej) => {
            if (listeners.closed) return rej(new Error('connection closed'));
            socket.write(Buffer.from(text, 'latin1'), (e) => (e ? rej(e) : res()));
          }),
        onData: (l) => listeners.data.push(l),
        onClose: (l) => listeners.close.push(l),
        close: () =>
          new Promise<void>((res) => {
            if (listeners.closed) return res();
            socket.once('close', () => res());
            socket.end();
            setTimeout(() => socket.destroy(), 500).unref();
          }),
      });
    });
  });
}
