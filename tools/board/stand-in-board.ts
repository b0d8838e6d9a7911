// A stand-in Espruino board for flashing tests and demos: the host runtime
// (espruino-host/runtime.ts) behind a REPL console (repl-console.ts), served on a pty
// (a socat pair: flash it like /dev/ttyUSB0) or on TCP (like the telnet console of a WiFi
// ESP32). Storage lives in `storageDir`, so what was flashed survives stop() and a new board.
//
//   const board = await startStandInBoard({ storageDir, transport: 'pty' });
//   // roomlink flash --target board.path ...   (or tcp://127.0.0.1:<board.port>)
//   board.dropConnection();  // cable pulled / WiFi lost: the tool's connection dies
//   await board.stop();
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { EspruinoRuntime, type EspruinoRuntimeOptions } from '../../espruino-host/runtime.ts';
import { PtyLink } from './pty-link.ts';
import { ReplConsole } from './repl-console.ts';

export interface StandInBoardOptions {
  storageDir: string;
  transport: 'pty' | 'tcp';
  /** TCP port (0 or absent: any free one), on 127.0.0.1. */
  port?: number;
  /** Where the pty appears (default: a temp dir's "device"). */
  path?: string;
  /** 'linux' (default): Espruino's Linux port (network taken as up, second Ctrl-C exits); 'esp32'. */
  board?: 'linux' | 'esp32';
  /** process.env.VERSION the board reports (default 2v29). */
  version?: string;
  /** Passed to the runtime (devices, access point, ...). */
  runtime?: Partial<EspruinoRuntimeOptions>;
  /** See ReplConsole. */
  inputBufferBytes?: number;
  commandBusyMs?: number;
}

export interface StandInBoard {
  /** The pty to open, like /dev/ttyUSB0 (pty transport). */
  path?: string;
  /** The TCP port (tcp transport); target tcp://127.0.0.1:<port>. */
  port?: number;
  /** tcp://127.0.0.1:<port> or the pty path. */
  target: string;
  runtime: EspruinoRuntime;
  console: ReplConsole;
  /** Everything the board printed, for assertions (bounded). */
  readonly output: string;
  /** Cuts the current connection, as a pulled cable or a lost WiFi link; the board stays up and can be reached again. */
  dropConnection(): Promise<void>;
  stop(): Promise<void>;
}

const OUTPUT_KEEP = 200_000;

export async function startStandInBoard(options: StandInBoardOptions): Promise<StandInBoard> {
  const board = options.board ?? 'linux';
  let output = '';
  let send: (text: string) => void = () => {};
  const runtime = new EspruinoRuntime({
    ...options.runtime,
    storageDir: options.storageDir,
    board,
    version: options.version ?? options.runtime?.version ?? '2v29',
  });
  const repl = new ReplConsole({
    runtime,
    board,
    inputBufferBytes: options.inputBufferBytes,
    commandBusyMs: options.commandBusyMs,
    write: (text) => {
      output = (output + text).slice(-OUTPUT_KEEP);
      send(text);
    },
    onExit: () => void stop(),
  });

  let stopped = false;
  let closeTransport: () => Promise<void> = async () => {};
  let dropConnection: () => Promise<void> = async () => {};
  const result: Partial<StandInBoard> = {};

  if (options.transport === 'tcp') {
    let client: net.Socket | undefined;
    const server = net.createServer((socket) => {
      // One console at a time, as on Espruino: a new connection takes it over.
      client?.destroy();
      client = socket;
      socket.setNoDelay(true);
      socket.on('data', (data) => repl.feed(data));
      socket.on('error', () => {});
      socket.on('close', () => {
        if (client === socket) client = undefined;
      });
    });
    send = (text) => {
      if (client && !client.destroyed) client.write(Buffer.from(text, 'latin1'));
    };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    Object.assign(result, { port, target: `tcp://127.0.0.1:${port}` });
    dropConnection = async () => {
      client?.destroy();
      client = undefined;
    };
    closeTransport = async () => {
      client?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'roomlink-board-'));
    const devicePath = options.path ?? join(dir, 'device');
    const link = new PtyLink(devicePath, join(dir, 'board'));
    let port: SerialPort | undefined;
    const connect = async () => {
      await link.open();
      const opened = new SerialPort({ path: link.boardPath, baudRate: 115200, autoOpen: false, lock: false });
      await new Promise<void>((resolve, reject) => opened.open((err) => (err ? reject(err) : resolve())));
      opened.on('data', (data: Buffer) => repl.feed(data));
      opened.on('error', () => {});
      port = opened;
    };
    const disconnect = async () => {
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
      await link.close();
    };
    send = (text) => {
      if (port?.isOpen) port.write(Buffer.from(text, 'latin1'));
    };
    await connect();
    Object.assign(result, { path: devicePath, target: devicePath });
    dropConnection = async () => {
      await disconnect();
      if (!stopped) await connect();
    };
    closeTransport = disconnect;
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    repl.dispose();
    runtime.stop();
    await closeTransport();
  }

  runtime.boot();
  repl.showPrompt();
  return {
    path: result.path,
    port: result.port,
    target: result.target!,
    runtime,
    console: repl,
    get output() {
      return output;
    },
    dropConnection,
    stop,
  };
}
