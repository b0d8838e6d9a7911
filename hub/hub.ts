// The hub's composition root: builds every part from the settings and starts them in order
// (durable queue → broker connection, after the embedded broker when mqtt.url is unset →
// features → serial ports), and stops them in reverse. Constructors here and below only
// assign; all I/O happens in start().
import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { bridgeStatusTopic, discoveryConfigFilter, type TopicPrefixes } from '../shared/topics.ts';
import { Bridge } from './bridge/bridge.ts';
import { HubEvents } from './core/events.ts';
import { NodeRegistry } from './core/nodes.ts';
import { RateLimit } from './core/rate-limit.ts';
import type { EmbeddedBroker, EmbeddedBrokerStats } from './broker/embedded.ts';
import { SerialAcks, type SerialAckCounters } from './bridge/serial-acks.ts';
import { embeddedBrokerOptions, hubAccount } from './broker/from-settings.ts';
import { mqttConnectOptions } from './config/client-options.ts';
import type { Dashboard } from './dashboard/dashboard.ts';
import type { HubSettings } from './config/schema.ts';
import { Downlink } from './features/downlink.ts';
import { createFeatures } from './features/index.ts';
import { redactUrl } from './config/redact.ts';
import type { Logger } from './log.ts';
import { MqttConnection, reasonText, type BrokerLink, type MqttConnectionOptions } from './mqtt/connection.ts';
import { MessageRenderer } from './mqtt/messages.ts';
import { Publisher } from './mqtt/publisher.ts';
import { CLOSED_ON_IT, ReadingPump } from './mqtt/reading-pump.ts';
import { lockDataDir, type DataDirLock } from './queue/data-dir-lock.ts';
import { DurableQueue } from './queue/durable-queue.ts';
import { ParkedReadings, type ParkedStats } from './queue/parked.ts';
import { PortManager, type PortStatus } from './serial/port-manager.ts';
import type { SerialBinding } from './serial/port-list.ts';

export interface HubOptions {
  log: Logger;
  /** Serial binding; default the platform's (tests may pass @serialport/binding-mock). */
  binding?: SerialBinding;
  /** How long stop() waits for the broker to take what is queued, in ms. Default 2000. */
  shutdownGraceMs?: number;
  /** Broker reconnect backoff, in ms. Defaults 500 and 5000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Delay before answering Home Assistant's birth message. Default random 1000-5000 ms. */
  birthDelayMs?: () => number;
  /** What to change when the login is refused or the client id taken over, as the command spells it. */
  hints?: MqttConnectionOptions['hints'];
  /** Refused logins: retry backoff and how often the ERROR repeats (see MqttConnectionOptions). */
  authRetryMinMs?: number;
  authRetryMaxMs?: number;
  repeatErrorMs?: number;
}

export interface Hub {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Counters and state, as published on <bridge>/health. */
  stats(): HubStats;
  /** Address of the web dashboard once started, or undefined when it is off. */
  dashboardUrl(): string | undefined;
}

export interface HubStats {
  uptime_s: number;
  lines_read: number;
  output_lines: number;
  info_lines: number;
  readings_accepted: number;
  values_accepted: number;
  published: number;
  queued: number;
  dropped: number;
  written_to_disk: number;
  /** SQLite error code while the queue's disk refuses writes (SQLITE_FULL: disk full), else null. */
  disk_trouble: string | null;
  /** Failed writes to the queue since start. */
  disk_errors: number;
  /** Readings held in memory while the disk refuses them (at most queue.memory_max_messages). */
  held_in_memory: number;
  refused: Record<string, number>;
  refused_total: number;
  topic_conflicts: { topic: string; owner: string; other: string; refused: number }[];
  commands: { sent: number; refused: Record<string, number>; not_ours: number };
  serial_acks: SerialAckCounters;
  /** `received`: messages the broker sent the hub (its subscriptions and the dashboard's). */
  broker: { connected: boolean; connects: number; mqtt: '5' | '3.1.1'; received: number };
  /** Readings the broker refused (MQTT 5 reason >= 0x80), parked in queue.sqlite's parked table. */
  parked: ParkedStats;
  /** The embedded broker's refusals, when the hub runs it. */
  embedded_broker?: EmbeddedBrokerStats;
  /** All nodes counted; `nodes` lists at most HEALTH_MAX_NODES of them. */
  node_summary: { total: number; online: number; listed: number; max_nodes: number; refused_new: number };
  nodes: Record<string, { online: boolean; port: string; room?: string; firmware: boolean }>;
  /** Per port: link state, lines, opens, its baud and its refused lines by reason. */
  ports: Record<string, PortStatus & { baud: number; refused: Record<string, number> }>;
}

/** Free bytes for unprivileged users on the file system holding `dir`, if it can be told. */
function freeBytes(dir: string): number | undefined {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

/** Most nodes listed one by one in health; node_summary counts them all. */
export const HEALTH_MAX_NODES = 100;

/** Name of the durable queue's database inside data_dir. */
export const QUEUE_FILE = 'queue.sqlite';

export function createHub(settings: HubSettings, options: HubOptions): Hub {
  const log = options.log;
  const prefixes: TopicPrefixes = settings.topics;
  const startedAt = Date.now();
  const events = new HubEvents();
  const nodes = new NodeRegistry(events, {
    maxNodes: settings.max_nodes,
    configured: [...Object.keys(settings.nodes), ...settings.serial.ports.flatMap((p) => (p.node ? [p.node] : []))],
  });
  const renderer = new MessageRenderer(prefixes, { qos: settings.qos, retain: settings.retain });
  const dropLimit = new RateLimit({ burst: 1, windowMs: 10_000 });
  const diskLimit = new RateLimit({ burst: 1, windowMs: 60_000 });
  let droppedSinceLog = 0;
  const queueFile = join(settings.data_dir, QUEUE_FILE);
  const queue = new DurableQueue({
    file: queueFile,
    maxMessages: settings.queue.max_messages,
    flushIntervalMs: settings.queue.flush_interval_ms,
    memoryMaxMessages: settings.queue.memory_max_messages,
    onDrop: (count) => {
      droppedSinceLog += count;
      if (!dropLimit.allow('drop').ok) return;
      const diskFull = queue.stats().disk_trouble !== undefined;
      log.error('QUEUE FULL: dropping the oldest readings', {
        dropped: droppedSinceLog,
        ...(diskFull
          ? {
              memory_max_messages: settings.queue.memory_max_messages,
              hint: 'the disk refuses writes and the readings held in memory reached queue.memory_max_messages',
            }
          : { max_messages: settings.queue.max_messages, hint: 'the broker has been unreachable for long; raise queue.max_messages to keep more' }),
      });
      droppedSinceLog = 0;
    },
    onDiskTrouble: (trouble) => {
      if (!diskLimit.allow('disk').ok) return;
      log.error(trouble.code === 'SQLITE_FULL' ? 'DISK FULL: cannot write the durable queue' : 'DISK ERROR: cannot write the durable queue', {
        file: queueFile,
        code: trouble.code,
        free_bytes: freeBytes(settings.data_dir),
        held_in_memory: trouble.held,
        memory_max_messages: settings.queue.memory_max_messages,
        while: { open: 'opening the queue', insert: 'writing new readings', delete: 'deleting acknowledged readings' }[trouble.during],
        hint:
          'readings still go to the broker while it is up and are held in memory meanwhile (the oldest dropped beyond memory_max_messages; ' +
          'lost if the hub stops); free space on that disk or move data_dir: the hub retries every second and recovers by itself',
      });
    },
    onCommitted: () => serialAcks.committed(),
    onDiskRecovered: ({ written, troubleMs }) => {
      log.warn('durable queue writable again', { file: queueFile, written_from_memory: written, after_s: Math.round(troubleMs / 1000) });
      // A queue opened late may hold readings from before the start: send them now.
      pump.kick();
    },
  });
  const parked = new ParkedReadings(queueFile);
  const refusedLimit = new RateLimit({ burst: 1, windowMs: 60_000 });
  let refusedSinceLog = 0;
  const pump = new ReadingPump(queue, {
    qos: settings.qos,
    retain: settings.retain,
    maxInflight: settings.queue.max_inflight,
    // Not sent again (it would be refused again): parked aside with the reason, counted.
    onRefused: (message, reason) => {
      const what = reason === CLOSED_ON_IT ? 'the broker closed the connection each time it was sent' : reasonText(reason);
      const kept = parked.park({ topic: message.topic, payload: message.payload, reason, reasonText: what, at: Date.now() });
      refusedSinceLog++;
      if (!refusedLimit.allow('refused').ok) return;
      log.error(`the broker refused a reading (${what}); it is parked, not sent again`, {
        topic: message.topic,
        refused_since_last_said: refusedSinceLog,
        parked_total: parked.stats().total,
        ...(kept ? { table: `${queueFile} parked` } : { lost: 'the parked table could not be written' }),
        ...(reason === 0x87 ? { hint: "the broker's ACL does not let the hub publish on this topic: allow the readings prefix for the hub's user" } : {}),
      });
      refusedSinceLog = 0;
    },
  });

  let broker: EmbeddedBroker | undefined;
  const subscriptions = [`${prefixes.nodes}/+/set`];
  // Home Assistant's birth message, and the empty configs it publishes when a user deletes a device.
  if (settings.homeassistant.discovery) subscriptions.push(settings.homeassistant.birth_topic, discoveryConfigFilter(prefixes));
  const connection = new MqttConnection(
    {
      will: { topic: bridgeStatusTopic(prefixes), payload: 'offline' },
      subscriptions,
      // The embedded broker (aedes 1.x) speaks MQTT 3.1.1 only: no need to try 5 first.
      protocol: settings.mqtt.url === undefined ? 4 : 'auto',
      reconnectMinMs: options.reconnectMinMs,
      reconnectMaxMs: options.reconnectMaxMs,
      authRetryMinMs: options.authRetryMinMs,
      authRetryMaxMs: options.authRetryMaxMs,
      repeatErrorMs: options.repeatErrorMs,
      hints: options.hints,
      log: log.child('mqtt'),
    },
    {
      onConnect: (link) => onConnect(link),
      onClose: () => {
        pump.disconnected();
        events.emit('brokerDisconnected');
      },
      onMessage: (topic, payload, retained) => onMessage(topic, payload, retained),
    },
  );
  const publisher = new Publisher({ renderer, queue, pump, connection, log: log.child('mqtt') });
  const serialAcks = new SerialAcks({ queue, log: log.child('serial') });
  const bridge = new Bridge({ settings, prefixes, nodes, publisher, events, acks: serialAcks, log: log.child('serial') });
  const features = createFeatures(settings, { nodes, events, publisher, log, report: () => stats(), birthDelayMs: options.birthDelayMs });
  const { availability, discovery, nodeMemory } = features;
  const ports = new PortManager(
    {
      ports: settings.serial.ports,
      autodetect: settings.serial.autodetect,
      baud: settings.serial.baud,
      dtr: settings.serial.dtr,
      rts: settings.serial.rts,
      maxLineBytes: settings.serial.max_line_bytes,
      reconnectMaxMs: settings.serial.reconnect_max_ms,
      binding: options.binding,
      log: log.child('serial'),
    },
    {
      onLine: (port, line) => bridge.line(port, line),
      onTooLong: (port) => bridge.tooLong(port),
      onOpen: (port) => {
        if ([...nodes.all()].some((n) => n.acks && n.portId === port.id)) serialAcks.hello(port);
      },
      onDown: (port) => availability.portLost(port.id),
    },
  );
  const downlink = new Downlink({ prefixes, nodes, ports, log: log.child('downlink') });
  let brokerUrl: string | undefined;
  // Loaded only when used (like the embedded broker): a hub without them does not carry
  // their modules in memory.
  let dashboard: Dashboard | undefined;
  const newDashboard = (Dashboard: typeof import('./dashboard/dashboard.ts').Dashboard) =>
    new Dashboard({
      settings,
      prefixes,
      nodes,
      events,
      connection,
      downlink,
      timeoutMs: (node) => availability.timeoutMs(node),
      portRefusals: (id) => bridge.refusalsOf(id),
      stats: () => stats(),
      brokerUrl: () => brokerUrl,
      hubFilters: subscriptions,
      log: log.child('dashboard'),
    });

  function portStates(): HubStats['ports'] {
    const out: HubStats['ports'] = {};
    const byId = new Map(ports.all().map((p) => [p.id, p]));
    for (const [id, status] of Object.entries(ports.status())) {
      const refusals = bridge.refusalsOf(id);
      out[id] = { ...status, baud: byId.get(id)?.settings.baud ?? settings.serial.baud, refused: { ...refusals?.by_reason } };
    }
    return out;
  }

  function stats(): HubStats {
    const q = queue.stats();
    const c = bridge.counters;
    const nodeStates: HubStats['nodes'] = {};
    let online = 0;
    let listed = 0;
    for (const node of nodes.all()) {
      if (node.online) online++;
      if (listed >= HEALTH_MAX_NODES) continue;
      nodeStates[node.id] = { online: node.online, port: node.portId, room: node.room, firmware: node.firmware };
      listed++;
    }
    return {
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      lines_read: c.lines_read,
      output_lines: c.output_lines,
      info_lines: c.info_lines,
      readings_accepted: c.readings_accepted,
      values_accepted: c.values_accepted,
      published: pump.published,
      queued: q.queued,
      dropped: q.dropped,
      written_to_disk: q.written,
      disk_trouble: q.disk_trouble ?? null,
      disk_errors: q.disk_errors,
      held_in_memory: q.held_in_memory,
      refused: { ...c.refused },
      refused_total: Object.values(c.refused).reduce((a, b) => a + b, 0),
      topic_conflicts: bridge.topicConflicts(),
      commands: { sent: downlink.counters.sent, refused: { ...downlink.counters.refused }, not_ours: downlink.counters.not_ours },
      serial_acks: { ...serialAcks.counters },
      broker: {
        connected: connection.connected,
        connects: connection.connects,
        mqtt: connection.protocolVersion === 5 ? '5' : '3.1.1',
        received: connection.received,
      },
      parked: parked.stats(),
      ...(broker ? { embedded_broker: broker.stats() } : {}),
      node_summary: { total: nodes.size, online, listed, max_nodes: settings.max_nodes, refused_new: nodes.refusedNew },
      nodes: nodeStates,
      ports: portStates(),
    };
  }

  function onConnect(link: BrokerLink): void {
    publisher.state('bridgeStatus', { online: true });
    // Features republish their state (health last), before the queued readings go out.
    events.emit('brokerConnected');
    pump.connected(link);
  }

  function onMessage(topic: string, payload: Buffer, retained: boolean): void {
    // The dashboard sees every message; those of its own subscriptions stop there.
    if (dashboard?.mqttMessage(topic, payload, retained)) return;
    if (discovery && topic === settings.homeassistant.birth_topic) discovery.birth(payload.toString());
    else if (!discovery?.config(topic, payload)) downlink.handle(topic, payload, retained);
  }

  let lock: DataDirLock | undefined;
  async function start(): Promise<void> {
    mkdirSync(settings.data_dir, { recursive: true });
    lock = lockDataDir(settings.data_dir, log);
    queue.open();
    parked.open();
    serialAcks.load();
    const backlog = queue.size;
    log.info('durable queue open', { file: join(settings.data_dir, QUEUE_FILE), queued: backlog });
    const remembered = nodeMemory.load();
    if (remembered > 0) log.info('nodes remembered from the last run', { nodes: remembered });
    try {
      let own: { username: string; password: string } | undefined;
      if (settings.mqtt.url === undefined) {
        // The hub logs in to its own broker with an account only this process knows.
        const account = hubAccount();
        const { startEmbeddedBroker } = await import('./broker/embedded.ts');
        broker = await startEmbeddedBroker(embeddedBrokerOptions(settings, log.child('broker'), [account]));
        brokerUrl = broker.url;
        own = account;
      }
      // Before connecting: a port already in use must stop the start, not leave a half hub.
      if (settings.http.enabled) dashboard = newDashboard((await import('./dashboard/dashboard.ts')).Dashboard);
      await dashboard?.listen();
      const target = await mqttConnectOptions(settings, brokerUrl, own);
      brokerUrl = target.url;
      log.info('connecting to broker', { url: redactUrl(target.url), client_id: settings.mqtt.client_id });
      connection.start({ url: target.url, client: target.options });
      for (const feature of features.all) feature.start();
      dashboard?.start();
      serialAcks.start();
      await ports.start();
      // Started: the young generation may grow again under load, and hot code is optimised
      // again (see bin.js).
      setFlagsFromString('--semi-space-growth-factor=2 --turbofan');
    } catch (err) {
      await stop();
      throw err;
    }
  }

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      // What the nodes sent is committed and acknowledged while their ports are still open.
      queue.flush();
      serialAcks.stop();
      await ports.stop();
      dashboard?.stop();
      for (const feature of [...features.all].reverse()) feature.stop();
      queue.flush();
      const grace = options.shutdownGraceMs ?? 2000;
      if (connection.connected) {
        const all = await pump.drained(grace);
        if (!all) log.warn('stopping with readings still queued; they are sent after the next start', { queued: queue.size });
      }
      // Last words: every node this hub serves, then the hub itself, offline (retained,
      // QoS 1), each acknowledged by the broker before the connection ends. The hub's own
      // goes out only once the nodes' are acknowledged: a broker may handle packets that
      // arrive together at once and pass them on out of order (aedes did, 1 stop in 4).
      await connection.stop(async () => {
        const acks: Promise<void>[] = [];
        for (const node of nodes.all()) {
          nodes.setOffline(node, 'stopping');
          acks.push(publisher.stateAcknowledged('nodeStatus', { node: node.id, online: false }));
        }
        await Promise.all(acks);
        await publisher.stateAcknowledged('bridgeStatus', { online: false });
      }, grace);
      const left = queue.size;
      queue.close();
      parked.close();
      await dashboard?.close();
      const lost = queue.stats().held_in_memory;
      if (lost > 0) log.error('readings held in memory could not be written to the full disk and are lost', { lost, file: queueFile });
      await broker?.close();
      lock?.release();
      log.info('hub stopped', { queued: left, published: pump.published });
    })();
    return stopping;
  }

  return { start, stop, stats, dashboardUrl: () => dashboard?.url };
}
