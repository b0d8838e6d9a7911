// The benchmark's sensor nodes, run as a child process (fork) so blocking pty writes never
// stall the harness or the counter. Writes readings (lines.ts) into the node side of socat
// pty pairs, either as fast as the ptys take them ("burst") or one per port every
// `intervalMs` on an absolute schedule ("paced"), recording the hrtime of every write.
import { closeSync, constants, openSync, writeFileSync, writeSync } from 'node:fs';
import { slotLine, type Layout } from './lines.ts';

export interface WriterConfig {
  /** Node-side pty paths; port k of the lines is paths[k]. */
  paths: string[];
  mode: 'burst' | 'paced';
  /** Where readings go (lines.ts); port k of the layout is paths[k]. */
  layout: Layout;
  /** Index of the first reading written and how many per port (seqStart + count <= layout.count). */
  seqStart: number;
  count: number;
  /** Paced mode: one reading per port every intervalMs. */
  intervalMs?: number;
  /** Paced mode: where to write the send times (Float64Array ms, slot p*stride + g as in lines.ts). */
  timesFile?: string;
}

export interface WriterDone {
  type: 'done';
  startNs: string;
  endNs: string;
  written: number;
  /** Paced mode: the largest delay of a write behind its schedule, ms. */
  lateMaxMs: number;
  /** CPU seconds the writer spent from its first write to its last. */
  cpuS: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, Math.min(65536, buf.length - off));
}

function burst(cfg: WriterConfig, fds: number[]): WriterDone {
  // Build everything first so the timed part is nothing but write(2) calls.
  const buffers = fds.map((_, port) => {
    const parts: string[] = [];
    for (let i = 0; i < cfg.count; i++) parts.push(slotLine(cfg.layout, port, cfg.seqStart + i));
    return Buffer.from(parts.join(''));
  });
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let p = 0; p < fds.length; p++) writeAll(fds[p], buffers[p]);
  const end = process.hrtime.bigint();
  return { type: 'done', startNs: String(start), endNs: String(end), written: cfg.count * fds.length, lateMaxMs: 0, cpuS: cpuSince(cpu) };
}

async function paced(cfg: WriterConfig, fds: number[]): Promise<WriterDone> {
  const interval = cfg.intervalMs ?? 1;
  const ports = fds.length;
  const stride = cfg.layout.stride;
  const times = new Float64Array(ports * stride);
  const lines = fds.map((_, port) => {
    const out: Buffer[] = [];
    for (let i = 0; i < cfg.count; i++) out.push(Buffer.from(slotLine(cfg.layout, port, cfg.seqStart + i)));
    return out;
  });
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const startMs = Number(start) / 1e6;
  let lateMax = 0;
  let i = 0;
  // Bounded: at most count iterations of writing, each waiting at most one interval.
  while (i < cfg.count) {
    const nowMs = Number(process.hrtime.bigint()) / 1e6;
    const due = startMs + i * interval;
    if (nowMs < due) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.floor(due - nowMs))));
      continue;
    }
    // Write every reading that is due, each with its own timestamp.
    while (i < cfg.count && Number(process.hrtime.bigint()) / 1e6 >= startMs + i * interval) {
      for (let p = 0; p < ports; p++) {
        const t = Number(process.hrtime.bigint()) / 1e6;
        writeAll(fds[p], lines[p][i]);
        times[p * stride + cfg.seqStart + i] = t;
        lateMax = Math.max(lateMax, t - (startMs + i * interval));
      }
      i++;
    }
  }
  const end = process.hrtime.bigint();
  if (cfg.timesFile) writeFileSync(cfg.timesFile, Buffer.from(times.buffer));
  return { type: 'done', startNs: String(start), endNs: String(end), written: cfg.count * ports, lateMaxMs: lateMax, cpuS: cpuSince(cpu) };
}

if (process.env.ROOMLINK_BENCH_CHILD === 'writer' && process.send) {
  const cfg = JSON.parse(process.argv[2]) as WriterConfig;
  const fds = cfg.paths.map((p) => openSync(p, constants.O_WRONLY | constants.O_NOCTTY));
  process.once('message', async () => {
    const done = cfg.mode === 'burst' ? burst(cfg, fds) : await paced(cfg, fds);
    for (const fd of fds) closeSync(fd);
    process.send!(done, () => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
