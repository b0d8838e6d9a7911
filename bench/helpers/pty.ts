// Real pseudo-terminals as serial devices: socat links two ptys, the hub opens `devicePath`
// as its serial port and the test plays the sensor node on `nodePath`.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, createReadStream, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyLink } from '../../tools/board/pty-link.ts';

export class PtyPair {
  readonly dir: string;
  /** What the hub opens, like /dev/ttyUSB0. */
  readonly devicePath: string;
  /** The node's end: what is written here arrives on devicePath. */
  readonly nodePath: string;
  private readonly link: PtyLink;
  private fd: number | undefined;

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'roomlink-pty-'));
    this.devicePath = join(this.dir, 'device');
    this.nodePath = join(this.dir, 'node');
    this.link = new PtyLink(this.devicePath, this.nodePath);
  }

  /** socat's process id while linked. */
  get socatPid(): number | undefined {
    return this.link.pid;
  }

  async open(): Promise<this> {
    await this.link.open();
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
    await this.link.close();
  }

  async dispose(): Promise<void> {
    await this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function openPtyPair(dir?: string): Promise<PtyPair> {
  return new PtyPair(dir).open();
}
