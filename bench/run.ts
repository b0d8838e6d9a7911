// `roomlink bench` / `npm run bench`: runs the parts of issue 7 with the contenders
// alternated, prints a table and writes dist/bench.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseCommandLine, UsageError } from '../hub/config/args.ts';
import { BENCH_FLAGS, benchUsage } from './flags.ts';
import { findTool } from './helpers/tools.ts';
import { ALL_PATHS, isHub, PROJECT_ROOT, roomlinkBin, type PathName } from './children.ts';
import { ALL_PARTS, Bench, type BenchOptions, type IdleRun, type LatencyRun, type OutageRun, type PortsRun, type ThroughputRun } from './harness.ts';
import type { ProfileSummary } from './profile.ts';
import { median } from './stats.ts';

function list<T extends string>(text: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s === 'footprint' ? 'outage' : s === 'many-ports' ? 'ports' : s));
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`unknown ${what} '${i}' (one of ${allowed.join(', ')})`);
  return items as T[];
}

function num(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got '${text}'`);
  return n;
}

interface Parsed {
  opts: BenchOptions;
  out: string;
  quick: boolean;
}

function parse(argv: string[], log: (m: string) => void): Parsed | 'help' {
  // Switches are true, repeatable flags (--hub-variant, --hub-root) lists, the others text.
  const { values: all } = parseCommandLine(argv, BENCH_FLAGS);
  const values = all as Record<string, string | undefined> &
    Record<'hub-variant' | 'hub-root', string[] | undefined> &
    Record<'help' | 'quick', true | undefined>;
  if (values.help) return 'help';
  const quick = values.quick === true;
  let parts = list(values.only, ALL_PARTS, 'part') ?? (quick ? ALL_PARTS.filter((p) => p !== 'profile') : [...ALL_PARTS]);
  const skip = list(values.skip, ALL_PARTS, 'part') ?? [];
  parts = parts.filter((p) => !skip.includes(p));
  const qos = (list(values.qos, ['0', '1'] as const, 'QoS') ?? ['0', '1']).map((q) => Number(q) as 0 | 1);
  const portsQosText = values['ports-qos'] ?? '1';
  if (portsQosText !== '0' && portsQosText !== '1') throw new Error(`--ports-qos must be 0 or 1, got '${portsQosText}'`);
  const portsQos = portsQosText === '1' ? 1 : 0;
  const hubVariants: Record<string, string> = {};
  for (const v of values['hub-variant'] ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0 || !/^[a-z0-9_-]+$/.test(v.slice(0, eq))) throw new Error(`--hub-variant wants NAME=FILE (name of a-z0-9_-), got '${v}'`);
    hubVariants[v.slice(0, eq)] = resolve(v.slice(eq + 1));
  }
  const hubRoots: Record<string, string> = {};
  for (const v of values['hub-root'] ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0 || !/^[a-z0-9_-]+$/.test(v.slice(0, eq))) throw new Error(`--hub-root wants NAME=DIR (name of a-z0-9_-), got '${v}'`);
    const dir = resolve(v.slice(eq + 1));
    if (!existsSync(roomlinkBin(dir))) throw new Error(`--hub-root ${v}: no cli/bin.js (or the older hub/bin.js) in ${dir}`);
    hubRoots[v.slice(0, eq)] = dir;
  }
  const pathNames = [...ALL_PATHS, ...[...new Set([...Object.keys(hubVariants), ...Object.keys(hubRoots)])].map((n) => `hub@${n}` as PathName)];
  return {
    quick,
    out: resolve(values.out ?? join(PROJECT_ROOT, 'dist/bench.json')),
    opts: {
      parts,
      paths: list(values.paths, pathNames, 'path') ?? pathNames,
      qos,
      runs: Math.round(num(values.runs, quick ? 1 : 3, 'runs')),
      lines: Math.round(num(values.lines, quick ? 10_000 : 200_000, 'lines')),
      mosquittoPubSegment: Math.round(num(values['mosquitto-pub-segment'], 50_000, 'mosquitto-pub-segment')),
      latencySeconds: num(values['latency-seconds'], quick ? 1 : 10, 'latency-seconds'),
      latencyIntervalMs: num(values['latency-interval-ms'], 1, 'latency-interval-ms'),
      latencyQos: values.qos !== undefined || !quick ? qos : [1],
      outageSeconds: num(values['outage-seconds'], quick ? 2 : 600, 'outage-seconds'),
      outageRate: num(values['outage-rate'], 1000, 'outage-rate'),
      outagePaths: list(values['outage-paths'], pathNames, 'path') ?? (quick ? ['hub'] : ['naive', 'hub']),
      ports: Math.round(num(values.ports, quick ? 2 : 16, 'ports')),
      portsRate: num(values['ports-rate'], 1000, 'ports-rate'),
      portsSeconds: num(values['ports-seconds'], quick ? 1 : 30, 'ports-seconds'),
      portsQos,
      hubConfig: values['hub-config'] ? resolve(values['hub-config']) : undefined,
      hubVariants,
      hubRoots,
      idleSeconds: num(values['idle-seconds'], quick ? 2 : 10, 'idle-seconds'),
      hubCpuProfDir: values['hub-cpu-prof'] ? resolve(values['hub-cpu-prof']) : undefined,
      log,
    },
  };
}

// ---------------------------------------------------------------- machine

export interface Machine {
  cpus: number;
  cpuModel: string;
  memTotalMB: number;
  kernel: string;
  node: string;
  mosquitto: string;
  loadAvgStart: number[];
  loadAvgEnd?: number[];
}

function machine(): Machine {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux */
  }
  const mosq = spawnSync(findTool('mosquitto') ?? 'mosquitto', ['-h'], { encoding: 'utf8' });
  return {
    cpus: os.availableParallelism(),
    cpuModel: model.trim(),
    memTotalMB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    mosquitto: /mosquitto version (\S+)/.exec(mosq.stdout ?? '')?.[1] ?? 'unknown',
    loadAvgStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function hubAvailable(): string | undefined {
  const r = spawnSync(process.execPath, [roomlinkBin(PROJECT_ROOT), 'hub', '--help'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return undefined;
  return (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(0, 3).join(' / ');
}

// ---------------------------------------------------------------- table

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isFinite(c) ? String(c) : '-') : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

function rotate<T>(items: T[], by: number): T[] {
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const r2 = (n: number) => Math.round(n * 100) / 100;

// ---------------------------------------------------------------- run

export async function runBench(argv: string[]): Promise<number> {
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv, log);
  } catch (err) {
    // Printed as every command prints a command line it cannot use (cli.ts: reportError).
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
  if (parsed === 'help') {
    console.log(benchUsage());
    return 0;
  }
  const { opts, out, quick } = parsed;
  const missing = ['mosquitto', 'mosquitto_pub', 'socat'].filter((t) => !findTool(t));
  const needsTools = opts.parts.some((p) => p !== 'firmware');
  if (needsTools && missing.length) {
    process.stderr.write(`roomlink bench: missing ${missing.join(', ')} (apt-get install -y mosquitto mosquitto-clients socat)\n`);
    return 1;
  }
  const notes: string[] = [];
  const m = machine();
  log(`machine: ${m.cpus} CPUs, ${m.cpuModel}, load ${m.loadAvgStart.join(' ')}`);
  if (opts.paths.some(isHub) || opts.outagePaths.some(isHub) || opts.parts.includes('profile')) {
    const why = hubAvailable();
    if (why) {
      notes.push(`roomlink hub is not runnable yet (${why}): hub rows skipped`);
      log(notes[notes.length - 1]);
      opts.paths = opts.paths.filter((p) => !isHub(p));
      opts.outagePaths = opts.outagePaths.filter((p) => !isHub(p));
      opts.parts = opts.parts.filter((p) => p !== 'profile');
    }
  }

  const report: Record<string, unknown> = {
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    date: new Date().toISOString(),
    machine: m,
    options: { ...opts, log: undefined },
    notes,
  };
  const text: string[] = [];
  const bench = new Bench(opts);
  const errors: string[] = [];
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    log(what);
    try {
      return await f();
    } catch (err) {
      const msg = `${what}: ${(err as Error).stack ?? err}`;
      errors.push(msg.slice(0, 2000));
      log(`FAILED ${msg.slice(0, 600)}`);
      return undefined;
    }
  };
  /**
   * Every path at every QoS, for `opts.runs` rounds; the path order rotates each round (and
   * per QoS) so no contender always goes first. Failed runs are logged and left out.
   */
  const alternate = async <R>(
    what: string,
    qosList: (0 | 1)[],
    run: (path: PathName, qos: 0 | 1, round: number) => Promise<R>,
    describe: (r: R) => string,
  ): Promise<R[]> => {
    const runs: R[] = [];
    for (let round = 0; round < opts.runs; round++) {
      for (const [qi, qos] of qosList.entries()) {
        for (const path of rotate(opts.paths, round + qi)) {
          const r = await attempt(`${what} round ${round + 1}/${opts.runs} QoS ${qos} ${path}`, () => run(path, qos, round));
          if (r) {
            runs.push(r);
            log(`  ${describe(r)}`);
          }
        }
      }
    }
    return runs;
  };
  const noted = (note?: string) => (note ? ` (${note})` : '');

  try {
    // ---- 1. throughput
    if (opts.parts.includes('throughput')) {
      const runs: ThroughputRun[] = await alternate(
        'throughput',
        opts.qos,
        (path, qos, round) => bench.throughputRun(path, qos, round),
        (r) => `${r.msgPerS} msg/s, ${r.delivered}/${r.lines} delivered, CPU ${r.cpuS} s, peak RSS ${r.peakRssMB} MB${noted(r.note)}`,
      );
      const summary = opts.qos.flatMap((qos) =>
        opts.paths.map((path) => {
          const rs = runs.filter((r) => r.qos === qos && r.path === path);
          /** Median CPU seconds per 100k readings delivered, of what `cpuS` picks from a round. */
          const per100k = (cpuS: (r: ThroughputRun) => number) => r2(median(rs.map((r) => (cpuS(r) / Math.max(1, r.delivered)) * 100_000)));
          return {
            qos,
            path,
            runs: rs.length,
            msgPerS: Math.round(median(rs.map((r) => r.msgPerS))),
            minMsgPerS: Math.min(...rs.map((r) => r.msgPerS)),
            maxMsgPerS: Math.max(...rs.map((r) => r.msgPerS)),
            delivered: `${Math.min(...rs.map((r) => r.delivered))}/${opts.lines}`,
            cpuSPer100k: r2(median(rs.map((r) => r.cpuSPer100k))),
            peakRssMB: r2(median(rs.map((r) => r.peakRssMB))),
            brokerCpuSPer100k: per100k((r) => r.brokerCpuS),
            counterCpuSPer100k: per100k((r) => r.counterCpuS),
            socatCpuSPer100k: per100k((r) => r.socatCpuS),
            writerCpuSPer100k: per100k((r) => r.writerCpuS),
            // Every process of the pipeline: on a machine they saturate, msg/s follows this.
            allCpuSPer100k: per100k((r) => r.cpuS + r.brokerCpuS + r.counterCpuS + r.socatCpuS + r.writerCpuS),
          };
        }),
      );
      // Every hub (and hub variant) against every other contender, per QoS.
      const pairs: [PathName, PathName][] = [];
      for (const h of opts.paths.filter(isHub)) for (const o of opts.paths) if (o !== h && !(isHub(o) && o !== 'hub')) pairs.push([h, o]);
      const ratios = opts.qos.flatMap((qos) =>
        pairs.map(([h, other]) => {
          const hub = summary.find((s) => s.qos === qos && s.path === h)!;
          const ref = summary.find((s) => s.qos === qos && s.path === other)!;
          const perRound: number[] = [];
          for (let round = 0; round < opts.runs; round++) {
            const a = runs.find((r) => r.qos === qos && r.path === h && r.round === round);
            const b = runs.find((r) => r.qos === qos && r.path === other && r.round === round);
            if (a && b) perRound.push(a.msgPerS / b.msgPerS);
          }
          return {
            qos,
            ratio: `${h}/${other}`,
            ofMedians: r2(hub.msgPerS / ref.msgPerS),
            medianPerRound: r2(median(perRound)),
            rssRatio: r2(hub.peakRssMB / ref.peakRssMB),
            // What any bridge could reach against this contender if it cost no CPU at all,
            // when the machine is saturated: the contender's pipeline without the contender.
            ceiling: r2(ref.allCpuSPer100k / Math.max(0.01, ref.allCpuSPer100k - ref.cpuSPer100k)),
          };
        }),
      );
      report.throughput = { runs, summary, ratios };
      text.push(
        `Throughput: ${opts.lines.toLocaleString('en')} readings (~58 bytes) written as fast as a socat pty takes them; median of ${opts.runs} alternating round(s). CPU in seconds per 100k readings: the bridge, then Mosquitto, the counting subscriber, socat and the writer, and all of them together`,
        table(
          ['QoS', 'path', 'msg/s', 'min..max', 'delivered', 'CPU s/100k', 'peak RSS MB', 'broker', 'counter', 'socat', 'writer', 'all CPU s/100k'],
          summary.map((s) => [
            String(s.qos),
            s.path,
            s.msgPerS,
            `${s.minMsgPerS}..${s.maxMsgPerS}`,
            s.delivered,
            s.cpuSPer100k,
            s.peakRssMB,
            s.brokerCpuSPer100k,
            s.counterCpuSPer100k,
            s.socatCpuSPer100k,
            s.writerCpuSPer100k,
            s.allCpuSPer100k,
          ]),
        ),
        '',
      );
      if (ratios.length) {
        text.push(
          table(
            ['QoS', 'ratio', 'msg/s (medians)', 'msg/s (median per round)', 'peak RSS', 'ceiling (a bridge of no CPU)'],
            ratios.map((r) => [String(r.qos), r.ratio, r.ofMedians, r.medianPerRound, r.rssRatio, r.ceiling]),
          ),
          '',
        );
      }
    }

    // ---- idle footprint
    if (opts.parts.includes('idle')) {
      const idlePaths = opts.paths.filter((p) => p !== 'mosquitto_pub');
      const runs: IdleRun[] = [];
      for (let round = 0; round < opts.runs; round++) {
        for (const path of rotate(idlePaths, round)) {
          const r = await attempt(`idle round ${round + 1}/${opts.runs} ${path}`, () => bench.idleRun(path, round));
          if (r) {
            runs.push(r);
            log(`  RSS ${r.rssMB} MB (anonymous ${r.anonMB} MB), peak ${r.peakRssMB} MB`);
          }
        }
      }
      const summary = idlePaths.map((path) => {
        const rs = runs.filter((r) => r.path === path);
        return {
          path,
          runs: rs.length,
          rssMB: r2(median(rs.map((r) => r.rssMB))),
          anonMB: r2(median(rs.map((r) => r.anonMB))),
          peakRssMB: r2(median(rs.map((r) => r.peakRssMB))),
        };
      });
      report.idle = { runs, summary };
      text.push(
        `Idle: connected, one reading through, then ${opts.idleSeconds} s idle; RSS of the bridge process, median of ${opts.runs} alternating round(s)`,
        table(
          ['path', 'RSS MB', 'anonymous MB', 'peak RSS MB (start-up)'],
          summary.map((s) => [s.path, s.rssMB, s.anonMB, s.peakRssMB]),
        ),
        '',
      );
    }

    // ---- 2. latency
    if (opts.parts.includes('latency')) {
      const runs: LatencyRun[] = await alternate(
        'latency',
        opts.latencyQos,
        (path, qos, round) => bench.latencyRun(path, qos, round),
        (r) => `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, ${r.delivered}/${r.sent} delivered${noted(r.note)}`,
      );
      const summary = opts.latencyQos.flatMap((qos) =>
        opts.paths.map((path) => {
          const rs = runs.filter((r) => r.qos === qos && r.path === path);
          return {
            qos,
            path,
            runs: rs.length,
            p50Ms: r2(median(rs.map((r) => r.p50Ms))),
            p99Ms: r2(median(rs.map((r) => r.p99Ms))),
            maxMs: r2(median(rs.map((r) => r.maxMs))),
            delivered: `${Math.min(...rs.map((r) => r.delivered))}/${rs[0]?.sent ?? 0}`,
            cpuPercent: r2(median(rs.map((r) => r.cpuPercent))),
            brokerCpuPercent: r2(median(rs.map((r) => r.brokerCpuPercent))),
            slowOver5ms: r2(median(rs.map((r) => r.spikes.slow))),
            writerLateMaxMs: r2(Math.max(...rs.map((r) => r.writerLateMaxMs))),
          };
        }),
      );
      report.latency = { runs, summary };
      text.push(
        `Latency: one reading every ${opts.latencyIntervalMs} ms for ${opts.latencySeconds} s, pty write to subscriber arrival; median over ${opts.runs} round(s)`,
        table(
          ['QoS', 'path', 'p50 ms', 'p99 ms', 'max ms', 'delivered', 'readings > 5 ms', 'CPU %', 'broker CPU %'],
          summary.map((s) => [String(s.qos), s.path, s.p50Ms, s.p99Ms, s.maxMs, s.delivered, s.slowOver5ms, s.cpuPercent, s.brokerCpuPercent]),
        ),
        '',
      );
    }

    // ---- 4. many ports
    if (opts.parts.includes('ports')) {
      const runs: PortsRun[] = await alternate(
        'many ports',
        [opts.portsQos],
        (path) => bench.portsRun(path),
        (r) => `${r.delivered}/${r.sent} delivered, p99 ${r.p99Ms} ms, CPU ${r.cpuPercent}%, RSS ${r.peakRssMB} MB${noted(r.note)}`,
      );
      const summary = opts.paths.map((path) => {
        const rs = runs.filter((r) => r.path === path);
        return {
          path,
          runs: rs.length,
          delivered: `${Math.min(...rs.map((r) => r.delivered))}/${rs[0]?.sent ?? 0}`,
          p50Ms: r2(median(rs.map((r) => r.p50Ms))),
          p99Ms: r2(median(rs.map((r) => r.p99Ms))),
          maxMs: r2(median(rs.map((r) => r.maxMs))),
          cpuPercent: r2(median(rs.map((r) => r.cpuPercent))),
          peakRssMB: r2(median(rs.map((r) => r.peakRssMB))),
          processes: rs[0]?.processes ?? 0,
          brokerCpuPercent: r2(median(rs.map((r) => r.brokerCpuPercent))),
        };
      });
      report.ports = { runs, summary };
      text.push(
        `Many ports: ${opts.ports} ptys x ${opts.portsRate} readings/s for ${opts.portsSeconds} s at QoS ${opts.portsQos}; median over ${opts.runs} round(s); CPU % of one core, RSS summed over processes`,
        table(
          ['path', 'processes', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'CPU %', 'peak RSS MB', 'broker CPU %'],
          summary.map((s) => [s.path, s.processes, s.delivered, s.p50Ms, s.p99Ms, s.maxMs, s.cpuPercent, s.peakRssMB, s.brokerCpuPercent]),
        ),
        '',
      );
    }

    // ---- 3. footprint during a broker outage
    if (opts.parts.includes('outage')) {
      const runs: OutageRun[] = [];
      for (const path of opts.outagePaths) {
        const r = await attempt(`outage ${path}: broker down ${opts.outageSeconds} s at ${opts.outageRate} readings/s`, () => bench.outageRun(path));
        if (r) {
          runs.push(r);
          log(
            `  RSS ${r.rssStartMB} -> ${r.rssEndMB} MB (peak ${r.peakRssMB}), CPU ${r.cpuS} s, ${r.delivered}/${r.written} delivered in ${r.drainSeconds} s after restart${noted(r.note)}`,
          );
        }
      }
      report.outage = { runs };
      text.push(
        `Broker outage: ${opts.outageSeconds} s at ${opts.outageRate} readings/s, QoS 1, then the broker restarts`,
        table(
          ['path', 'RSS start MB', 'RSS end MB', 'peak RSS MB', 'CPU s/100k', 'delivered', 'drain s'],
          runs.map((r) => [r.path, r.rssStartMB, r.rssEndMB, r.peakRssMB, r.cpuSPer100k, `${r.delivered}/${r.written}`, r.drainSeconds]),
        ),
        '',
      );
    }

    // ---- 6. profile
    if (opts.parts.includes('profile')) {
      const profiles: { qos: number; run: ThroughputRun; profile: ProfileSummary | undefined }[] = [];
      for (const qos of opts.qos) {
        const p = await attempt(`profile: hub throughput at QoS ${qos} under --cpu-prof`, () => bench.profileRun(qos));
        if (p) profiles.push({ qos, ...p });
      }
      report.profile = profiles;
      for (const p of profiles) {
        if (!p.profile) {
          text.push(`Profile QoS ${p.qos}: no .cpuprofile written (the hub must exit normally on SIGTERM)`, '');
          continue;
        }
        text.push(
          `Hub CPU profile, QoS ${p.qos} (${p.run.msgPerS} msg/s under the profiler; ${p.profile.busyMs} ms busy, ${p.profile.idleMs} ms idle): self time`,
          table(
            ['function', 'ms', '%'],
            p.profile.functions.slice(0, 15).map((f) => [f.name, f.ms, f.percent]),
          ),
          table(
            ['module', 'ms', '%'],
            p.profile.modules.slice(0, 10).map((f) => [f.name, f.ms, f.percent]),
          ),
          '',
        );
      }
    }

    // ---- 5. firmware
    if (opts.parts.includes('firmware')) {
      const fw = await attempt('firmware: size and memory estimate', () => firmware(quick));
      if (fw) {
        report.firmware = fw;
        text.push('Firmware', table(['what', 'value'], fw.rows), '');
      }
    }
  } finally {
    await bench.dispose();
  }

  // Hub runs profiled with --hub-cpu-prof: the top of each, one line per run.
  for (const part of ['throughput', 'latency', 'ports', 'outage'] as const) {
    const runs = (report[part] as { runs?: { path: string; qos?: number; round?: number; profile?: ProfileSummary }[] } | undefined)?.runs ?? [];
    for (const r of runs) {
      if (!r.profile) continue;
      const top = r.profile.functions.slice(0, 8).map((f) => `${f.name.replace(/ (hub|shared|node_modules)?\/?[^ ]*:\d+$/, '')} ${f.percent}%`);
      const mods = r.profile.modules.slice(0, 6).map((f) => `${f.name} ${f.percent}%`);
      text.push(
        `profile ${part} ${r.path}${r.qos !== undefined ? ` QoS ${r.qos}` : ''}${r.round !== undefined ? ` round ${r.round + 1}` : ''} (${r.profile.busyMs} ms busy, ${r.profile.idleMs} ms idle): ${top.join(', ')}`,
      );
      text.push(`  by module: ${mods.join(', ')}`);
    }
  }

  m.loadAvgEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  report.errors = errors;
  report.seconds = Math.round((Date.now() - started) / 1000);
  const header = [
    `roomlink bench: ${m.cpus} CPUs (${m.cpuModel}), ${m.memTotalMB} MB, Linux ${m.kernel}, Node ${m.node}, Mosquitto ${m.mosquitto}; load ${m.loadAvgStart.join(' ')} -> ${m.loadAvgEnd.join(' ')}`,
    `command: ${report.command}`,
    '',
  ];
  const printed = [...header, ...text, ...notes.map((n) => `note: ${n}`), ...errors.map((e) => `error: ${e.split('\n')[0]}`)].join('\n');
  console.log(printed);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  // The same tables as Markdown, ready for the README's Performance section.
  const md = `${out.replace(/\.json$/, '')}.md`;
  writeFileSync(md, `${printed}\n`);
  log(`wrote ${out} and ${md} (${report.seconds} s)`);
  return errors.length ? 1 : 0;
}

// ---------------------------------------------------------------- 5. firmware

async function firmware(quick: boolean): Promise<{ rows: (string | number)[][]; [key: string]: unknown }> {
  const { ensureFirmwareBuilt } = await import('../tools/toolchain/build.ts');
  const built = await ensureFirmwareBuilt();
  const rows: (string | number)[][] = [
    ['dist/firmware.js bytes', built.bytes],
    ['dist/firmware.min.js bytes', built.minifiedBytes],
  ];
  const result: { rows: (string | number)[][]; [key: string]: unknown } = { rows, bytes: built.bytes, minifiedBytes: built.minifiedBytes };
  const runtimePath = join(PROJECT_ROOT, 'espruino-host/runtime.ts');
  if (!existsSync(runtimePath)) {
    result.memory = 'espruino-host/runtime.ts not present: no memory estimate';
    rows.push(['memory estimate', 'n/a (no espruino-host/runtime.ts)']);
    return result;
  }
  const { firmwareMemory } = await import('./firmware-memory.ts');
  const memory: Record<string, unknown> = {};
  const builds = [
    ['firmware.js', built.path],
    ['firmware.min.js', built.minifiedPath],
  ] as const;
  for (const [label, path] of quick ? builds.slice(1) : builds) {
    for (const unwrap of quick ? [true] : [true, false]) {
      const how = unwrap ? 'IIFE unwrapped' : 'as built (closure state invisible)';
      const e = await firmwareMemory(path, unwrap);
      memory[`${label}, ${how}`] = e;
      // The host runtime's estimate (espruino-host/memory.ts), not Espruino's own count on the
      // 32-bit ESP32 layout: README "Firmware memory" has those, measured on the interpreter.
      if (typeof e === 'string') rows.push([`${label} memory (host-runtime estimate, not the ESP32 layout), ${how}`, e]);
      else
        rows.push([
          `${label} after first publish, host-runtime estimate (not the ESP32 layout), ${how}: blocks (bytes) / strings / objects`,
          `${e.blocks} (${e.bytes}) / ${e.strings} / ${e.objects}`,
        ]);
    }
  }
  result.memory = memory;
  return result;
}
