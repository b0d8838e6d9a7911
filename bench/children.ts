// Child processes of the benchmark: the counter and the writer (forked, IPC), the three
// bridges under test, and /proc accounting of their CPU time and peak memory.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { toolPath } from './helpers/tools.ts';
import type { CounterConfig, CounterStats } from './counter.ts';
import type { WriterConfig, WriterDone } from './writer.ts';
import { rawTopic } from './lines.ts';

export { PROJECT_ROOT };

/** The roomlink command of a checkout: cli/bin.js, or hub/bin.js in one from before the move. */
export function roomlinkBin(root: string): string {
  const bin = join(root, 'cli/bin.js');
  return existsSync(bin) || !existsSync(join(root, 'hub/bin.js')) ? bin : join(root, 'hub/bin.js');
}
// Named from the project root: this module also runs compiled under dist/ (roomlink bench).
const HERE = join(PROJECT_ROOT, 'bench');
const CLK_TCK = 100;

// ---------------------------------------------------------------- /proc accounting

export interface ProcSample {
  /** user + system CPU seconds. */
  cpuS: number;
  rssKb: number;
  /** Peak resident set size (VmHWM), kB. */
  hwmKb: number;
  /** Anonymous part of the RSS (RssAnon: heaps, not mapped files), kB. */
  anonKb: number;
}

/** CPU and memory of a live process, or undefined when it is gone. */
export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuS, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), anonKb: kb('RssAnon') };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- IPC children

function forkTs(file: string, role: string, config: unknown): ChildProcess {
  return fork(join(HERE, file), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ROOMLINK_BENCH_CHILD: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}' from a bench child`));
    }, timeoutMs);
    const onMessage = (m: { type?: string }) => {
      if (m && m.type === type) {
        cleanup();
        resolvePromise(m as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`bench child exited (${code}) before '${type}'`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export class CounterProcess {
  private constructor(readonly child: ChildProcess) {}

  static async start(config: CounterConfig): Promise<CounterProcess> {
    const child = forkTs('counter.ts', 'counter', config);
    await nextMessage(child, 'ready', 15_000);
    return new CounterProcess(child);
  }

  stats(): Promise<CounterStats> {
    const p = nextMessage<CounterStats>(this.child, 'stats', 10_000);
    this.child.send({ type: 'stats' });
    return p;
  }

  /** Arrival time (hrtime ms, 0 = never) of every (port, seq), read from a file the child writes. */
  async arrivals(file: string): Promise<Float64Array> {
    const p = nextMessage(this.child, 'dumped', 30_000);
    this.child.send({ type: 'dump', file });
    await p;
    const buf = readFileSync(file);
    return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs one writer child to completion. */
export async function runWriter(config: WriterConfig, timeoutMs: number): Promise<WriterDone> {
  const child = forkTs('writer.ts', 'writer', config);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await nextMessage(child, 'ready', 15_000);
    const done = nextMessage<WriterDone>(child, 'done', timeoutMs);
    child.send({ type: 'go' });
    return await done;
  } finally {
    // It exits by itself after 'done'; one stuck in a blocking write is killed.
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    if (child.exitCode === null && child.signalCode === null) await exited;
    clearTimeout(t);
  }
}

// ---------------------------------------------------------------- bridges under test

/** A contender; `hub@<name>` is the hub with the settings file of variant <name> (--hub-variant). */
export type PathName = 'mosquitto_pub' | 'naive' | 'hub' | `hub@${string}`;
export const ALL_PATHS: PathName[] = ['mosquitto_pub', 'naive', 'hub'];

export function isHub(path: PathName): boolean {
  return path === 'hub' || path.startsWith('hub@');
}

export interface BridgeOptions {
  brokerHost: string;
  brokerPort: number;
  /** Device-side pty paths; one bridge process per path except for the hub. */
  devices: string[];
  qos: 0 | 1;
  /** Scratch folder for this run (hub data dir, profiles). */
  workDir: string;
  /** Extra settings file for the hub (--config). */
  hubConfig?: string;
  /** Project folder whose cli/bin.js (hub/bin.js before the reorganisation) runs (another checkout, e.g. the code before a change); default this one. */
  hubRoot?: string;
  /** Write a V8 CPU profile of the hub here. */
  cpuProfDir?: string;
}

interface Tracked {
  child: ChildProcess;
  last: ProcSample | undefined;
  tail: string;
}

/**
 * One contender: its processes, their accumulated CPU (including processes that already
 * exited, such as finished mosquitto_pub segments) and peak RSS.
 */
export class Bridge {
  private procs: Tracked[] = [];
  private deadCpuS = 0;
  private deadHwmKb = 0;

  constructor(
    readonly name: PathName,
    private readonly opts: BridgeOptions,
  ) {}

  start(): void {
    if (isHub(this.name)) this.track(this.spawnHub());
    else for (let k = 0; k < this.opts.devices.length; k++) this.track(this.name === 'naive' ? this.spawnNaive(k) : this.spawnMosquittoPub(k));
  }

  /** Stops every process and starts fresh ones (mosquitto_pub segments). */
  async respawn(): Promise<void> {
    await this.stop();
    this.start();
  }

  pids(): number[] {
    return this.procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.child.pid!);
  }

  /** Refreshes the /proc samples of live processes. */
  sample(): void {
    for (const p of this.procs) {
      const s = p.child.pid ? procSample(p.child.pid) : undefined;
      if (s) p.last = s;
    }
  }

  /** CPU seconds of all processes so far (live ones sampled now). */
  cpuS(): number {
    this.sample();
    return this.deadCpuS + this.procs.reduce((sum, p) => sum + (p.last?.cpuS ?? 0), 0);
  }

  /** Largest VmHWM of any one process, kB. */
  peakRssKb(): number {
    this.sample();
    return Math.max(this.deadHwmKb, ...this.procs.map((p) => p.last?.hwmKb ?? 0));
  }

  /** Sum of VmHWM over the live processes, kB (many-ports with one process per port). */
  sumPeakRssKb(): number {
    this.sample();
    return this.procs.reduce((sum, p) => sum + (p.last?.hwmKb ?? 0), 0);
  }

  /** Current RSS summed over live processes, kB. */
  rssKb(): number {
    this.sample();
    return this.procs.reduce((sum, p) => sum + (p.last?.rssKb ?? 0), 0);
  }

  /** Whether every process is still running, and the output of those that are not. */
  deadReport(): string | undefined {
    const dead = this.procs.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead.length === 0) return undefined;
    return dead.map((p) => `${this.name} pid ${p.child.pid} exited (${p.child.exitCode ?? p.child.signalCode}): ${p.tail.slice(-600)}`).join('\n');
  }

  output(): string {
    return this.procs
      .map((p) => p.tail)
      .join('\n')
      .slice(-2000);
  }

  async stop(): Promise<void> {
    this.sample();
    const procs = this.procs;
    this.procs = [];
    await Promise.all(
      procs.map(async (p) => {
        this.deadCpuS += p.last?.cpuS ?? 0;
        this.deadHwmKb = Math.max(this.deadHwmKb, p.last?.hwmKb ?? 0);
        const child = p.child;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        // The hub flushes its queue (and writes a CPU profile) on SIGTERM: give it time.
        const timer = setTimeout(() => child.kill('SIGKILL'), isHub(this.name) ? 20_000 : 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private track(child: ChildProcess): void {
    const t: Tracked = { child, last: undefined, tail: '' };
    const collect = (chunk: Buffer) => {
      t.tail = (t.tail + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (err) => collect(Buffer.from(String(err))));
    this.procs.push(t);
  }

  private spawnHub(): ChildProcess {
    const o = this.opts;
    const dataDir = join(o.workDir, 'hub-data');
    mkdirSync(dataDir, { recursive: true });
    const node: string[] = [];
    if (o.cpuProfDir) node.push('--cpu-prof', '--cpu-prof-dir', o.cpuProfDir);
    const args = [
      ...node,
      roomlinkBin(o.hubRoot ?? PROJECT_ROOT),
      'hub',
      '--broker',
      `mqtt://${o.brokerHost}:${o.brokerPort}`,
      ...o.devices.flatMap((d) => ['--serial', d]),
      '--qos',
      String(o.qos),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      // The dashboard on, as users run the hub, on a free port (a variant's settings file
      // may turn it off with http.enabled: false).
      '--http',
      '127.0.0.1:0',
      ...(o.hubConfig ? ['--config', o.hubConfig] : []),
    ];
    return spawn(process.execPath, args, { cwd: o.hubRoot ?? PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private spawnNaive(k: number): ChildProcess {
    const o = this.opts;
    const args = [join(HERE, 'naive-bridge.js'), o.devices[k], `mqtt://${o.brokerHost}:${o.brokerPort}`, rawTopic(k), String(o.qos)];
    return spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private spawnMosquittoPub(k: number): ChildProcess {
    const o = this.opts;
    // `mosquitto_pub -l < /dev/ttyUSB0`: the device is its stdin.
    const fd = openSync(o.devices[k], constants.O_RDONLY | constants.O_NOCTTY);
    try {
      const args = [
        '-h',
        o.brokerHost,
        '-p',
        String(o.brokerPort),
        '-q',
        String(o.qos),
        '-t',
        rawTopic(k),
        '-l',
        '-i',
        `bench-mp-${process.pid}-${k}-${Date.now()}`,
      ];
      return spawn(toolPath('mosquitto_pub'), args, { stdio: [fd, 'pipe', 'pipe'] });
    } finally {
      closeSync(fd);
    }
  }
}
