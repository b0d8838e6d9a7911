// A private Mosquitto per test file: its own port (never 1883), config and data dir, stopped
// afterwards. Can be killed and restarted on the same port and data dir to test outages.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from './tools.ts';
import { canConnect, freePort, waitFor } from './wait.ts';

export interface MosquittoOptions {
  /** Keep sessions and retained messages on disk across restarts (default true). */
  persistence?: boolean;
  /** Mosquitto's `max_queued_messages` per client; 0 means unlimited (default 0). */
  maxQueuedMessages?: number;
  /** Extra lines appended to the generated mosquitto.conf. */
  extraConfig?: string;
  /** Accounts (user → password); with any, anonymous clients are refused. Needs mosquitto_passwd. */
  users?: Record<string, string>;
}

export class Mosquitto {
  readonly dataDir: string;
  port = 0;
  private child: ChildProcess | undefined;
  private log = '';

  constructor(private readonly options: MosquittoOptions = {}) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'roomlink-mosquitto-'));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Recent broker log, for assertion messages. */
  get output(): string {
    return this.log.slice(-4000);
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    const persistence = this.options.persistence ?? true;
    const users = Object.entries(this.options.users ?? {});
    const passwordFile = join(this.dataDir, 'passwd');
    if (users.length > 0) {
      writeFileSync(passwordFile, '', { mode: 0o600 });
      for (const [user, password] of users) execFileSync(toolPath('mosquitto_passwd'), ['-b', passwordFile, user, password]);
    }
    const config = [
      `listener ${this.port} 127.0.0.1`,
      users.length > 0 ? `allow_anonymous false\npassword_file ${passwordFile}` : 'allow_anonymous true',
      `persistence ${persistence}`,
      `persistence_location ${this.dataDir}/`,
      // Save on every change, so a kill -9 loses as little as Mosquitto allows.
      'autosave_interval 1',
      'autosave_on_changes true',
      `max_queued_messages ${this.options.maxQueuedMessages ?? 0}`,
      'max_inflight_messages 0',
      // Run as root, Mosquitto drops to the `mosquitto` user and then cannot write its
      // persistence file into our private data dir: sessions would silently not survive.
      process.getuid?.() === 0 ? 'user root' : '',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      this.options.extraConfig ?? '',
    ].join('\n');
    const configPath = join(this.dataDir, 'mosquitto.conf');
    writeFileSync(configPath, `${config}\n`);
    const child = spawn(toolPath('mosquitto'), ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitFor(`mosquitto on port ${this.port}`, async () => {
      if (exited) throw new Error(`mosquitto exited: ${this.output}`);
      return canConnect(this.port);
    });
    return this;
  }

  /** Graceful stop (SIGTERM): Mosquitto writes its persistence file. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Crash (SIGKILL): whatever was not yet saved is lost, as after a power cut. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(sig);
    });
  }
}

export async function startMosquitto(options?: MosquittoOptions): Promise<Mosquitto> {
  return new Mosquitto(options).start();
}
