// The nodes this hub serves, remembered in <data_dir>/nodes.json across restarts. Without it
// a node that was `online` when the hub was killed (or unplugged while the hub was stopped)
// would stay `online` on the broker forever; with it, the node is known from the start:
// availability marks it offline when it stays silent for its timeout, discovery is
// re-announced, and a command finds its port. Written a moment after a change (a node
// appears, moves room, gains a measurement, prints info, is forgotten) and at stop, to a
// temporary file then renamed, so a crash never leaves half a file. A write that fails
// (full disk) is logged and retried at the next change; a file that cannot be read is set
// aside as nodes.json.bad and the hub starts without it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubEvents } from '../core/events.ts';
import type { NodeRegistry, RememberedNode } from '../core/nodes.ts';
import { RateLimit } from '../core/rate-limit.ts';
import type { Logger } from '../log.ts';
import { isSlug } from '../../shared/slug.ts';
import { Feature } from './feature.ts';

export const NODE_MEMORY_FILE = 'nodes.json';

export interface NodeMemoryOptions {
  dataDir: string;
  nodes: NodeRegistry;
  events: HubEvents;
  log: Logger;
  /** Delay between a change and the write, in ms. Default 1000. */
  saveDelayMs?: number;
}

export class NodeMemory extends Feature {
  readonly name = 'node-memory';
  private readonly options: NodeMemoryOptions;
  private readonly file: string;
  private readonly failures = new RateLimit({ burst: 1, windowMs: 60_000 });
  private timer: NodeJS.Timeout | undefined;

  constructor(options: NodeMemoryOptions) {
    super(options.events);
    this.options = options;
    this.file = join(options.dataDir, NODE_MEMORY_FILE);
  }

  /** Loads the remembered nodes into the registry (before anything else starts). */
  load(now = Date.now()): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.options.log.warn('cannot read the node memory', { file: this.file, error: (err as Error).message });
      return 0;
    }
    let saved: RememberedNode[];
    try {
      saved = parseMemory(text);
    } catch (err) {
      this.options.log.warn('the node memory is damaged; starting without it (kept as nodes.json.bad)', { file: this.file, error: (err as Error).message });
      try {
        renameSync(this.file, `${this.file}.bad`);
      } catch {
        // Read-only data dir: the next save fails and says so.
      }
      return 0;
    }
    for (const node of saved) this.options.nodes.remember(node, now);
    return saved.length;
  }

  start(): void {
    const changed = () => this.schedule();
    this.on('nodeOnline', changed);
    this.on('nodeChanged', changed);
    this.on('nodeInfo', changed);
    this.on('nodeForgotten', changed);
  }

  override stop(): void {
    super.stop();
    if (this.timer) this.save();
  }

  /** Writes the file now. */
  save(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const nodes = [...this.options.nodes.all()].map((n) => this.options.nodes.snapshot(n));
    const temporary = `${this.file}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify({ nodes }, null, 1)}\n`);
      renameSync(temporary, this.file);
    } catch (err) {
      if (this.failures.allow('save').ok) {
        this.options.log.error('cannot write the node memory; retrying at the next change', { file: this.file, error: (err as Error).message });
      }
    }
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.save(), this.options.saveDelayMs ?? 1000);
  }
}

/** The remembered nodes in a nodes.json text; throws on anything malformed. */
export function parseMemory(text: string): RememberedNode[] {
  const doc = JSON.parse(text) as { nodes?: unknown };
  if (!doc || !Array.isArray(doc.nodes)) throw new Error('no "nodes" list');
  return doc.nodes.map((raw: unknown, i: number) => {
    const n = raw as Partial<RememberedNode> | null;
    const where = `nodes[${i}]`;
    if (!n || !isSlug(n.id)) throw new Error(`${where}: id is not a node id`);
    if (typeof n.port !== 'string' || n.port === '') throw new Error(`${where}: port is missing`);
    if (n.room !== undefined && !isSlug(n.room)) throw new Error(`${where}: room is not a room id`);
    if (!Array.isArray(n.measurements) || !n.measurements.every(isSlug)) throw new Error(`${where}: measurements must be a list of ids`);
    const info = n.info !== undefined && typeof n.info === 'object' && n.info !== null && !Array.isArray(n.info) ? n.info : undefined;
    const interval = typeof n.interval === 'number' && n.interval > 0 ? n.interval : undefined;
    return { id: n.id, port: n.port, room: n.room, measurements: n.measurements, firmware: n.firmware === true, acks: n.acks === true, info, interval };
  });
}
