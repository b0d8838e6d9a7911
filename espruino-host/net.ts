// require("net") for the program, on real TCP sockets. Measured on Espruino 2v29:
//  - connect to a closed port prints "ERROR: Connect failed (err 111)" and throws
//    InternalError "Unable to create socket"; an unknown host throws "Unable to locate host";
//    on ESP32 connect blocks until connected (source), so it is synchronous here too;
//  - the connect callback runs later, from the event queue; data arrive as binary strings;
//  - when the peer closes or resets the link, the program gets 'end' then 'close' (with
//    `false`), never 'error'; the same after its own end();
//  - write() returns false; write() on a closed socket throws "This socket is closed";
//  - 'drain' (with the socket as its argument) once everything written has been sent, and
//    once right after connecting when nothing waits to be sent (libs/network/socketserver.c;
//    checked on the Linux port: a drain within 1 ms of each write to a local listener).
import { binaryStringOfBytes, flattenBytes } from './binary.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { tcpWorker, type SocketEvent } from './tcp-worker.ts';

export interface NetOptions {
  /** How long connect may block before giving up (ms). */
  connectTimeoutMs?: number;
  /** A slow link (WiFi at the edge of range): 'drain' comes this long after the data was sent (ms). Default 0. */
  sendDelayMs?: number;
  /** When false (ESP32 without WiFi), connect throws as there is no network interface. */
  networkUp?: () => boolean;
  print: (text: string) => void;
}

interface OpenSocket {
  id: number;
  host: string;
  port: number;
  reset(): void;
}

/** Host-side view of the program's sockets. */
export class SimNet {
  private readonly open = new Map<number, OpenSocket>();

  /** Sockets the program has open now. */
  get connections(): Array<{ host: string; port: number }> {
    return [...this.open.values()].map(({ host, port }) => ({ host, port }));
  }

  /** Drops every link abruptly (TCP RST, no FIN), as when the WiFi or the far side vanishes. */
  cutAll(): void {
    for (const socket of [...this.open.values()]) socket.reset();
  }

  /** @internal */
  track(socket: OpenSocket): () => void {
    this.open.set(socket.id, socket);
    return () => this.open.delete(socket.id);
  }
}

function parseTarget(options: unknown): { host: string; port: number } {
  if (typeof options === 'string') {
    const url = options.includes('://') ? new URL(options) : new URL(`tcp://${options}`);
    return { host: url.hostname, port: Number(url.port) || 80 };
  }
  const o = (options ?? {}) as { host?: unknown; port?: unknown };
  return { host: o.host === undefined ? 'localhost' : String(o.host), port: Number(o.port) || 80 };
}

export function createNetModule(realm: Realm, loop: EventLoop, sim: SimNet, options: NetOptions): object {
  const timeoutMs = options.connectTimeoutMs ?? 5000;

  const connect = (target: unknown, callback?: unknown): object => {
    loop.guard();
    const { host, port } = parseTarget(target);
    if (options.networkUp && !options.networkUp()) throw realm.error('InternalError', 'Unable to create socket');
    const socket = realm.object({}) as Record<string, unknown> & {
      emit(event: string, ...args: unknown[]): void;
      on(event: string, listener: unknown): void;
    };
    let closed = false;
    let endSeen = false;
    /** Writes whose data has not left yet: 'drain' when none is left. */
    let unsent = 0;
    let untrack = () => {};
    let disown = () => {};
    const worker = tcpWorker();

    const closeNow = () => {
      if (closed) return;
      closed = true;
      untrack();
      disown();
      if (!endSeen) socket.emit('end');
      endSeen = true;
      socket.emit('close', false);
    };
    const onEvent = (event: SocketEvent) => {
      if (!loop.isAlive) return;
      if (event.event === 'data') socket.emit('data', event.data);
      else if (event.event === 'sent') {
        // On a slow link the data leaves sendDelayMs after it was handed over.
        const left = () => {
          if (--unsent === 0 && !closed) socket.emit('drain', socket);
        };
        const delay = options.sendDelayMs ?? 0;
        if (delay > 0) loop.setTimer(left, delay, [], false);
        else left();
      } else if (event.event === 'end') {
        if (!endSeen) socket.emit('end');
        endSeen = true;
      } else closeNow();
    };

    const { id, outcome } = worker.connectSync(host, port, timeoutMs, onEvent);
    if (outcome === 'no-host') throw realm.error('InternalError', 'Unable to locate host');
    if (outcome !== 'connected') {
      if (outcome === 'refused') options.print('ERROR: Connect failed (err 111)\r\n');
      throw realm.error('InternalError', 'Unable to create socket');
    }

    const reset = () => {
      worker.reset(id);
    };
    untrack = sim.track({ id, host, port, reset });
    // The program dying (reboot, deep sleep, stop) drops its links without a goodbye.
    disown = loop.own(() => {
      closed = true;
      untrack();
      worker.reset(id);
      worker.forget(id);
    });

    Object.assign(socket, {
      write: (data: unknown) => {
        loop.guard();
        if (closed) throw realm.error('Error', 'This socket is closed');
        unsent++;
        worker.write(id, typeof data === 'string' ? data : binaryStringOfBytes(flattenBytes(data)));
        return false;
      },
      end: (data?: unknown) => {
        loop.guard();
        if (closed) return;
        if (data !== undefined) worker.write(id, typeof data === 'string' ? data : binaryStringOfBytes(flattenBytes(data)));
        worker.end(id);
      },
    });
    if (typeof callback === 'function') socket.on('connect', callback);
    // Espruino notices the connection in its idle loop, after the code that called connect()
    // has run, and queues 'drain' then only if that code wrote nothing; its connect callback
    // runs first all the same.
    loop.queue(() => {
      if (!unsent && !closed) socket.emit('drain', socket);
    });
    socket.emit('connect');
    return socket;
  };

  return realm.object({ connect });
}
