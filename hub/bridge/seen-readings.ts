// Which numbered readings of roomlink nodes the hub already has, by node, boot id and
// sequence number: a reading a node sends again (it did not hear the acknowledgement, or it
// rebooted with readings still in its Storage) is recognised and dropped instead of being
// published twice. Per boot the sequence numbers seen are kept as sorted, merged ranges:
// readings arrive mostly in order (live ones, and a backlog drained oldest first), so a node
// costs a few ranges. Bounded: at most MAX_BOOTS boots per node (the least recently heard is
// forgotten) and MAX_RANGES ranges per boot (the oldest are forgotten). Forgetting can only
// let a repeat through as a duplicate, never drop a reading.

/** Boots remembered per node. */
export const MAX_BOOTS = 4;
/** Ranges remembered per boot. */
export const MAX_RANGES = 32;

/** Sorted, disjoint, non-adjacent [from, to] ranges. */
type Ranges = [number, number][];

export class SeenReadings {
  /** node → boot → ranges; Map order is least recently heard first. */
  private readonly nodes = new Map<string, Map<string, Ranges>>();
  /** Nodes changed since the last takeChanged(). */
  private readonly changed = new Set<string>();

  /** True when (node, boot, seq) was seen before; otherwise records it and returns false. */
  seenBefore(node: string, boot: string, seq: number): boolean {
    let boots = this.nodes.get(node);
    if (!boots) {
      boots = new Map();
      this.nodes.set(node, boots);
    }
    let ranges = boots.get(boot);
    if (ranges) {
      // Most recently heard last.
      boots.delete(boot);
      boots.set(boot, ranges);
    } else {
      ranges = [];
      boots.set(boot, ranges);
      if (boots.size > MAX_BOOTS) boots.delete(boots.keys().next().value!);
    }
    if (contains(ranges, seq)) return true;
    insert(ranges, seq);
    if (ranges.length > MAX_RANGES) ranges.splice(0, ranges.length - MAX_RANGES);
    this.changed.add(node);
    return false;
  }

  /** The ranges of one node as JSON, for the durable queue. */
  toJson(node: string): string {
    const boots = this.nodes.get(node);
    const out: Record<string, Ranges> = {};
    if (boots) for (const [boot, ranges] of boots) out[boot] = ranges;
    return JSON.stringify(out);
  }

  /** Restores a node from toJson() text; malformed text restores nothing. */
  load(node: string, json: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return;
    }
    if (!parsed || typeof parsed !== 'object') return;
    const boots = new Map<string, Ranges>();
    for (const [boot, ranges] of Object.entries(parsed as Record<string, unknown>)) {
      if (!Array.isArray(ranges)) continue;
      const clean: Ranges = [];
      for (const r of ranges) {
        if (Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] <= r[1]) clean.push([r[0], r[1]]);
      }
      boots.set(boot, clean.slice(-MAX_RANGES));
    }
    while (boots.size > MAX_BOOTS) boots.delete(boots.keys().next().value!);
    this.nodes.set(node, boots);
  }

  /** Nodes whose ranges changed since the last call (for writing them out). */
  takeChanged(): string[] {
    const nodes = [...this.changed];
    this.changed.clear();
    return nodes;
  }
}

function contains(ranges: Ranges, seq: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = ranges[mid]!;
    if (seq < from) hi = mid - 1;
    else if (seq > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Adds seq (not yet contained), merging with neighbours. */
function insert(ranges: Ranges, seq: number): void {
  // Mostly in order: try the end first.
  let i = ranges.length;
  while (i > 0 && ranges[i - 1]![0] > seq) i--;
  const before = ranges[i - 1];
  const after = ranges[i];
  if (before && before[1] + 1 === seq) {
    before[1] = seq;
    if (after && after[0] === seq + 1) {
      before[1] = after[1];
      ranges.splice(i, 1);
    }
  } else if (after && after[0] === seq + 1) {
    after[0] = seq;
  } else {
    ranges.splice(i, 0, [seq, seq]);
  }
}
