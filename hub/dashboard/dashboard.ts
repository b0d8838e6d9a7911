// The web dashboard, a feature of the hub: an HTTP server (server.ts) with the page
// (public/), live updates over Server-Sent Events, the history of readings (history.ts) and
// the actions identify / interval / info / reboot.
//
// What it shows comes from the hub itself (its serial nodes, their accepted readings, its
// counters) and from the broker: it subscribes, at QoS 0, to <readings>/#, <nodes>/+/status,
// <nodes>/+/info and the Home Assistant device configs, so WiFi nodes and other hubs' nodes
// are on the page too. The hub's own readings are taken from the bridge instead (once, with
// the time the line was read): over MQTT 5 <readings>/# is a No Local subscription, so the
// broker does not send them back at all; a 3.1.1 broker does, and the echo is dropped by its
// topic before its payload is read.
//
// Commands go the way of <nodes>/<node>/set: to the hub's own nodes through the downlink
// (the serial port), to other nodes published on their /set topic. The answer a roomlink
// node gives (its info) is awaited for a few seconds and reported with the result.
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../shared/commands.ts';
import { roomTitle } from '../../shared/discovery.ts';
import { getMeasurement, measurementIds, type ReadingValue } from '../../shared/measurements.ts';
import { isSlug } from '../../shared/slug.ts';
import { VERSION } from '../../shared/version.ts';
import { discoveryConfigFilter, nodeCommandTopic, topicMatches, type TopicPrefixes } from '../../shared/topics.ts';
import type { HubEvents } from '../core/events.ts';
import type { NodeRecord, NodeRegistry } from '../core/nodes.ts';
import type { PortRefusals } from '../bridge/bridge.ts';
import { RateLimit } from '../core/rate-limit.ts';
import { isLoopbackHost } from '../broker/access.ts';
import { redactUrl } from '../config/redact.ts';
import { dashboardPasswordProblem, parseListen, type HubSettings } from '../config/schema.ts';
import type { Downlink } from '../features/downlink.ts';
import type { Logger } from '../log.ts';
import type { BrokerLink, MqttConnection } from '../mqtt/connection.ts';
import { Auth } from './auth.ts';
import { DashboardStartError } from './start-error.ts';
import { HISTORY_RANGES, HistoryStore, isHistoryRange, type HistoryRange, type SeriesHandle } from './history.ts';
import { House, type LatestReading } from './house.ts';
import { DashboardServer, type ApiResult } from './server.ts';
import { loadStaticFiles } from './static.ts';

/** Name of the history database inside data_dir. */
export const HISTORY_FILE = 'history.sqlite';

export { DashboardStartError };

/** How long an action waits for the node's answer (its info), in ms. */
const ANSWER_TIMEOUT_MS = 5000;
/** How long a command to a broker node waits for the broker's PUBACK, in ms. */
const PUBACK_TIMEOUT_MS = 5000;
/** Live readings and node changes are sent at most this often, in ms. */
const LIVE_FLUSH_MS = 250;
const HUB_PUSH_MS = 1000;
const HISTORY_FLUSH_MS = 1000;
const PRUNE_EVERY_MS = 60_000;

export interface DashboardParts {
  settings: HubSettings;
  prefixes: TopicPrefixes;
  nodes: NodeRegistry;
  events: HubEvents;
  connection: MqttConnection;
  downlink: Downlink;
  /** Silence after which a hub node is offline (availability's rule). */
  timeoutMs: (node: NodeRecord) => number;
  portRefusals: (portId: string) => PortRefusals | undefined;
  /** The hub's counters (its health report). */
  stats: () => object;
  /** Broker URL the hub uses (shown without credentials). */
  brokerUrl: () => string | undefined;
  /** Filters the hub subscribes to itself (not subscribed twice). */
  hubFilters: readonly string[];
  log: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

interface Waiter {
  node: string;
  since: number;
  resolve: (at: number | undefined) => void;
}

export class Dashboard {
  readonly history: HistoryStore;
  readonly house: House;
  private readonly parts: DashboardParts;
  private readonly log: Logger;
  private readonly now: () => number;
  private server: DashboardServer | undefined;
  private listening: { host: string; port: number } | undefined;
  private readonly filters: string[];
  /** <readings>/# is the dashboard's subscription, not the hub's. */
  private readonly ownsReadings: boolean;
  private readonly readingsHead: string;
  private readonly readingsFilter: string;
  private readonly clients = new Set<(event: string, text: string) => void>();
  private readonly pendingReadings = new Set<LatestReading>();
  private readonly pendingNodes = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private timers: NodeJS.Timeout[] = [];
  private lastHub = '';
  private readonly failures = new RateLimit({ burst: 1, windowMs: 60_000 });
  private brokerSince: number | undefined;
  private historyUnavailable = false;
  private pruning = false;

  constructor(parts: DashboardParts) {
    this.parts = parts;
    this.log = parts.log;
    this.now = parts.now ?? Date.now;
    const p = parts.prefixes;
    this.readingsHead = `${p.readings}/`;
    this.readingsFilter = `${p.readings}/#`;
    this.history = new HistoryStore({
      file: join(parts.settings.data_dir, HISTORY_FILE),
      retentionDays: parts.settings.history.retention_days,
      onFull: (room, measurement) => this.log.warn('history is full: readings of further topics are not kept', { room, measurement, max_series: 2000 }),
    });
    this.house = new House({
      settings: parts.settings,
      prefixes: p,
      nodes: parts.nodes,
      timeoutMs: parts.timeoutMs,
      portRefusals: (id) => parts.portRefusals(id)?.last,
    });
    const wanted = [`${p.readings}/#`, `${p.nodes}/+/status`, `${p.nodes}/+/info`, discoveryConfigFilter(p)];
    this.filters = wanted.filter((f) => !parts.hubFilters.includes(f));
    this.ownsReadings = this.filters.includes(wanted[0]!);
  }

  /** Where the page is, once listening (loopback for a wildcard address). */
  get url(): string | undefined {
    if (!this.listening) return undefined;
    const { host, port } = this.listening;
    const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
    const shown = wildcard ? '127.0.0.1' : host.replace(/^\[|\]$/g, '');
    return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  }

  /** Opens the history and starts listening; a DashboardStartError says what to change. */
  async listen(): Promise<void> {
    const { http } = this.parts.settings;
    const parsed = parseListen(http.listen);
    if ('problem' in parsed) throw new DashboardStartError(`http.listen: ${parsed.problem}`);
    const loopback = isLoopbackHost(parsed.host);
    if (!loopback && http.password === undefined) throw new DashboardStartError(dashboardPasswordProblem(parsed.host));
    this.openHistory();
    for (const r of this.history.latest()) this.house.remembered(r.room, r.measurement, r.node, r.value, r.ts);
    const server = new DashboardServer({
      auth: new Auth({ password: http.password, loopback }),
      files: loadStaticFiles(),
      api: {
        state: () => this.state(),
        history: (query) => this.historyApi(query),
        command: (node, body) => this.command(node, body),
        stream: (send) => this.stream(send),
      },
      version: VERSION,
      onError: (err) => this.log.error('dashboard error', { error: err }),
    });
    let port: number;
    try {
      port = await server.listen(parsed.host, parsed.port);
    } catch (err) {
      this.history.close();
      throw new DashboardStartError(await listenProblem(err as NodeJS.ErrnoException, parsed.host, parsed.port));
    }
    this.server = server;
    this.listening = { host: parsed.host, port };
    const fields: { [key: string]: unknown } = { url: this.url, login: http.password !== undefined ? 'password' : 'none (loopback only)' };
    if (!loopback) fields.from_elsewhere = otherAddresses(parsed.host, port);
    this.log.info('dashboard listening', fields);
  }

  start(): void {
    const { events } = this.parts;
    const nodeChanged = (node: NodeRecord) => {
      this.house.ownChanged();
      this.pendingNodes.add(node.id);
    };
    // Owned by the bus under this dashboard: stop() removes them all at once.
    events.on('reading', (node, room, measurement, value, at) => this.serialReading(node, room, measurement, value, at), this);
    events.on('nodeOnline', nodeChanged, this);
    events.on('nodeOffline', nodeChanged, this);
    events.on('nodeChanged', nodeChanged, this);
    events.on('nodeForgotten', nodeChanged, this);
    events.on(
      'nodeInfo',
      (node) => {
        this.house.ownInfoAt.set(node.id, this.now());
        nodeChanged(node);
        this.answered(node.id);
      },
      this,
    );
    events.on(
      'brokerConnected',
      () => {
        this.brokerSince = this.now();
        const link = this.parts.connection.link;
        if (link && this.filters.length > 0) this.subscribe(link);
      },
      this,
    );
    events.on('brokerDisconnected', () => (this.brokerSince = this.now()), this);
    this.timers = [
      setInterval(() => {
        try {
          this.history.flush();
        } catch (err) {
          this.historyFailed(err as Error);
        }
      }, HISTORY_FLUSH_MS),
      setInterval(() => this.prune(), PRUNE_EVERY_MS),
      setInterval(() => this.flushLive(), LIVE_FLUSH_MS),
      setInterval(() => this.pushHub(), HUB_PUSH_MS),
    ];
    for (const t of this.timers) t.unref();
    // Already connected (the dashboard starts after the connection): subscribe now.
    const link = this.parts.connection.link;
    if (link) {
      this.brokerSince = this.now();
      this.subscribe(link);
    }
  }

  stop(): void {
    this.parts.events.removeListeners(this);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of this.waiters) w.resolve(undefined);
    this.waiters.clear();
  }

  /** Stops serving and closes the history (after stop()). */
  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    this.history.close();
  }

  /** A message from the broker; true when it was the dashboard's alone (nothing else wants it). */
  mqttMessage(topic: string, payload: Buffer, retained: boolean): boolean {
    try {
      return this.brokerMessage(topic, payload, retained);
    } catch (err) {
      // Whatever arrives, the hub's connection must not fall over it.
      if (this.failures.allow('message').ok) this.log.error('dashboard: cannot handle a broker message', { topic, error: (err as Error).message });
      return topic.startsWith(this.readingsHead) && this.ownsReadings;
    }
  }

  private brokerMessage(topic: string, payload: Buffer, retained: boolean): boolean {
    if (topic.startsWith(this.readingsHead)) {
      const at = this.now();
      const r = this.house.brokerReading(topic, payload, retained, at);
      if (r !== undefined) {
        if (!retained) this.record(r, r.node, r.value, at);
        if (this.clients.size > 0) this.pendingReadings.add(r);
      }
      return this.ownsReadings;
    }
    const changed = this.house.nodeMessage(topic, payload, this.now());
    if (changed !== undefined) {
      this.pendingNodes.add(changed);
      if (topic.endsWith('/info') && payload.length > 0 && !retained) this.answered(changed);
    }
    return this.filters.some((f) => topicMatches(f, topic));
  }

  /** Streams open now (for tests and the hub view). */
  get streams(): number {
    return this.clients.size;
  }

  // ---------------------------------------------------------------- live

  private serialReading(node: NodeRecord, room: string, measurement: string, value: ReadingValue, at: number): void {
    const r = this.house.serialReading(node.id, room, measurement, value, at);
    this.record(r, node.id, value, at);
    if (this.clients.size > 0) this.pendingReadings.add(r);
  }

  /** Into the history. Never throws: this runs inside the bridge's line handling. */
  private record(r: LatestReading, node: string | undefined, value: ReadingValue, at: number): void {
    try {
      let series = r.series as SeriesHandle | undefined;
      if (series === undefined || series.gone) series = r.series = this.history.seriesFor(r.room, r.measurement, node);
      if (series !== undefined) this.history.recordTo(series, node, toNumber(value), at);
    } catch (err) {
      this.historyFailed(err as Error);
    }
  }

  private historyFailed(err: Error): void {
    if (!this.failures.allow('history').ok) return;
    this.log.error('cannot write the history (disk full?): readings still go to the broker, the charts miss them', {
      file: join(this.parts.settings.data_dir, HISTORY_FILE),
      error: err.message,
    });
  }

  private subscribe(link: BrokerLink): void {
    if (this.filters.length === 0) return;
    // No Local on the readings: the hub's own come from the bridge, not back from the broker.
    const subscriptions = this.filters.map((topic) => ({ topic, qos: 0 as const, noLocal: topic === this.readingsFilter }));
    link.subscribe(subscriptions, (err, granted) => {
      const refused = this.filters.filter((_, i) => (granted[i] ?? 0) >= 0x80);
      if (err || refused.length > 0)
        this.log.warn('dashboard: subscribe failed; WiFi nodes will be missing from the page', { error: err?.message ?? `refused: ${refused.join(', ')}` });
    });
  }

  private stream(send: (event: string, text: string) => void): () => void {
    send('state', JSON.stringify(this.state()));
    this.clients.add(send);
    return () => this.clients.delete(send);
  }

  private broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(data);
    for (const send of this.clients) send(event, text);
  }

  private flushLive(): void {
    if (this.clients.size === 0) {
      this.pendingReadings.clear();
      this.pendingNodes.clear();
      return;
    }
    if (this.pendingReadings.size > 0) {
      const readings = [...this.pendingReadings].map((r) => this.readingView(r));
      this.pendingReadings.clear();
      this.broadcast('readings', readings);
    }
    for (const id of this.pendingNodes) {
      const view = this.house.view(id);
      this.broadcast('node', view ?? { id, removed: true });
    }
    this.pendingNodes.clear();
  }

  private pushHub(): void {
    if (this.clients.size === 0) return;
    const hub = this.hubView();
    const text = JSON.stringify({ ...hub, uptime_s: 0 });
    if (text === this.lastHub) return;
    this.lastHub = text;
    this.broadcast('hub', hub);
  }

  /**
   * Opens the history; one that cannot be opened (a full disk) leaves the dashboard running
   * without charts, and prune() tries again every minute.
   */
  private openHistory(): void {
    try {
      this.history.open((err) =>
        this.log.warn('the history cannot be read; starting a new one (the old one is kept as history.sqlite.bad)', { error: err.message }),
      );
    } catch (err) {
      if (!this.historyUnavailable) {
        this.log.error('cannot open the history; the dashboard runs without charts and tries again every minute', {
          file: join(this.parts.settings.data_dir, HISTORY_FILE),
          error: (err as Error).message,
        });
      }
      this.historyUnavailable = true;
      return;
    }
    if (this.historyUnavailable) this.log.info('history open again', { file: join(this.parts.settings.data_dir, HISTORY_FILE) });
    this.historyUnavailable = false;
    this.prune();
  }

  private prune(): void {
    if (!this.history.isOpen) {
      this.openHistory();
      return;
    }
    if (this.pruning) return;
    let more: boolean;
    try {
      more = this.history.prune(this.now());
    } catch (err) {
      this.log.error('cannot prune the history', { error: (err as Error).message });
      return;
    }
    if (more) {
      // An hour of each series per step; the rest on the next ticks, not in one long block.
      this.pruning = true;
      setImmediate(() => {
        this.pruning = false;
        this.prune();
      });
    }
  }

  // ---------------------------------------------------------------- views

  private readingView(r: LatestReading): object {
    const m = getMeasurement(r.measurement);
    return {
      room: r.room,
      measurement: r.measurement,
      name: m?.name ?? r.measurement,
      unit: m?.kind === 'numeric' ? m.unit : m ? undefined : this.house.unitOf(r.measurement),
      kind: m?.kind ?? (typeof r.value === 'boolean' ? 'binary' : 'numeric'),
      precision: m?.kind === 'numeric' ? m.precision : 2,
      value: r.value,
      ts: r.ts,
      node: r.node,
      source: r.source,
      stale_after_ms: this.house.staleAfterMs(r.node),
    };
  }

  private roomsView(): object[] {
    const rooms = new Map<string, LatestReading[]>();
    for (const r of this.house.latest.values()) {
      let list = rooms.get(r.room);
      if (!list) {
        list = [];
        rooms.set(r.room, list);
      }
      list.push(r);
    }
    const order = measurementIds();
    const rank = (m: string) => (order.indexOf(m) < 0 ? order.length : order.indexOf(m));
    return [...rooms.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([room, list]) => ({
        room,
        title: roomTitle(room),
        readings: list.sort((a, b) => rank(a.measurement) - rank(b.measurement) || a.measurement.localeCompare(b.measurement)).map((r) => this.readingView(r)),
      }));
  }

  private hubView(): object {
    const url = this.parts.brokerUrl();
    const stats = this.parts.stats() as { broker?: object };
    return {
      ...stats,
      broker: { ...(stats.broker ?? {}), url: url === undefined ? undefined : redactUrl(url), since: this.brokerSince },
      dashboard: { url: this.url, streams: this.clients.size, history: this.history.stats() },
    };
  }

  private state(): object {
    return {
      version: VERSION,
      now: this.now(),
      rooms: this.roomsView(),
      nodes: this.house.views(),
      hub: this.hubView(),
      history: { retention_days: this.parts.settings.history.retention_days, ranges: Object.keys(HISTORY_RANGES) },
    };
  }

  // ---------------------------------------------------------------- API

  private historyApi(query: URLSearchParams): ApiResult {
    const range = query.get('range') ?? 'hour';
    if (!isHistoryRange(range)) return refuse(400, `range must be ${Object.keys(HISTORY_RANGES).join(', ')}; got "${range}"`);
    const room = query.get('room') ?? undefined;
    const measurement = query.get('measurement') ?? undefined;
    if (room !== undefined && !isSlug(room)) return refuse(400, `room "${room}" is not a room id (a-z, 0-9, _ or -)`);
    if (measurement !== undefined && !isSlug(measurement)) return refuse(400, `measurement "${measurement}" is not a measurement id`);
    if (measurement !== undefined && room === undefined) return refuse(400, 'measurement needs a room');
    const now = this.now();
    if (room !== undefined && measurement !== undefined) {
      if (!this.history.has(room, measurement)) return refuse(404, `no history for ${room}/${measurement}`);
      return { status: 200, body: { range, series: [this.history.query(room, measurement, range as HistoryRange, now)] } };
    }
    const series = this.history.queryRoom(room, range as HistoryRange, now);
    // A room shown from values the broker kept has no history until a live reading comes:
    // no series, not a 404 (a browser reports every 404 as an error in its console).
    if (room !== undefined && series.length === 0 && !this.house.hasRoom(room)) return refuse(404, `no history for room ${room}`);
    return { status: 200, body: { range, series } };
  }

  private async command(id: string, body: unknown): Promise<ApiResult> {
    if (!isSlug(id)) return refuse(400, `"${id}" is not a node id (a-z, 0-9, _ or -)`);
    const check = checkCommand(body);
    if (!check.ok) return refuse(400, check.error);
    if (!this.house.knows(id) && !this.parts.downlink.serves(id)) return refuse(404, `no node "${id}": this hub has not seen it on a port or on the broker`);
    const command = check.command;
    const action = Object.keys(command)[0]!;
    const payload = Buffer.from(JSON.stringify(command));
    const view = this.house.view(id);
    const since = this.now();
    // Listening before sending: a quick node answers before the send is even confirmed.
    const answer = this.expectAnswer(id);
    try {
      if (!this.house.isRemote(id)) {
        const outcome = this.parts.downlink.command(id, payload);
        if (!outcome.ok) return refuse(outcome.reason === 'port_closed' ? 503 : 400, `${action}: ${outcome.message}`);
        const result = { node: id, command, via: 'serial', port: outcome.port, as: outcome.as, sent_at: since };
        if (outcome.as === 'json') {
          return {
            status: 200,
            body: { ...result, answered: null, message: `${action}: sent to ${outcome.port} as a JSON line (this device does not answer)` },
          };
        }
        return { status: 200, body: this.withAnswer(result, id, action, `sent to ${outcome.port}`, since, await answer.promise) };
      }
      const link = this.parts.connection.link;
      if (!link) return refuse(503, `${action}: the hub is not connected to the broker, so ${id} cannot be reached`);
      const topic = nodeCommandTopic(this.parts.prefixes, id);
      const acked = await publishAcked(link, topic, payload);
      if (acked !== true) return refuse(503, `${action}: the broker did not take the command (${acked})`);
      const result = { node: id, command, via: 'broker', topic, sent_at: since };
      if (!view?.firmware) return { status: 200, body: { ...result, answered: null, message: `${action}: published to ${topic}` } };
      return { status: 200, body: this.withAnswer(result, id, action, `published to ${topic}`, since, await answer.promise) };
    } finally {
      answer.cancel();
    }
  }

  /** Resolves with the time `id` answers (prints or publishes info), or undefined after ANSWER_TIMEOUT_MS. */
  private expectAnswer(id: string): { promise: Promise<number | undefined>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<number | undefined>((resolve) => {
      const waiter: Waiter = { node: id, since: this.now(), resolve: () => {} };
      const timer = setTimeout(() => done(undefined), ANSWER_TIMEOUT_MS);
      const done = (value: number | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(value);
      };
      waiter.resolve = done;
      cancel = () => done(undefined);
      this.waiters.add(waiter);
    });
    return { promise, cancel };
  }

  private withAnswer(result: object, id: string, action: string, how: string, since: number, at: number | undefined): object {
    if (at === undefined) {
      return { ...result, answered: false, message: `${action}: ${how}; no answer from ${id} within ${ANSWER_TIMEOUT_MS / 1000} s` };
    }
    const ms = at - since;
    return {
      ...result,
      answered: true,
      answer_ms: ms,
      message: `${action}: ${how}; ${id} answered after ${(ms / 1000).toFixed(1)} s`,
      info: this.house.view(id),
    };
  }

  private answered(id: string): void {
    const at = this.now();
    for (const w of this.waiters) if (w.node === id) w.resolve(at);
  }
}

function refuse(status: number, error: string): ApiResult {
  return { status, body: { error } };
}

function toNumber(value: ReadingValue): number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function publishAcked(link: BrokerLink, topic: string, payload: Buffer): Promise<true | string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`no acknowledgement within ${PUBACK_TIMEOUT_MS / 1000} s`), PUBACK_TIMEOUT_MS);
    link.publish(topic, payload, { qos: 1, retain: false }, (err) => {
      clearTimeout(timer);
      resolve(err ? err.message : true);
    });
  });
}

/** A listen error as what to do about it; names only flags `roomlink hub` and `roomlink demo` have. */
async function listenProblem(err: NodeJS.ErrnoException, host: string, port: number): Promise<string> {
  const where = host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
  if (err.code === 'EADDRINUSE') {
    const free = await nextFreePort(host, port);
    const suggestion = free === undefined ? `--http ${where}:0 (a free port)` : `--http ${where}:${free}`;
    return (
      `port ${port} on ${host} is already in use (another roomlink hub or web server?), so the dashboard cannot listen there. ` +
      `Choose another port with ${suggestion} (or http.listen in the settings), or turn the dashboard off with --no-http.`
    );
  }
  if (err.code === 'EACCES') return `not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with --http ${where}:8080`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return `cannot listen on ${host}: no such address on this machine; check --http (or http.listen), e.g. --http 0.0.0.0:${port} for every address`;
  }
  return `cannot listen on ${host}:${port}: ${err.message}; check --http (or http.listen)`;
}

async function nextFreePort(host: string, busy: number): Promise<number | undefined> {
  const { createServer } = await import('node:net');
  for (let port = busy + 1; port <= Math.min(65535, busy + 20); port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, host, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return undefined;
}

/** URLs other machines may use, for a listener on a network or wildcard address. */
function otherAddresses(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '[::]') return [`http://${host}:${port}`];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(`http://${a.address}:${port}`);
  }
  return out;
}
