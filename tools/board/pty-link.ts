// A serial cable made of two pseudo-terminals (socat): tools open `devicePath` as if it were
// /dev/ttyUSB0, the stand-in board reads and writes `boardPath`. Closing it is pulling the
// cable: both paths vanish, and whoever had the device open sees it go.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

function socatPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v socat'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/bin:/usr/local/bin` },
  });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error('socat is not installed (apt-get install socat): the stand-in board needs it for its pty');
  return path;
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class PtyLink {
  private child: ChildProcess | undefined;
  constructor(
    readonly devicePath: string,
    readonly boardPath: string,
  ) {}

  /** The socat process while linked (the bench counts its CPU). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async open(): Promise<void> {
    const child = spawn(socatPath(), [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.boardPath}`], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    await until(
      'the socat pty links',
      () => {
        if (exited) throw new Error('socat exited before creating the pty links');
        return existsSync(this.devicePath) && existsSync(this.boardPath);
      },
      5000,
    );
  }

  /** Pulls the cable: socat ends and both links vanish. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    await until('the pty links to vanish', () => !existsSync(this.devicePath), 5000);
  }
}
