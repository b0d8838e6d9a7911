// The hub's connection to the broker, owned end to end: transport (transport.ts), codec
// (codec.ts), CONNECT with the Last Will, keepalive, subscriptions, QoS 1 publishes and
// their acknowledgements, and reconnection, in this one module. No MQTT client library sits
// in between, so what reaches the broker and what the hub does with each packet from it is
// decided here, and the reading pump's PUBLISH batches go onto the same socket by contract
// (BrokerLink), not by relying on how a library treats packets it did not send.
//
// Each attempt is a fresh socket; when a connection ends, whatever was in flight is dropped
// with it and the durable queue (not an in-memory store) says what to send again. The retry
// delay doubles from reconnectMinMs up to reconnectMaxMs. A broker that is down at start is
// just the first failed attempt: the hub keeps running.
//
// MQTT 5 first: it brings PUBACK reason codes (a refused reading is told apart from a taken
// one), the broker's Receive Maximum, the reason of a DISCONNECT (session taken over), and No
// Local subscriptions (the dashboard's <readings>/# does not get the hub's own readings back).
// A broker that refuses MQTT 5 (aedes 1.x, old Mosquitto) gets MQTT 3.1.1 from the next
// attempt on, at once, for as long as this connection object lives.
//
// Packet ids are split (packet-ids.ts): this module numbers its own QoS 1 publishes and
// subscriptions from a low range; PUBACKs above it belong to the reading pump.
//
// Two failures are not outages and are said as what they are, at ERROR, repeated at a slow
// rate while they last: a refused login (retried with a longer backoff), and another client
// taking over this client id (the broker closes the connection right after each connect).
import type { Duplex } from 'node:stream';
import { redactUrl } from '../config/redact.ts';
import type { Logger } from '../log.ts';
import {
  DISCONNECT,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  PacketReader,
  PINGREQ,
  type ConnackProperties,
  type PacketHandler,
  type ProtocolVersion,
  type Subscription,
} from './codec.ts';
import { FIRST_READING_ID, LAST_CLIENT_ID } from './packet-ids.ts';
import { openTransport, type TransportOptions } from './transport.ts';
import { backoffDelay } from '../core/backoff.ts';

/** Who the hub is to the broker: client id, credentials, TLS, keepalive (see config/client-options.ts). */
export interface BrokerClientOptions extends TransportOptions {
  clientId?: string;
  username?: string;
  password?: string | Buffer;
  /** Seconds; 0 turns keepalive off. Default 30. */
  keepalive?: number;
}

/** Where to connect: known only once the embedded broker (if any) is listening. */
export interface MqttTarget {
  /** Broker URL without credentials (they are in `client`). */
  url: string;
  client: BrokerClientOptions;
}

export interface MqttConnectionOptions {
  /** Last Will, published retained by the broker when the hub vanishes. */
  will: { topic: string; payload: string };
  /** Topic filters subscribed at QoS 1 on every connect. */
  subscriptions: string[];
  /** MQTT version to start with; 'auto' (default) tries 5 and falls back to 3.1.1. */
  protocol?: 'auto' | ProtocolVersion;
  /** First retry delay, in ms. Default 500. */
  reconnectMinMs?: number;
  /** Ceiling of the retry delay, in ms. Default 5000. */
  reconnectMaxMs?: number;
  /** Give up a connection attempt after this long, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** After a refused login the retry delay doubles from this, in ms. Default 5000. */
  authRetryMinMs?: number;
  /** Ceiling of the retry delay after refused logins, in ms. Default 120000. */
  authRetryMaxMs?: number;
  /** A lasting failure (login refused, client id taken over) is logged again at most this often, in ms. Default 60000. */
  repeatErrorMs?: number;
  /** What to change, as the command running the hub spells it (its flags, or settings keys). */
  hints?: {
    /** e.g. "--username USER and --password-file FILE". */
    credentials?: string;
    /** e.g. "--client-id ID". */
    clientId?: string;
  };
  log: Logger;
}

/** The broker refused the login: what it said, or undefined for any other CONNACK code. */
export function authFailure(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  // MQTT 3.1.1 CONNACK return codes 4 and 5; MQTT 5 reason codes 0x86, 0x87 and 0x8C.
  if (code === 4 || code === 0x86) return 'bad user name or password';
  if (code === 5 || code === 0x87) return 'not authorized';
  if (code === 0x8c) return 'bad authentication method';
  return undefined;
}

/** Words for MQTT 5 reason codes the hub may meet (PUBACK, SUBACK, CONNACK, DISCONNECT). */
export const REASONS: Readonly<Record<number, string>> = {
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  131: 'implementation specific error',
  132: 'unsupported protocol version',
  133: 'client identifier not valid',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
  137: 'server busy',
  138: 'banned',
  140: 'bad authentication method',
  141: 'keep alive timeout',
  142: 'session taken over',
  143: 'topic filter invalid',
  144: 'topic name invalid',
  145: 'packet identifier in use',
  147: 'receive maximum exceeded',
  149: 'packet too large',
  151: 'quota exceeded',
  153: 'payload format invalid',
  154: 'retain not supported',
  155: 'QoS not supported',
  156: 'use another server',
  157: 'server moved',
  159: 'connection rate exceeded',
};

/** "0x87 not authorized": a reason code as a counter key and log text. */
export function reasonText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return REASONS[code] ? `${hex} ${REASONS[code]}` : hex;
}

/** MQTT 3.1.1 CONNACK return codes. */
const CONNACK_311: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** Connections closed by the broker right after connecting, this often in a minute: a takeover. */
const TAKEOVER_CLOSES = 3;
const TAKEOVER_WINDOW_MS = 60_000;
/** A connection that lasted longer than this was not cut short by a takeover loop. */
const TAKEOVER_MAX_UP_MS = 30_000;
/** MQTT 5 DISCONNECT reason code "Session taken over". */
const SESSION_TAKEN_OVER = 0x8e;

/**
 * One established connection, as the hub's parts use it. Valid until onClose; afterwards
 * its methods do nothing (and callbacks waiting on it are called with an error).
 */
export interface BrokerLink {
  readonly protocolVersion: ProtocolVersion;
  /** The broker's limit on unacknowledged QoS 1 publishes (MQTT 5 CONNACK), if it set one. */
  readonly receiveMaximum: number | undefined;
  /** False when the broker said it keeps no retained messages (MQTT 5 CONNACK). */
  readonly retainAvailable: boolean;
  /** Writes encoded packets as they are (the pump's batches). False once the socket's buffer is full. */
  write(bytes: Buffer): boolean;
  /** The socket's buffer is full: wait for onDrain before writing more. */
  readonly needsDrain: boolean;
  onDrain(callback: () => void): void;
  /** Receives the PUBACKs of packet ids FIRST_READING_ID and up (the reading pump's). */
  onReadingAck(handler: (id: number, reason: number) => void): void;
  /** A publish numbered by the connection; at QoS 1 `done` runs on its PUBACK (error for reason >= 0x80). */
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain: boolean }, done?: (err?: Error) => void): void;
  /** `done` gets the granted QoS per filter (0x80 and up: refused). */
  subscribe(subscriptions: Subscription[], done?: (err: Error | undefined, granted: number[]) => void): void;
}

export interface ConnectionHandlers {
  /** Connected (and the hub's subscriptions sent): publish state, resend the queue. */
  onConnect(link: BrokerLink): void;
  /** The connection is gone; in-flight publishes are lost with it. */
  onClose(): void;
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
}

class ConnectError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** One attempt: a socket, its reader, and once CONNACK came, the link the hub's parts use. */
class Session implements BrokerLink, PacketHandler {
  receiveMaximum: number | undefined;
  retainAvailable = true;
  established = false;
  closed = false;
  /** Bytes came from the broker since the last keepalive check. */
  heard = false;
  pingOutstanding = false;
  /** CONNECT was written (the transport was up). */
  connectSent = false;
  /** The broker refused a reading on this connection (some close it right after). */
  refusedReading = false;
  readonly reader: PacketReader;
  private readingAck: ((id: number, reason: number) => void) | undefined;
  private readonly pending = new Map<number, (err: Error | undefined, granted?: number[]) => void>();
  private lastId = 0;

  constructor(
    readonly stream: Duplex,
    readonly protocolVersion: ProtocolVersion,
    private readonly owner: MqttConnection,
  ) {
    this.reader = new PacketReader(this, protocolVersion);
  }

  // ---- BrokerLink

  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    return this.stream.write(bytes);
  }

  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  onDrain(callback: () => void): void {
    this.stream.once('drain', callback);
  }

  onReadingAck(handler: (id: number, reason: number) => void): void {
    this.readingAck = handler;
  }

  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain: boolean }, done?: (err?: Error) => void): void {
    if (this.closed) {
      done?.(new Error('not connected to the broker'));
      return;
    }
    const retain = options.retain && this.retainAvailable;
    const format = { qos: options.qos, retain, protocolVersion: this.protocolVersion };
    if (options.qos === 0) {
      this.stream.write(encodePublish(topic, payload, format));
      if (done) process.nextTick(done);
      return;
    }
    const id = this.allocateId();
    if (id === undefined) {
      done?.(new Error('too many publishes awaiting acknowledgement'));
      return;
    }
    this.pending.set(id, (err) => done?.(err));
    this.stream.write(encodePublish(topic, payload, format, id));
  }

  subscribe(subscriptions: Subscription[], done?: (err: Error | undefined, granted: number[]) => void): void {
    if (this.closed) {
      done?.(new Error('not connected to the broker'), []);
      return;
    }
    const id = this.allocateId();
    if (id === undefined) {
      done?.(new Error('too many requests awaiting acknowledgement'), []);
      return;
    }
    this.pending.set(id, (err, granted) => done?.(err, granted ?? []));
    this.stream.write(encodeSubscribe(id, subscriptions, this.protocolVersion));
  }

  private allocateId(): number | undefined {
    if (this.pending.size >= LAST_CLIENT_ID) return undefined;
    let id = this.lastId;
    do id = id >= LAST_CLIENT_ID ? 1 : id + 1;
    while (this.pending.has(id));
    this.lastId = id;
    return id;
  }

  /** The connection ended: whoever waits for an acknowledgement hears so. */
  end(): void {
    this.closed = true;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    const err = new Error('the connection to the broker closed before the acknowledgement');
    for (const callback of waiting) callback(err);
  }

  // ---- PacketHandler

  message(topic: string, payload: Buffer, qos: number, retain: boolean, id: number): void {
    this.owner.message(this, topic, payload, retain);
    if (qos > 0 && !this.closed) this.stream.write(encodePuback(id));
  }

  puback(id: number, reason: number): void {
    if (id >= FIRST_READING_ID) {
      if (reason >= 0x80) this.refusedReading = true;
      this.readingAck?.(id, reason);
      return;
    }
    const callback = this.pending.get(id);
    if (!callback) return;
    this.pending.delete(id);
    callback(reason >= 0x80 ? new Error(`the broker refused the publish (${reasonText(reason)})`) : undefined);
  }

  connack(code: number, properties: ConnackProperties): void {
    this.owner.connack(this, code, properties);
  }

  suback(id: number, granted: number[]): void {
    const callback = this.pending.get(id);
    if (!callback) return;
    this.pending.delete(id);
    callback(undefined, granted);
  }

  disconnect(reason: number): void {
    this.owner.brokerDisconnect(this, reason);
  }

  pingresp(): void {
    this.pingOutstanding = false;
  }
}

export class MqttConnection {
  /** Connections made since start. */
  connects = 0;
  /** Application messages received from the broker since start. */
  received = 0;
  private readonly options: MqttConnectionOptions;
  private readonly handlers: ConnectionHandlers;
  private readonly log: Logger;
  private current: Session | undefined;
  private isConnected = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lastError: string | undefined;
  private target: MqttTarget | undefined;
  /** MQTT version of the next attempt. */
  private version: ProtocolVersion;
  /** The broker answered an MQTT 5 CONNECT (so a refusal of it is not about the version). */
  private versionKnown = false;
  /** Per connection: when it was established, and whether it ended with an error or a DISCONNECT. */
  private connectedAt = 0;
  private endedBy: 'error' | 'takeover' | undefined;
  private firstTry = false;
  /** The last attempt's login was refused, with what the broker said. */
  private refused: string | undefined;
  private refusedAttempts = 0;
  private refusedSince = 0;
  /** Times of connections the broker closed soon after they were established. */
  private kicks: number[] = [];
  private lastLoud = new Map<string, number>();

  constructor(options: MqttConnectionOptions, handlers: ConnectionHandlers) {
    this.options = options;
    this.handlers = handlers;
    this.log = options.log;
    this.version = options.protocol === 4 ? 4 : 5;
    this.versionKnown = options.protocol === 4 || options.protocol === 5;
  }

  /** The established connection, or undefined while there is none. */
  get link(): BrokerLink | undefined {
    return this.isConnected ? this.current : undefined;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** MQTT version of the current (or next) connection. */
  get protocolVersion(): ProtocolVersion {
    return this.current?.protocolVersion ?? this.version;
  }

  start(target: MqttTarget): void {
    this.target = target;
    this.stopping = false;
    this.attempt(target);
  }

  /**
   * Ends the connection. `beforeEnd` runs while still connected (e.g. publishing offline)
   * and may take at most `graceMs`; then DISCONNECT (no Last Will) and the socket closes.
   */
  async stop(beforeEnd?: (link: BrokerLink) => Promise<unknown>, graceMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const session = this.current;
    if (!session) return;
    // The session stays current while beforeEnd runs: its last words go out on it.
    if (this.isConnected && beforeEnd) {
      await withDeadline(
        beforeEnd(session).catch(() => undefined),
        graceMs,
      );
    }
    const wasConnected = this.isConnected;
    this.current = undefined;
    this.isConnected = false;
    this.clearTimers();
    session.end();
    const stream = session.stream;
    if (stream.destroyed) return;
    const gone = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    if (wasConnected) stream.end(DISCONNECT);
    else stream.destroy();
    await withDeadline(gone, graceMs);
    stream.destroy();
  }

  private attempt(target: MqttTarget): void {
    openTransport(target.url, target.client).then(
      ({ stream, readyEvent }) => this.begin(target, stream, readyEvent),
      (err: Error) => {
        // Nothing to close: count it as a failed attempt.
        this.noteError(target, err);
        this.scheduleRetry(false);
      },
    );
  }

  private begin(target: MqttTarget, stream: Duplex, readyEvent: string): void {
    const o = this.options;
    const session = new Session(stream, this.version, this);
    if (this.stopping) {
      stream.destroy();
      return;
    }
    this.current = session;
    this.endedBy = undefined;
    this.connectTimer = setTimeout(() => {
      if (this.current === session && !session.established) stream.destroy(new Error(`no CONNACK within ${o.connectTimeoutMs ?? 10_000} ms`));
    }, o.connectTimeoutMs ?? 10_000);
    stream.once(readyEvent, () => {
      if (this.current !== session) return;
      session.connectSent = true;
      stream.write(
        encodeConnect({
          protocolVersion: session.protocolVersion,
          clientId: target.client.clientId ?? '',
          keepalive: target.client.keepalive ?? 30,
          username: target.client.username,
          password: target.client.password,
          will: { topic: o.will.topic, payload: o.will.payload, qos: 1, retain: true },
        }),
      );
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.current !== session) return;
      session.heard = true;
      try {
        session.reader.feed(chunk);
      } catch (err) {
        stream.destroy(err as Error);
      }
    });
    stream.on('error', (err) => {
      if (this.current !== session) return;
      if (this.isConnected) this.endedBy = 'error';
      this.noteError(target, err);
    });
    stream.on('close', () => this.closed(session));
  }

  /** @internal A CONNACK on `session`. */
  connack(session: Session, code: number, properties: ConnackProperties): void {
    if (this.current !== session || session.established) return;
    const target = this.target!;
    clearTimeout(this.connectTimer);
    if (code !== 0) {
      const v5 = session.protocolVersion === 5;
      // A broker that speaks only 3.1.1 says so to an MQTT 5 CONNECT: retry at once in 3.1.1.
      if (v5 && !this.versionKnown && (code === 1 || code === 0x84)) {
        this.version = 4;
        this.versionKnown = true;
        this.log.info('the broker does not speak MQTT 5; using MQTT 3.1.1', { url: redactUrl(target.url) });
        this.failures = 0;
        this.retryNow = true;
        session.stream.destroy();
        return;
      }
      const words = v5 ? (REASONS[code] ?? 'refused') : (CONNACK_311[code] ?? 'refused');
      const refused = authFailure({ code });
      this.refused = refused;
      if (!refused) this.noteError(target, new ConnectError(`connection refused by the broker: ${words} (code ${code})`, code));
      session.stream.destroy();
      return;
    }
    session.established = true;
    this.versionKnown = true;
    session.receiveMaximum = properties.receiveMaximum;
    session.retainAvailable = properties.retainAvailable !== false;
    this.isConnected = true;
    // Up again at the first try after the last drop: the broker was there all along.
    this.firstTry = this.failures <= 1;
    this.failures = 0;
    this.connects++;
    this.lastError = undefined;
    this.connectedAt = Date.now();
    this.endedBy = undefined;
    if (this.refused) {
      this.log.info('the broker accepted the login now', { attempts_refused: this.refusedAttempts });
      this.refused = undefined;
      this.refusedAttempts = 0;
    }
    this.log.info('connected to broker', {
      url: redactUrl(target.url),
      client_id: target.client.clientId,
      mqtt: session.protocolVersion === 5 ? '5' : '3.1.1',
    });
    // MQTT 5: a Server Keep Alive replaces the keepalive the hub asked for.
    this.startKeepalive(session, properties.serverKeepAlive ?? target.client.keepalive ?? 30);
    const filters = this.options.subscriptions;
    if (filters.length > 0) {
      session.subscribe(
        filters.map((topic) => ({ topic, qos: 1 })),
        (err, granted) => {
          const refusedFilters = filters.filter((_, i) => (granted[i] ?? 0) >= 0x80);
          if (err && !session.closed) this.log.warn('subscribe failed', { error: err.message });
          else if (refusedFilters.length > 0) this.log.warn('the broker refused subscriptions', { filters: refusedFilters });
        },
      );
    }
    this.handlers.onConnect(session);
  }

  /** @internal An application message on `session`. */
  message(session: Session, topic: string, payload: Buffer, retained: boolean): void {
    if (this.current !== session || !session.established) return;
    this.received++;
    this.handlers.onMessage(topic, payload, retained);
  }

  /** @internal An MQTT 5 DISCONNECT from the broker. */
  brokerDisconnect(session: Session, reason: number): void {
    if (this.current !== session) return;
    if (reason === SESSION_TAKEN_OVER) this.endedBy = 'takeover';
    else if (reason !== 0) this.noteError(this.target!, new Error(`the broker closed the connection: ${reasonText(reason)}`));
  }

  /** Keepalive: a PINGREQ every `seconds`; nothing heard from the broker for a whole period after one ends the connection. */
  private startKeepalive(session: Session, seconds: number): void {
    if (seconds <= 0) return;
    session.heard = false;
    this.keepaliveTimer = setInterval(() => {
      if (this.current !== session) return;
      if (session.pingOutstanding && !session.heard) {
        session.stream.destroy(new Error(`no answer from the broker within ${seconds} s (keepalive)`));
        return;
      }
      session.heard = false;
      session.pingOutstanding = true;
      session.stream.write(PINGREQ);
    }, seconds * 1000);
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.keepaliveTimer);
    this.connectTimer = undefined;
    this.keepaliveTimer = undefined;
  }

  private retryNow = false;

  private noteError(target: MqttTarget, err: Error): void {
    // Logged once per outage; the attempt ends with 'close' and is retried.
    if (err.message !== this.lastError) this.log.warn('broker connection error', { url: redactUrl(target.url), error: err.message });
    this.lastError = err.message;
  }

  private closed(session: Session): void {
    if (this.current !== session) return;
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.current = undefined;
    this.clearTimers();
    session.end();
    session.stream.destroy();
    if (wasConnected) {
      this.log.warn('broker connection lost; readings are queued until it is back');
      // Closed after refusing a reading (Mosquitto 2.0 does that): not another client's doing.
      if (session.refusedReading && this.endedBy === undefined) this.endedBy = 'error';
      this.handlers.onClose();
    } else if (session.connectSent && !session.heard && !this.versionKnown && !this.retryNow) {
      // Closed without a word after the CONNECT: a broker that knows only 3.1.1 may answer
      // an MQTT 5 CONNECT that way. Alternate the version until one is answered.
      this.version = this.version === 5 ? 4 : 5;
    }
    this.scheduleRetry(wasConnected);
  }

  private scheduleRetry(wasConnected: boolean): void {
    if (this.stopping) return;
    if (this.retryNow) {
      this.retryNow = false;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopping && this.target) this.attempt(this.target);
      }, 0);
      return;
    }
    this.failures++;
    const min = this.options.reconnectMinMs ?? 500;
    const max = this.options.reconnectMaxMs ?? 5000;
    let delay = backoffDelay(this.failures, min, max);
    if (this.refused) delay = this.loginRefused(this.refused);
    else if (wasConnected) delay = Math.max(delay, this.takeoverDelay());
    this.log.debug('reconnecting to broker', { in_ms: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping && this.target) this.attempt(this.target);
    }, delay);
  }

  /** A refused login: retried with a long backoff, said at ERROR now and then while it lasts. */
  private loginRefused(what: string): number {
    const now = Date.now();
    this.refusedAttempts++;
    if (this.refusedAttempts === 1) this.refusedSince = now;
    const min = this.options.authRetryMinMs ?? 5000;
    const max = this.options.authRetryMaxMs ?? 120_000;
    const delay = backoffDelay(this.refusedAttempts, min, max);
    if (this.loud('auth', now)) {
      const hint = this.options.hints?.credentials ?? 'mqtt.username and mqtt.password_file';
      this.log.error(`authentication failed: the broker refused the hub's login (${what}); check ${hint}`, {
        url: this.target ? redactUrl(this.target.url) : undefined,
        username: this.target?.client.username ?? '(none)',
        attempts: this.refusedAttempts,
        failing_for_s: Math.round((now - this.refusedSince) / 1000),
        next_try_in_s: Math.round(delay / 1000),
      });
    }
    return delay;
  }

  /**
   * Called when an established connection ended. The broker closing it soon after it was
   * established, with no error, again and again, is what another client with the same client
   * id does to us (and we to it): say so, and back off so the two flap less often.
   */
  private takeoverDelay(): number {
    const now = Date.now();
    // A restarting broker refuses the first reconnect; one that hands our session to another
    // client takes us back at once (and then drops us again).
    const kicked = this.endedBy === 'takeover' || (this.endedBy === undefined && this.firstTry && now - this.connectedAt < TAKEOVER_MAX_UP_MS);
    if (!kicked) return 0;
    this.kicks = this.kicks.filter((t) => now - t < TAKEOVER_WINDOW_MS);
    this.kicks.push(now);
    if (this.endedBy !== 'takeover' && this.kicks.length < TAKEOVER_CLOSES) return 0;
    const clientId = this.target?.client.clientId ?? '(unknown)';
    if (this.loud('takeover', now)) {
      const hint = this.options.hints?.clientId ?? 'mqtt.client_id';
      this.log.error(
        `the broker keeps closing this hub's connection right after it connects: another client is most likely ` +
          `using the same client id "${clientId}" (each connect takes the session from the other). Give every hub ` +
          `its own client id: ${hint}`,
        { client_id: clientId, closed_in_last_minute: this.kicks.length },
      );
    }
    const max = this.options.reconnectMaxMs ?? 5000;
    return backoffDelay(this.kicks.length - TAKEOVER_CLOSES + 1, max, 60_000);
  }

  /** True when a lasting failure of this kind may be logged again (the first time, then every repeatErrorMs). */
  private loud(kind: string, now: number): boolean {
    const last = this.lastLoud.get(kind);
    if (last !== undefined && now - last < (this.options.repeatErrorMs ?? 60_000)) return false;
    this.lastLoud.set(kind, now);
    return true;
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
