// `npm run bench`: the hub against the bridges a user would use instead (issue 7).
//
// Every measurement goes through real parts: socat pty pairs as serial ports, a private
// Mosquitto (never port 1883, loopback only, `max_queued_messages 0` so it drops nothing),
// the contenders as separate processes, a raw-socket MQTT counter (counter.ts) and a pty
// writer (writer.ts) in their own processes. Contenders are alternated within one run of
// the harness and every number is a median over rounds, because these machines are noisy.
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from './helpers/mosquitto.ts';
import { openPtyPair, type PtyPair } from './helpers/pty.ts';
import { Bridge, CounterProcess, isHub, procSample, runWriter, type PathName } from './children.ts';
import type { CounterStats } from './counter.ts';
import { COUNT_FILTER, layout, warmupLine, type Layout } from './lines.ts';
import { summariseProfile, type ProfileSummary } from './profile.ts';
import { percentile, median } from './stats.ts';
import type { WriterDone } from './writer.ts';

export type Part = 'throughput' | 'idle' | 'latency' | 'outage' | 'ports' | 'firmware' | 'profile';
export const ALL_PARTS: Part[] = ['throughput', 'idle', 'latency', 'outage', 'ports', 'firmware', 'profile'];

export interface BenchOptions {
  parts: Part[];
  paths: PathName[];
  qos: (0 | 1)[];
  /** Alternating rounds per measurement (median reported). */
  runs: number;
  /** Throughput: readings written as fast as the pty takes them. */
  lines: number;
  /** mosquitto_pub -l at QoS 1 stops early past 65,535 message ids: lines per process. */
  mosquittoPubSegment: number;
  latencySeconds: number;
  latencyIntervalMs: number;
  /** QoS levels for the latency part. */
  latencyQos: (0 | 1)[];
  outageSeconds: number;
  outageRate: number;
  outagePaths: PathName[];
  ports: number;
  portsRate: number;
  portsSeconds: number;
  portsQos: 0 | 1;
  hubConfig?: string;
  /** Settings files of hub variants, by name: path `hub@<name>` runs the hub with it. */
  hubVariants: Record<string, string>;
  /** Project folders of hub variants, by name: path `hub@<name>` runs that folder's hub (old code vs new in one run). */
  hubRoots: Record<string, string>;
  /** Idle part: seconds after the first reading went through before RSS is read. */
  idleSeconds: number;
  /** Profile every hub run (node --cpu-prof) into this folder and summarise it in the run. */
  hubCpuProfDir?: string;
  log: (message: string) => void;
}

// ---------------------------------------------------------------- results

export interface ThroughputRun {
  path: PathName;
  qos: 0 | 1;
  round: number;
  lines: number;
  delivered: number;
  duplicates: number;
  seconds: number;
  msgPerS: number;
  cpuS: number;
  cpuSPer100k: number;
  peakRssMB: number;
  processes: number;
  /** CPU seconds of Mosquitto, the counter, socat and the writer during the run, to see who was busy. */
  brokerCpuS: number;
  counterCpuS: number;
  socatCpuS: number;
  writerCpuS: number;
  note?: string;
}

export interface IdleRun {
  path: PathName;
  round: number;
  /** Seconds after the first reading went through. */
  seconds: number;
  /** RSS then, and the part of it that is anonymous memory (heap, not mapped files), MB. */
  rssMB: number;
  anonMB: number;
  /** Peak RSS so far (start-up included), MB. */
  peakRssMB: number;
}

export interface LatencyRun {
  path: PathName;
  qos: 0 | 1;
  round: number;
  sent: number;
  delivered: number;
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How far the writer fell behind its 1 ms schedule at worst. */
  writerLateMaxMs: number;
  cpuPercent: number;
  peakRssMB: number;
  brokerCpuPercent: number;
  /** Where the slow readings were: see spikes(). */
  spikes: Spikes;
  note?: string;
}

export interface OutageRun {
  path: PathName;
  seconds: number;
  rate: number;
  written: number;
  delivered: number;
  duplicates: number;
  /** RSS of the bridge every ~second of the outage, MB. */
  rssSeriesMB: number[];
  rssStartMB: number;
  rssEndMB: number;
  peakRssMB: number;
  cpuS: number;
  cpuSPer100k: number;
  /** From broker restart to the last reading's arrival. */
  drainSeconds: number;
  note?: string;
}

export interface PortsRun {
  path: PathName;
  qos: 0 | 1;
  ports: number;
  rate: number;
  seconds: number;
  sent: number;
  delivered: number;
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuS: number;
  /** CPU time over wall time of the writing window, percent of one core. */
  cpuPercent: number;
  /** Peak RSS: summed over the processes of the path (one per port except the hub). */
  peakRssMB: number;
  processes: number;
  brokerCpuPercent: number;
  writerLateMaxMs: number;
  spikes: Spikes;
  note?: string;
}

// ---------------------------------------------------------------- helpers

const MB = 1024;
const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node-side fds for the harness's own (warm-up) writes, opened without becoming a controlling tty. */
class NodeSide {
  private fds = new Map<string, number>();
  write(path: string, text: string): void {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY);
      this.fds.set(path, fd);
    }
    writeSync(fd, text);
  }
  close(): void {
    for (const fd of this.fds.values()) {
      try {
        closeSync(fd);
      } catch {
        /* gone */
      }
    }
    this.fds.clear();
  }
}

export class Bench {
  readonly root: string;
  broker: Mosquitto | undefined;
  private seq = 0;

  constructor(readonly opts: BenchOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'roomlink-bench-'));
  }

  private log(message: string): void {
    this.opts.log(message);
  }

  private workDir(tag: string): string {
    const dir = join(this.root, `${++this.seq}-${tag}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The private Mosquitto shared by throughput, latency and many-ports. No persistence: it
   * would otherwise write its database on every retained message the hub publishes. */
  async startBroker(): Promise<Mosquitto> {
    if (!this.broker) {
      this.broker = await new Mosquitto({ persistence: false, maxQueuedMessages: 0 }).start();
      this.log(`mosquitto on ${this.broker.url} (max_queued_messages 0, persistence off)`);
    }
    return this.broker;
  }

  async dispose(): Promise<void> {
    await this.broker?.dispose();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Counter, ptys and bridge for one measurement; always torn down. */
  private async withSetup<T>(
    tag: string,
    broker: Mosquitto,
    cfg: { path: PathName; qos: 0 | 1; ports: number; layout: Layout; clean?: boolean; clientId?: string; cpuProfDir?: string },
    body: (s: { ptys: PtyPair[]; counter: CounterProcess; bridge: Bridge; node: NodeSide; work: string }) => Promise<T>,
  ): Promise<T> {
    const work = this.workDir(tag);
    const ptys: PtyPair[] = [];
    const node = new NodeSide();
    let counter: CounterProcess | undefined;
    let bridge: Bridge | undefined;
    let cpuProfDir = cfg.cpuProfDir;
    if (!cpuProfDir && this.opts.hubCpuProfDir && isHub(cfg.path)) {
      cpuProfDir = join(this.opts.hubCpuProfDir, `${this.seq}-${tag}`);
      mkdirSync(cpuProfDir, { recursive: true });
    }
    let result: T;
    try {
      for (let k = 0; k < cfg.ports; k++) ptys.push(await openPtyPair());
      counter = await CounterProcess.start({
        host: '127.0.0.1',
        port: broker.port,
        filter: COUNT_FILTER,
        qos: cfg.qos,
        clientId: cfg.clientId ?? `bench-counter-${process.pid}-${this.seq}`,
        clean: cfg.clean ?? true,
        ports: cfg.layout.ports * cfg.layout.roomsPerPort,
        perPort: cfg.layout.span,
      });
      const variant = cfg.path.startsWith('hub@') ? cfg.path.slice(4) : undefined;
      bridge = new Bridge(cfg.path, {
        brokerHost: '127.0.0.1',
        brokerPort: broker.port,
        devices: ptys.map((p) => p.devicePath),
        qos: cfg.qos,
        workDir: work,
        hubConfig: variant !== undefined ? this.opts.hubVariants[variant] : this.opts.hubConfig,
        hubRoot: variant !== undefined ? this.opts.hubRoots[variant] : undefined,
        cpuProfDir,
      });
      bridge.start();
      await this.warmUp(ptys, node, counter, bridge);
      result = await body({ ptys, counter, bridge, node, work });
    } finally {
      node.close();
      await bridge?.stop();
      await counter?.stop();
      for (const p of ptys) await p.dispose().catch(() => undefined);
    }
    if (cpuProfDir && !cfg.cpuProfDir && result && typeof result === 'object') {
      const file = readdirSync(cpuProfDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        const summary = summariseProfile(JSON.parse(readFileSync(join(cpuProfDir, file), 'utf8')), 12);
        (result as { profile?: ProfileSummary }).profile = summary;
      }
    }
    return result;
  }

  /**
   * Writes a warm-up line into every pty (again every 300 ms) until the counter has seen one
   * from each and one more than before: the bridge is then connected and reading.
   */
  private async warmUp(ptys: PtyPair[], node: NodeSide, counter: CounterProcess, bridge: Bridge): Promise<void> {
    const base = (await counter.stats()).warmups;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      for (let k = 0; k < ptys.length; k++) node.write(ptys[k].nodePath, warmupLine(k));
      for (let i = 0; i < 10; i++) {
        await sleep(50);
        const s = await counter.stats();
        if (s.warmupPorts >= ptys.length && s.warmups > base) return;
      }
      const dead = bridge.deadReport();
      if (dead) throw new Error(`bridge died while warming up:\n${dead}`);
    }
    throw new Error(`no warm-up line arrived through ${bridge.name} within 60 s:\n${bridge.output()}`);
  }

  /** Polls the counter until `target` readings arrived, or nothing new came for `stallMs`. */
  private async waitDelivered(counter: CounterProcess, bridge: Bridge, target: number, stallMs: number, capMs: number): Promise<CounterStats> {
    const deadline = Date.now() + capMs;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const s = await counter.stats();
      if (s.unique >= target) return s;
      if (s.unique !== last) {
        last = s.unique;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > stallMs || Date.now() > deadline) return s;
      if (bridge.deadReport() && Date.now() - lastChange > 1000) return s;
      await sleep(50);
    }
  }

  // ------------------------------------------------------------ 1. throughput

  async throughputRun(path: PathName, qos: 0 | 1, round: number, cpuProfDir?: string): Promise<ThroughputRun> {
    const broker = await this.startBroker();
    const lines = this.opts.lines;
    const l = layout(1, lines);
    return this.withSetup(`tp-${path}-q${qos}`, broker, { path, qos, ports: 1, layout: l, cpuProfDir }, async ({ ptys, counter, bridge, node }) => {
      const segment = path === 'mosquitto_pub' && qos === 1 ? this.opts.mosquittoPubSegment : lines;
      let seconds = 0;
      const cpu0 = bridge.cpuS();
      const broker0 = pidCpu(brokerPid(broker));
      const counter0 = pidCpu(counter.child.pid);
      const socat0 = pidCpu(ptys[0].socatPid);
      let writerCpuS = 0;
      let stats: CounterStats | undefined;
      let processes = 1;
      for (let start = 0; start < lines; start += segment) {
        if (start > 0) {
          // A fresh mosquitto_pub for the next segment; its start-up is not timed.
          await bridge.respawn();
          processes++;
          await this.warmUp(ptys, node, counter, bridge);
        }
        const count = Math.min(segment, lines - start);
        const done = await runWriter({ paths: [ptys[0].nodePath], mode: 'burst', layout: l, seqStart: start, count }, 120_000 + count);
        writerCpuS += done.cpuS;
        stats = await this.waitDelivered(counter, bridge, start + count, 10_000, 600_000);
        seconds += Number(BigInt(stats.lastArrivalNs) - BigInt(done.startNs)) / 1e9;
        if (stats.unique < start + count) break;
      }
      const cpuS = bridge.cpuS() - cpu0;
      const brokerCpuS = pidCpu(brokerPid(broker)) - broker0;
      const counterCpuS = pidCpu(counter.child.pid) - counter0;
      const socatCpuS = pidCpu(ptys[0].socatPid) - socat0;
      const delivered = stats?.unique ?? 0;
      const run: ThroughputRun = {
        path,
        qos,
        round,
        lines,
        delivered,
        duplicates: stats?.duplicates ?? 0,
        seconds: round2(seconds),
        msgPerS: Math.round(delivered / seconds),
        cpuS: round2(cpuS),
        cpuSPer100k: round2((cpuS / Math.max(1, delivered)) * 100_000),
        peakRssMB: round1(bridge.peakRssKb() / MB),
        processes,
        brokerCpuS: round2(brokerCpuS),
        counterCpuS: round2(counterCpuS),
        socatCpuS: round2(socatCpuS),
        writerCpuS: round2(writerCpuS),
      };
      if (delivered < lines) run.note = `${lines - delivered} readings never arrived`;
      return run;
    });
  }

  // ------------------------------------------------------------ idle footprint

  /** The bridge connected, one reading through, then idle: its RSS after `idleSeconds`. */
  async idleRun(path: PathName, round: number): Promise<IdleRun> {
    const broker = await this.startBroker();
    return this.withSetup(`idle-${path}`, broker, { path, qos: 1, ports: 1, layout: layout(1, 1) }, async ({ bridge }) => {
      await sleep(this.opts.idleSeconds * 1000);
      const pid = bridge.pids()[0];
      const s = pid ? procSample(pid) : undefined;
      return {
        path,
        round,
        seconds: this.opts.idleSeconds,
        rssMB: round1((s?.rssKb ?? NaN) / MB),
        anonMB: round1((s?.anonKb ?? NaN) / MB),
        peakRssMB: round1((s?.hwmKb ?? NaN) / MB),
      };
    });
  }

  // ------------------------------------------------------------ 2. latency

  async latencyRun(path: PathName, qos: 0 | 1, round: number): Promise<LatencyRun> {
    const broker = await this.startBroker();
    const interval = this.opts.latencyIntervalMs;
    const count = Math.round((this.opts.latencySeconds * 1000) / interval);
    const l = layout(1, count);
    return this.withSetup(`lat-${path}-q${qos}`, broker, { path, qos, ports: 1, layout: l }, async ({ ptys, counter, bridge, work }) => {
      const timesFile = join(work, 'sent.f64');
      const cpu0 = bridge.cpuS();
      const broker0 = pidCpu(brokerPid(broker));
      const done = await runWriter(
        { paths: [ptys[0].nodePath], mode: 'paced', layout: l, seqStart: 0, count, intervalMs: interval, timesFile },
        this.opts.latencySeconds * 1000 + 60_000,
      );
      const brokerCpuS = pidCpu(brokerPid(broker)) - broker0;
      const stats = await this.waitDelivered(counter, bridge, count, 5_000, 120_000);
      const cpuS = bridge.cpuS() - cpu0;
      const sent = readTimes(timesFile);
      const arrived = await counter.arrivals(join(work, 'arrived.f64'));
      const lat = latencies(sent, arrived);
      const wall = Number(BigInt(done.endNs) - BigInt(done.startNs)) / 1e9;
      const run: LatencyRun = {
        path,
        qos,
        round,
        sent: count,
        delivered: stats.unique,
        duplicates: stats.duplicates,
        p50Ms: round2(percentile(lat, 50)),
        p99Ms: round2(percentile(lat, 99)),
        maxMs: round2(lat.length ? Math.max(...lat) : NaN),
        writerLateMaxMs: round2(done.lateMaxMs),
        cpuPercent: round1((cpuS / wall) * 100),
        peakRssMB: round1(bridge.peakRssKb() / MB),
        brokerCpuPercent: round1((brokerCpuS / wall) * 100),
        spikes: spikes(sent, arrived, 5),
      };
      if (stats.unique < count) run.note = `${count - stats.unique} readings never arrived`;
      return run;
    });
  }

  // ------------------------------------------------------------ 3. footprint in an outage

  async outageRun(path: PathName): Promise<OutageRun> {
    // Its own broker, stopped and restarted; persistence on so the counter's session (and
    // what is queued for it) survives, but saved only at shutdown.
    const broker = await new Mosquitto({ persistence: true, maxQueuedMessages: 0, extraConfig: 'autosave_interval 1800\nautosave_on_changes false' }).start();
    const rate = this.opts.outageRate;
    const seconds = this.opts.outageSeconds;
    const count = Math.round(seconds * rate);
    const l = layout(1, count);
    try {
      return await this.withSetup(
        `outage-${path}`,
        broker,
        { path, qos: 1, ports: 1, layout: l, clean: false, clientId: `bench-outage-${process.pid}-${this.seq}` },
        async ({ ptys, counter, bridge }) => {
          await broker.stop();
          await sleep(500);
          const rssStart = bridge.rssKb();
          const cpu0 = bridge.cpuS();
          const series: number[] = [];
          const sampler = setInterval(() => series.push(round1(bridge.rssKb() / MB)), 1000);
          let done: WriterDone;
          try {
            done = await runWriter(
              { paths: [ptys[0].nodePath], mode: 'paced', layout: l, seqStart: 0, count, intervalMs: 1000 / rate },
              seconds * 1000 + 120_000,
            );
          } finally {
            clearInterval(sampler);
          }
          const rssEnd = bridge.rssKb();
          const peak = bridge.peakRssKb();
          const cpuS = bridge.cpuS() - cpu0;
          const restarted = process.hrtime.bigint();
          await broker.start();
          const stats = await this.waitDelivered(counter, bridge, count, 30_000, Math.max(300_000, seconds * 1000));
          const run: OutageRun = {
            path,
            seconds,
            rate,
            written: done.written,
            delivered: stats.unique,
            duplicates: stats.duplicates,
            rssSeriesMB: thin(series, 60),
            rssStartMB: round1(rssStart / MB),
            rssEndMB: round1(rssEnd / MB),
            peakRssMB: round1(peak / MB),
            cpuS: round2(cpuS),
            cpuSPer100k: round2((cpuS / Math.max(1, done.written)) * 100_000),
            drainSeconds: stats.unique > 0 ? round2(Number(BigInt(stats.lastArrivalNs) - restarted) / 1e9) : NaN,
          };
          if (stats.unique < count) run.note = `${count - stats.unique} readings never arrived`;
          return run;
        },
      );
    } finally {
      await broker.dispose();
    }
  }

  // ------------------------------------------------------------ 4. many ports

  async portsRun(path: PathName): Promise<PortsRun> {
    const broker = await this.startBroker();
    const { ports, portsRate: rate, portsSeconds: seconds, portsQos: qos } = this.opts;
    const count = Math.round(seconds * rate);
    const l = layout(ports, count);
    return this.withSetup(`ports-${path}`, broker, { path, qos, ports, layout: l }, async ({ ptys, counter, bridge, work }) => {
      const timesFile = join(work, 'sent.f64');
      const cpu0 = bridge.cpuS();
      const broker0 = pidCpu(brokerPid(broker));
      const done = await runWriter(
        { paths: ptys.map((p) => p.nodePath), mode: 'paced', layout: l, seqStart: 0, count, intervalMs: 1000 / rate, timesFile },
        seconds * 1000 + 120_000,
      );
      const cpuS = bridge.cpuS() - cpu0;
      const brokerCpuS = pidCpu(brokerPid(broker)) - broker0;
      const stats = await this.waitDelivered(counter, bridge, ports * count, 5_000, 300_000);
      const wall = Number(BigInt(done.endNs) - BigInt(done.startNs)) / 1e9;
      const sent = readTimes(timesFile);
      const arrived = await counter.arrivals(join(work, 'arrived.f64'));
      const lat = latencies(sent, arrived);
      const run: PortsRun = {
        path,
        qos,
        ports,
        rate,
        seconds,
        sent: done.written,
        delivered: stats.unique,
        duplicates: stats.duplicates,
        p50Ms: round2(percentile(lat, 50)),
        p99Ms: round2(percentile(lat, 99)),
        maxMs: round2(lat.length ? lat.reduce((a, b) => Math.max(a, b), 0) : NaN),
        cpuS: round2(cpuS),
        cpuPercent: round1((cpuS / wall) * 100),
        peakRssMB: round1(bridge.sumPeakRssKb() / MB),
        processes: bridge.pids().length,
        brokerCpuPercent: round1((brokerCpuS / wall) * 100),
        writerLateMaxMs: round1(done.lateMaxMs),
        spikes: spikes(sent, arrived, 5),
      };
      const behind = done.lateMaxMs > 100 ? `; the writer fell up to ${Math.round(done.lateMaxMs)} ms behind schedule (ptys full)` : '';
      if (stats.unique < ports * count || behind) run.note = `${ports * count - stats.unique} readings never arrived${behind}`;
      return run;
    });
  }

  // ------------------------------------------------------------ 6. profile of the hub

  async profileRun(qos: 0 | 1): Promise<{ run: ThroughputRun; profile: ProfileSummary | undefined }> {
    const dir = this.workDir(`prof-q${qos}`);
    const run = await this.throughputRun('hub', qos, 0, dir);
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
    if (!file) return { run, profile: undefined };
    return { run, profile: summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8'))) };
  }
}

function brokerPid(broker: Mosquitto): number | undefined {
  return (broker as unknown as { child?: { pid?: number } }).child?.pid;
}

function pidCpu(pid: number | undefined): number {
  return (pid && procSample(pid)?.cpuS) || 0;
}

function readTimes(file: string): Float64Array {
  const buf = readFileSync(file);
  return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
}

/** Arrival minus send time of every reading that arrived, ms. */
function latencies(sent: Float64Array, arrived: Float64Array): number[] {
  const out: number[] = [];
  const n = Math.min(sent.length, arrived.length);
  for (let i = 0; i < n; i++) if (sent[i] > 0 && arrived[i] > 0) out.push(arrived[i] - sent[i]);
  return out;
}

export interface Spikes {
  thresholdMs: number;
  /** Readings slower than the threshold. */
  slow: number;
  /** Runs of consecutive slow readings, and the median time between the starts of two. */
  episodes: number;
  medianGapMs: number;
  /** The five slowest episodes: when (ms after the first write), how many readings, worst ms. */
  worst: { atMs: number; readings: number; maxMs: number }[];
}

/**
 * Slow readings grouped into episodes, to tell a periodic stall (a timer-driven flush shows
 * as a steady gap between episodes) from scattered scheduling noise.
 */
export function spikes(sent: Float64Array, arrived: Float64Array, thresholdMs: number): Spikes {
  const episodes: { start: number; readings: number; maxMs: number }[] = [];
  let current: { start: number; readings: number; maxMs: number } | undefined;
  let slow = 0;
  let t0 = 0;
  for (let i = 0; i < Math.min(sent.length, arrived.length); i++) {
    if (!(sent[i] > 0)) continue;
    if (t0 === 0) t0 = sent[i];
    const lat = arrived[i] > 0 ? arrived[i] - sent[i] : Infinity;
    if (lat > thresholdMs) {
      slow++;
      if (!current) {
        current = { start: sent[i] - t0, readings: 0, maxMs: 0 };
        episodes.push(current);
      }
      current.readings++;
      current.maxMs = Math.max(current.maxMs, lat);
    } else current = undefined;
  }
  const gaps: number[] = [];
  for (let i = 1; i < episodes.length; i++) gaps.push(episodes[i].start - episodes[i - 1].start);
  const worst = [...episodes]
    .sort((a, b) => b.maxMs - a.maxMs)
    .slice(0, 5)
    .map((e) => ({ atMs: Math.round(e.start), readings: e.readings, maxMs: round1(e.maxMs) }));
  return { thresholdMs, slow, episodes: episodes.length, medianGapMs: round1(median(gaps)), worst };
}

/** At most `n` evenly spaced samples of a series (keeps the last). */
function thin(series: number[], n: number): number[] {
  if (series.length <= n) return series;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(series[Math.floor((i * (series.length - 1)) / (n - 1))]);
  return out;
}

export { median };
