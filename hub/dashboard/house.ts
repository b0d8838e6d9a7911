// What the dashboard knows about the house: the latest value of every reading topic and
// every node, the hub's own serial nodes (from its node registry) and the nodes it only sees
// on the broker (WiFi nodes, other hubs' nodes: from their retained status, info and Home
// Assistant discovery). Builds the views the page gets; never holds a secret, and scrubs
// password-like keys out of what nodes say about themselves before it goes anywhere.
import { MODEL_HUB } from '../../shared/discovery.ts';
import { getMeasurement, parseDecimal, parsePayload, type ReadingValue } from '../../shared/measurements.ts';
import { isSlug } from '../../shared/slug.ts';
import { parseReadingTopic, type TopicPrefixes } from '../../shared/topics.ts';
import type { NodeRecord, NodeRegistry } from '../core/nodes.ts';
import type { HubSettings } from '../config/schema.ts';

/** The latest value on one reading topic. */
export interface LatestReading {
  room: string;
  measurement: string;
  /** Node that sent it, when known (the hub's own nodes; broker nodes by their discovery). */
  node: string | undefined;
  value: ReadingValue;
  /** When it arrived, in ms; 0 for a retained value of unknown age (seen at subscribe time). */
  ts: number;
  /** `serial`: from a port of this hub; `broker`: seen on <readings>/#. */
  source: 'serial' | 'broker';
  /** The history series it is recorded in, once looked up (see Dashboard). */
  series?: unknown;
}

/** A node this hub only sees on the broker. */
interface RemoteNode {
  id: string;
  status: 'online' | 'offline' | undefined;
  info: { [key: string]: unknown } | undefined;
  infoAt: number | undefined;
  /** From its Home Assistant discovery config. */
  name: string | undefined;
  model: string | undefined;
  via: string | undefined;
  roomlink: boolean;
  /** "<room>/<measurement>" of its state topics. */
  topics: Set<string>;
  units: Map<string, string>;
  lastSeen: number | undefined;
}

/** One node as the page shows it. */
export interface NodeView {
  id: string;
  name: string | undefined;
  /** `hub`: on a port of this hub (commands go through it); `broker`: seen on the broker only. */
  source: 'hub' | 'broker';
  status: 'online' | 'offline' | 'unknown';
  room: string | undefined;
  transport: string | undefined;
  port: string | undefined;
  firmware: boolean;
  version: string | undefined;
  board: string | undefined;
  interval: number | undefined;
  uptime_s: number | undefined;
  free_blocks: number | undefined;
  rssi: number | undefined;
  queued: number | undefined;
  dropped: number | undefined;
  /** Sensor errors the node reported on info, and (for the hub's nodes) the last refused line. */
  errors: { source: string; message: string; at?: number }[];
  /** When its info was received (uptime, memory and RSSI are as of then), ms. */
  info_at: number | undefined;
  last_seen: number | undefined;
  measurements: string[];
  /** Silence after which its values are stale, ms. */
  stale_after_ms: number;
  /** What it said about itself, password-like keys removed. */
  info: { [key: string]: unknown } | undefined;
}

const SECRET_KEY = /pass|secret|token|psk|credential|key$/i;

/** A copy of `value` without keys that look like secrets (any depth). */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return undefined;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: unknown } = {};
  for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = scrub(v, depth + 1);
  return out;
}

function text(info: { [key: string]: unknown } | undefined, key: string): string | undefined {
  const v = info?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(info: { [key: string]: unknown } | undefined, key: string): number | undefined {
  const v = info?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function infoErrors(info: { [key: string]: unknown } | undefined, at: number | undefined): NodeView['errors'] {
  const errors = info?.errors;
  if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return [];
  return Object.entries(errors)
    .filter(([, m]) => typeof m === 'string')
    .map(([source, message]) => ({ source, message: message as string, at }));
}

export interface HouseParts {
  settings: Pick<HubSettings, 'nodes' | 'availability'>;
  prefixes: TopicPrefixes;
  nodes: NodeRegistry;
  /** Silence after which one of the hub's nodes is offline (the availability feature's). */
  timeoutMs: (node: NodeRecord) => number;
  /** Port facts of the hub's nodes: refusals of their port. */
  portRefusals: (portId: string) => { reason: string; message: string; at: number } | undefined;
}

export class House {
  readonly latest = new Map<string, LatestReading>();
  /** The same readings by room, then measurement: the hot path needs no key string. */
  private readonly byRoom = new Map<string, Map<string, LatestReading>>();
  private readonly remote = new Map<string, RemoteNode>();
  /** "<room>/<measurement>" → node id, from broker nodes' discovery. */
  private readonly topicOwner = new Map<string, string>();
  /** "<room>/<measurement>" of the hub's own nodes (their readings come back on the broker). */
  private own = new Set<string>();
  private ownDirty = true;
  /** Units announced in discovery for measurements outside the catalogue. */
  private readonly units = new Map<string, string>();
  /** When each of the hub's nodes last printed info (its uptime, memory, RSSI are as of then). */
  readonly ownInfoAt = new Map<string, number>();
  private readonly parts: HouseParts;
  private readonly nodesPrefix: string;
  private readonly discoveryPrefix: string;
  private readonly readingsHeadLength: number;

  constructor(parts: HouseParts) {
    this.parts = parts;
    this.readingsHeadLength = parts.prefixes.readings.length + 1;
    this.nodesPrefix = `${parts.prefixes.nodes}/`;
    this.discoveryPrefix = `${parts.prefixes.discovery}/device/`;
  }

  /** The hub's nodes changed (room, measurements, forgotten): recompute what is theirs. */
  ownChanged(): void {
    this.ownDirty = true;
  }

  /** Whether a topic key is published by one of the hub's own nodes. */
  isOwn(key: string): boolean {
    if (this.ownDirty) {
      const own = new Set<string>();
      for (const node of this.parts.nodes.all()) {
        if (node.room === undefined) continue;
        for (const m of node.measurements) own.add(`${node.room}/${m}`);
      }
      this.own = own;
      this.ownDirty = false;
    }
    return this.own.has(key);
  }

  /** A value accepted from a serial line (the hot path: no allocation for a known topic). */
  serialReading(node: string, room: string, measurement: string, value: ReadingValue, at: number): LatestReading {
    let r = this.byRoom.get(room)?.get(measurement);
    if (r === undefined) {
      const key = `${room}/${measurement}`;
      r = this.latest.get(key);
      if (r === undefined) {
        r = { room, measurement, node, value, ts: at, source: 'serial' };
        this.latest.set(key, r);
      }
      let inRoom = this.byRoom.get(room);
      if (!inRoom) {
        inRoom = new Map();
        this.byRoom.set(room, inRoom);
      }
      inRoom.set(measurement, r);
      this.ownDirty = true;
    }
    r.node = node;
    r.value = value;
    r.ts = at;
    r.source = 'serial';
    return r;
  }

  /**
   * A message on <readings>/#. Returns the reading when it is a new value to record, or
   * undefined (not a reading topic, not a value, or the hub's own node's echo).
   */
  brokerReading(topic: string, payload: Buffer, retained: boolean, at: number): LatestReading | undefined {
    // The hot path at thousands of readings/s is the hub's own echo: drop it before parsing.
    if (this.isOwn(topic.slice(this.readingsHeadLength))) return undefined;
    const parsed = parseReadingTopic(this.parts.prefixes, topic);
    if (!parsed || !isSlug(parsed.room) || !isSlug(parsed.measurement)) return undefined;
    const key = `${parsed.room}/${parsed.measurement}`;
    const value = parseBrokerValue(parsed.measurement, payload.toString('utf8'));
    if (value === undefined) return undefined;
    const node = this.topicOwner.get(key);
    // A value the broker kept, seen at subscribe time: older than what the history (or a
    // live reading) already says, and of unknown age otherwise.
    if (retained && this.latest.has(key)) return undefined;
    const known = this.latest.get(key);
    if (known !== undefined && !retained) {
      // Updated in place: the serial fast path may hold this object.
      known.node = node;
      known.value = value;
      known.ts = at;
      known.source = 'broker';
      this.touchRemote(node, at);
      return known;
    }
    const r: LatestReading = { room: parsed.room, measurement: parsed.measurement, node, value, ts: retained ? 0 : at, source: 'broker' };
    this.latest.set(key, r);
    if (!retained) this.touchRemote(node, at);
    return r;
  }

  private touchRemote(node: string | undefined, at: number): void {
    const remote = node === undefined ? undefined : this.remote.get(node);
    if (remote) remote.lastSeen = at;
  }

  /** Whether a reading of `room` is known: live, kept by the broker, or from the history. */
  hasRoom(room: string): boolean {
    const head = `${room}/`;
    for (const key of this.latest.keys()) if (key.startsWith(head)) return true;
    return false;
  }

  /** A reading known from the history at start (before anything arrived). */
  remembered(room: string, measurement: string, node: string | undefined, value: number, ts: number): void {
    const key = `${room}/${measurement}`;
    if (this.latest.has(key)) return;
    const m = getMeasurement(measurement);
    this.latest.set(key, { room, measurement, node, value: m?.kind === 'binary' ? value >= 0.5 : value, ts, source: this.isOwn(key) ? 'serial' : 'broker' });
  }

  /**
   * A message on <nodes>/+/status, <nodes>/+/info or <discovery>/device/+/config. Returns the
   * id of the broker node it changed, if any.
   */
  nodeMessage(topic: string, payload: Buffer, at: number): string | undefined {
    if (topic.startsWith(this.discoveryPrefix) && topic.endsWith('/config'))
      return this.discovery(topic.slice(this.discoveryPrefix.length, -'/config'.length), payload);
    if (!topic.startsWith(this.nodesPrefix)) return undefined;
    const rest = topic.slice(this.nodesPrefix.length).split('/');
    if (rest.length !== 2 || !isSlug(rest[0])) return undefined;
    const id = rest[0]!;
    if (this.parts.nodes.get(id)) return undefined;
    if (rest[1] === 'status') {
      const status = payload.toString() === 'online' ? 'online' : payload.toString() === 'offline' ? 'offline' : undefined;
      if (status === undefined && payload.length > 0) return undefined;
      const node = this.remoteNode(id);
      node.status = status;
      return id;
    }
    if (rest[1] === 'info') {
      if (payload.length === 0) {
        const node = this.remote.get(id);
        if (node) node.info = undefined;
        return node ? id : undefined;
      }
      let info: unknown;
      try {
        info = JSON.parse(payload.toString('utf8'));
      } catch {
        return undefined;
      }
      if (!info || typeof info !== 'object' || Array.isArray(info)) return undefined;
      const node = this.remoteNode(id);
      node.info = scrub(info) as { [key: string]: unknown };
      node.infoAt = at;
      node.roomlink = true;
      return id;
    }
    return undefined;
  }

  private discovery(id: string, payload: Buffer): string | undefined {
    if (!isSlug(id)) return undefined;
    if (this.parts.nodes.get(id)) return undefined;
    const node = this.remote.get(id);
    if (payload.length === 0) {
      if (!node) return undefined;
      for (const key of node.topics) if (this.topicOwner.get(key) === id) this.topicOwner.delete(key);
      node.topics.clear();
      node.name = undefined;
      node.model = undefined;
      return id;
    }
    let config: {
      dev?: { name?: unknown; mdl?: unknown; mf?: unknown; via_device?: unknown };
      cmps?: { [k: string]: { stat_t?: unknown; unit_of_meas?: unknown } };
    };
    try {
      config = JSON.parse(payload.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!config || typeof config !== 'object' || config.dev?.mdl === MODEL_HUB) return undefined;
    const topics = new Set<string>();
    const units = new Map<string, string>();
    for (const c of Object.values(config.cmps ?? {})) {
      if (typeof c?.stat_t !== 'string') continue;
      const parsed = parseReadingTopic(this.parts.prefixes, c.stat_t);
      if (!parsed) continue;
      topics.add(`${parsed.room}/${parsed.measurement}`);
      if (typeof c.unit_of_meas === 'string') units.set(parsed.measurement, c.unit_of_meas);
    }
    const roomlink = config.dev?.mf === 'roomlink';
    // Only devices that publish readings here (or are roomlink's) are nodes of this house.
    if (topics.size === 0 && !roomlink && !node) return undefined;
    const n = node ?? this.remoteNode(id);
    for (const key of n.topics) if (this.topicOwner.get(key) === id) this.topicOwner.delete(key);
    n.topics = topics;
    n.units = units;
    n.name = typeof config.dev?.name === 'string' ? config.dev.name : undefined;
    n.model = typeof config.dev?.mdl === 'string' ? config.dev.mdl : undefined;
    n.via = typeof config.dev?.via_device === 'string' ? config.dev.via_device : undefined;
    n.roomlink ||= roomlink;
    for (const key of topics) {
      this.topicOwner.set(key, id);
      const latest = this.latest.get(key);
      if (latest && latest.source === 'broker') latest.node = id;
    }
    for (const [m, unit] of units) if (!getMeasurement(m)) this.units.set(m, unit);
    return id;
  }

  private remoteNode(id: string): RemoteNode {
    let node = this.remote.get(id);
    if (!node) {
      node = {
        id,
        status: undefined,
        info: undefined,
        infoAt: undefined,
        name: undefined,
        model: undefined,
        via: undefined,
        roomlink: false,
        topics: new Set(),
        units: new Map(),
        lastSeen: undefined,
      };
      this.remote.set(id, node);
    }
    return node;
  }

  /** Unit of a measurement outside the catalogue, as its discovery config gave it. */
  unitOf(measurement: string): string | undefined {
    return this.units.get(measurement);
  }

  /** Whether `id` is a node the page can list (and send commands to). */
  knows(id: string): boolean {
    return this.parts.nodes.get(id) !== undefined || this.listed(this.remote.get(id));
  }

  isRemote(id: string): boolean {
    return this.parts.nodes.get(id) === undefined && this.listed(this.remote.get(id));
  }

  private listed(node: RemoteNode | undefined): node is RemoteNode {
    return node !== undefined && (node.info !== undefined || node.topics.size > 0 || node.roomlink);
  }

  /** Silence after which a node's values are stale, ms. */
  staleAfterMs(id: string | undefined): number {
    const { nodes, availability } = this.parts.settings;
    const own = id === undefined ? undefined : this.parts.nodes.get(id);
    if (own) return this.parts.timeoutMs(own);
    const configured = id === undefined ? undefined : nodes[id];
    if (configured?.availability_timeout !== undefined) return configured.availability_timeout * 1000;
    const announced = id === undefined ? undefined : num(this.remote.get(id)?.info, 'interval');
    const interval = configured?.interval ?? announced ?? availability.default_interval;
    return availability.silence_factor * interval * 1000;
  }

  view(id: string): NodeView | undefined {
    const own = this.parts.nodes.get(id);
    if (own) return this.ownView(own);
    const remote = this.remote.get(id);
    return this.listed(remote) ? this.remoteView(remote) : undefined;
  }

  views(): NodeView[] {
    const out: NodeView[] = [];
    for (const node of this.parts.nodes.all()) out.push(this.ownView(node));
    for (const node of this.remote.values()) if (this.listed(node)) out.push(this.remoteView(node));
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  private ownView(node: NodeRecord): NodeView {
    const info = node.info ? (scrub(node.info) as { [key: string]: unknown }) : undefined;
    const infoAt = this.ownInfoAt.get(node.id);
    const errors = infoErrors(info, infoAt);
    const refused = this.parts.portRefusals(node.portId);
    if (refused) errors.push({ source: `line refused (${refused.reason})`, message: refused.message, at: refused.at });
    return {
      id: node.id,
      name: this.parts.settings.nodes[node.id]?.name ?? text(info, 'name'),
      source: 'hub',
      status: node.online ? 'online' : node.unconfirmed ? 'unknown' : 'offline',
      room: node.room,
      transport: 'serial',
      port: node.portId,
      firmware: node.firmware,
      version: text(info, 'version'),
      board: [text(info, 'board'), text(info, 'espruino') && `Espruino ${text(info, 'espruino')}`].filter(Boolean).join(', ') || undefined,
      interval: node.announcedInterval ?? this.parts.settings.nodes[node.id]?.interval,
      uptime_s: num(info, 'uptime'),
      free_blocks: num(info, 'free_blocks'),
      rssi: num(info, 'rssi'),
      queued: num(info, 'queued'),
      dropped: num(info, 'dropped'),
      errors,
      info_at: infoAt,
      last_seen: node.unconfirmed ? undefined : node.lastSeen,
      measurements: [...node.measurements].sort(),
      stale_after_ms: this.parts.timeoutMs(node),
      info,
    };
  }

  private remoteView(node: RemoteNode): NodeView {
    const info = node.info;
    const rooms = new Set([...node.topics].map((k) => k.split('/')[0]!));
    return {
      id: node.id,
      name: this.parts.settings.nodes[node.id]?.name ?? text(info, 'name') ?? (node.name !== node.id ? node.name : undefined),
      source: 'broker',
      status: node.status ?? 'unknown',
      room: text(info, 'room') ?? (rooms.size === 1 ? [...rooms][0] : undefined),
      transport: text(info, 'transport') ?? (node.via ? 'serial' : undefined),
      port: undefined,
      firmware: node.roomlink,
      version: text(info, 'version'),
      board: [text(info, 'board'), text(info, 'espruino') && `Espruino ${text(info, 'espruino')}`].filter(Boolean).join(', ') || undefined,
      interval: num(info, 'interval'),
      uptime_s: num(info, 'uptime'),
      free_blocks: num(info, 'free_blocks'),
      rssi: num(info, 'rssi'),
      queued: num(info, 'queued'),
      dropped: num(info, 'dropped'),
      errors: infoErrors(info, node.infoAt),
      info_at: node.infoAt,
      last_seen: node.lastSeen,
      measurements: [...node.topics].map((k) => k.split('/')[1]!).sort(),
      stale_after_ms: this.staleAfterMs(node.id),
      info,
    };
  }
}

/** A payload on a reading topic as a value, or undefined when it is none. */
export function parseBrokerValue(measurement: string, payload: string): ReadingValue | undefined {
  if (getMeasurement(measurement)) {
    const check = parsePayload(measurement, payload);
    return check.ok ? check.value : undefined;
  }
  // Outside the catalogue (another publisher's home/garage/co): numbers and ON/OFF only.
  if (payload === 'ON') return true;
  if (payload === 'OFF') return false;
  return parseDecimal(payload.trim());
}
