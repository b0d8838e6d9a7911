// Real pseudo-terminals as serial devices: socat links two ptys, the hub opens `devicePath`
// as its serial port and the test plays the sensor node on `nodePath`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync, createReadStream, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from './tools.ts';
import { waitFor } from './wait.ts';

export class PtyPair {
  readonly dir: string;
  /** What the hub opens, like /dev/ttyUSB0. */
  readonly devicePath: string;
  /** The node's end: what is written here arrives on devicePath. */
  readonly nodePath: string;
  private child: ChildProcess | undefined;
  private fd: number | undefined;

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'roomlink-pty-'));
    this.devicePath = join(this.dir, 'device');
    this.nodePath = join(this.dir, 'node');
  }

  async open(): Promise<this> {
    const child = spawn(
      toolPath('socat'),
      [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.nodePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitFor('socat pty links', () => {
      if (exited) throw new Error('socat exited early');
      return existsSync(this.devicePath) && existsSync(this.nodePath);
    });
    return this;
  }

  /** Writes raw text or bytes from the node's side. */
  write(data: string | Buffer): void {
    if (this.fd === undefined) this.fd = openSync(this.nodePath, 'r+');
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
  }

  /** A stream of what the hub writes to the device (downlink), read on the node's side. */
  readNodeSide(): ReadStream {
    return createReadStream(this.nodePath, { flags: 'r+' });
  }

  /** Unplug: both ptys vanish, as when a USB cable is pulled. */
  async close(): Promise<void> {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already gone */
      }
      this.fd = undefined;
    }
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    await waitFor('pty links to vanish', () => !existsSync(this.devicePath));
  }

  async dispose(): Promise<void> {
    await this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function openPtyPair(dir?: string): Promise<PtyPair> {
  return new PtyPair(dir).open();
}
