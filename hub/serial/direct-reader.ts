// Reads a serial port on the event loop itself. @serialport/stream reads through libuv's
// thread pool: every chunk costs a hop to a worker thread and back, plus one more read that
// only finds nothing there, and on a busy machine each hop can wait for a CPU (it showed as
// the latency tail of every Node bridge in `npm run bench`). The binding already polls the
// port for readability and opened it non-blocking, so a read right here never waits.
import { readFileSync, readSync } from 'node:fs';

/** The part of a @serialport/bindings-cpp port this reader uses. */
export interface PollablePort {
  fd: number | null;
  poller: { once(event: 'readable', callback: (error: Error | null) => void): unknown };
}

export interface DirectReadHandlers {
  onData(chunk: Buffer): void;
  /** A read or poll failed (unplugged, hung up); nothing more is read. */
  onError(error: Error): void;
}

const O_NONBLOCK = 0o4000;

/** The port, when it can be read directly: a real unix binding with a non-blocking fd. */
export function pollablePort(port: unknown): PollablePort | undefined {
  const p = port as Partial<PollablePort> | undefined;
  if (!p || typeof p.fd !== 'number' || typeof p.poller?.once !== 'function') return undefined;
  // A blocking read would stall the whole hub: make sure (Linux says so in /proc).
  try {
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${p.fd}`, 'utf8'));
    if (!flags || (parseInt(flags[1]!, 8) & O_NONBLOCK) === 0) return undefined;
  } catch {
    return undefined;
  }
  return p as PollablePort;
}

/** Reads until stop() or an error. Each chunk handed to onData is only valid during the call. */
export class DirectReader {
  private readonly port: PollablePort;
  private readonly handlers: DirectReadHandlers;
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);
  private stopped = false;

  constructor(port: PollablePort, handlers: DirectReadHandlers) {
    this.port = port;
    this.handlers = handlers;
  }

  start(): void {
    this.port.poller.once('readable', this.readable);
  }

  stop(): void {
    this.stopped = true;
  }

  private readonly readable = (error: Error | null): void => {
    if (this.stopped) return;
    if (error) {
      this.fail(error);
      return;
    }
    for (;;) {
      const fd = this.port.fd;
      if (fd === null) {
        this.fail(new Error('port closed'));
        return;
      }
      let bytes: number;
      try {
        bytes = readSync(fd, this.buffer, 0, this.buffer.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        this.fail(err as Error);
        return;
      }
      // A tty that was hung up (the USB device unplugged) reads as end of file.
      if (bytes === 0) {
        this.fail(new Error('port hung up'));
        return;
      }
      this.handlers.onData(this.buffer.subarray(0, bytes));
      if (this.stopped) return;
      // Less than a full buffer: that was all of it for now.
      if (bytes < this.buffer.length) break;
    }
    this.port.poller.once('readable', this.readable);
  };

  private fail(error: Error): void {
    this.stopped = true;
    this.handlers.onError(error);
  }
}
