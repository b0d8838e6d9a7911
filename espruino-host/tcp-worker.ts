// TCP sockets owned by a worker thread, so that connect can block like on an ESP32: the
// main thread posts "connect" and waits with Atomics.wait until the worker has an answer,
// then uses that same socket (no second probe connection reaches the server). Socket events
// come back as messages on the main thread's event loop; one worker serves every runtime.
import { Worker } from 'node:worker_threads';

export type ConnectOutcome = 'connected' | 'refused' | 'no-host' | 'failed' | 'timeout';

/** 'sent': one write has been handed to the operating system. */
export type SocketEvent =
  | { id: number; event: 'data'; data: string }
  | { id: number; event: 'sent' }
  | { id: number; event: 'end' }
  | { id: number; event: 'close' };

// Runs in the worker (CommonJS, plain JS).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
const sockets = new Map();
const OUTCOME = { connected: 1, refused: 2, 'no-host': 3, failed: 4, timeout: 5 };
function outcomeOf(err) {
  if (err.code === 'ECONNREFUSED') return OUTCOME.refused;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return OUTCOME['no-host'];
  return OUTCOME.failed;
}
parentPort.on('message', (msg) => {
  if (msg.op === 'connect') {
    const flag = new Int32Array(msg.sab);
    // 0 = waiting; the first to swap it (worker with an outcome, or main giving up) wins.
    const finish = (outcome) => Atomics.compareExchange(flag, 0, 0, outcome) === 0 && (Atomics.notify(flag, 0), true);
    const socket = net.connect({ host: msg.host, port: msg.port });
    const timer = setTimeout(() => { finish(OUTCOME.timeout); socket.destroy(); }, msg.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      if (!finish(OUTCOME.connected)) { socket.destroy(); return; }
      socket.setNoDelay(true);
      sockets.set(msg.id, socket);
      socket.on('data', (buf) => parentPort.postMessage({ id: msg.id, event: 'data', data: buf.toString('latin1') }));
      socket.on('end', () => parentPort.postMessage({ id: msg.id, event: 'end' }));
      socket.on('close', () => { sockets.delete(msg.id); parentPort.postMessage({ id: msg.id, event: 'close' }); });
    });
    socket.on('error', (err) => { clearTimeout(timer); finish(outcomeOf(err)); });
    return;
  }
  const socket = sockets.get(msg.id);
  if (!socket) return;
  if (msg.op === 'write') socket.write(Buffer.from(msg.data, 'latin1'), () => parentPort.postMessage({ id: msg.id, event: 'sent' }));
  else if (msg.op === 'end') socket.end();
  else if (msg.op === 'reset') socket.resetAndDestroy();
});
`;

const OUTCOMES: Record<number, ConnectOutcome> = { 1: 'connected', 2: 'refused', 3: 'no-host', 4: 'failed', 5: 'timeout' };

class TcpWorker {
  private readonly worker: Worker;
  private readonly listeners = new Map<number, (event: SocketEvent) => void>();
  private nextId = 1;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (event: SocketEvent) => {
      const listener = this.listeners.get(event.id);
      if (!listener) return;
      if (event.event === 'close') this.forget(event.id);
      listener(event);
    });
    // After the listener: adding a 'message' listener refs the worker's port again, which
    // kept `roomlink sim` alive after Ctrl-C once a connect had been refused.
    this.worker.unref();
  }

  /** Blocks the calling thread until connected, refused, or `timeoutMs` passed. */
  connectSync(host: string, port: number, timeoutMs: number, onEvent: (event: SocketEvent) => void): { id: number; outcome: ConnectOutcome } {
    const id = this.nextId++;
    const sab = new SharedArrayBuffer(4);
    const flag = new Int32Array(sab);
    this.worker.postMessage({ op: 'connect', id, host, port, timeoutMs, sab });
    Atomics.wait(flag, 0, 0, timeoutMs + 1000);
    // If the worker has not answered, claim the slot so a late connect is dropped.
    const outcome = Atomics.compareExchange(flag, 0, 0, 5) === 0 ? 5 : Atomics.load(flag, 0);
    if (outcome === 1) {
      this.listeners.set(id, onEvent);
      // An open socket keeps the process alive, as a real one does.
      if (this.listeners.size === 1) this.worker.ref();
    }
    return { id, outcome: OUTCOMES[outcome] ?? 'failed' };
  }

  write(id: number, data: string): void {
    this.worker.postMessage({ op: 'write', id, data });
  }

  end(id: number): void {
    this.worker.postMessage({ op: 'end', id });
  }

  /** RST, no FIN: the peer sees the link drop. */
  reset(id: number): void {
    this.worker.postMessage({ op: 'reset', id });
  }

  /** Stops delivering events for `id` (the socket's owner is gone). */
  forget(id: number): void {
    if (this.listeners.delete(id) && this.listeners.size === 0) this.worker.unref();
  }
}

let shared: TcpWorker | undefined;

export function tcpWorker(): TcpWorker {
  shared ??= new TcpWorker();
  return shared;
}
