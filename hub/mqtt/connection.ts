// The hub's connection to the broker. Each attempt is a fresh MQTT.js client with its own
// reconnection turned off: when a connection ends, the client is discarded with whatever it
// held in memory, and the durable queue (not MQTT.js's store) says what to send again. The
// retry delay doubles from reconnectMinMs up to reconnectMaxMs. A broker that is down at
// start is just the first failed attempt: the hub keeps running.
//
// Two failures are not outages and are said as what they are, at ERROR, repeated at a slow
// rate while they last: a refused login (retried with a longer backoff), and another client
// taking over this client id (the broker closes the connection right after each connect).
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { redactUrl } from '../config/redact.ts';
import type { Logger } from '../log.ts';
import { ClientIdRange } from './packet-ids.ts';

/** Where to connect: known only once the embedded broker (if any) is listening. */
export interface MqttTarget {
  /** Broker URL without credentials (they are in `client`). */
  url: string;
  /** MQTT.js options: client id, credentials, TLS, keepalive (see config/client-options.ts). */
  client: IClientOptions;
}

export interface MqttConnectionOptions {
  /** Last Will, published retained by the broker when the hub vanishes. */
  will: { topic: string; payload: string };
  /** Topic filters subscribed at QoS 1 on every connect. */
  subscriptions: string[];
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

/** The broker refused the login: what it said, or undefined for any other error. */
export function authFailure(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  // MQTT 3.1.1 CONNACK return codes 4 and 5; MQTT 5 reason codes 0x86, 0x87 and 0x8C.
  if (code === 4 || code === 0x86) return 'bad user name or password';
  if (code === 5 || code === 0x87) return 'not authorized';
  if (code === 0x8c) return 'bad authentication method';
  return undefined;
}

/** Connections closed by the broker right after connecting, this often in a minute: a takeover. */
const TAKEOVER_CLOSES = 3;
const TAKEOVER_WINDOW_MS = 60_000;
/** A connection that lasted longer than this was not cut short by a takeover loop. */
const TAKEOVER_MAX_UP_MS = 30_000;
/** MQTT 5 DISCONNECT reason code "Session taken over". */
const SESSION_TAKEN_OVER = 0x8e;

export interface ConnectionHandlers {
  /**
   * Connected (and subscriptions sent): publish state, resend the queue. `receiveMaximum`
   * is the broker's limit on unacknowledged QoS 1 publishes (MQTT 5 only).
   */
  onConnect(client: MqttClient, receiveMaximum: number | undefined): void;
  /** The connection is gone; in-flight publishes are lost with it. */
  onClose(): void;
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
}

export class MqttConnection {
  /** Connections made since start. */
  connects = 0;
  private readonly options: MqttConnectionOptions;
  private readonly handlers: ConnectionHandlers;
  private readonly log: Logger;
  private current: MqttClient | undefined;
  private isConnected = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lastError: string | undefined;
  private target: MqttTarget | undefined;
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
  }

  /** The connected client, or undefined while there is none. */
  get client(): MqttClient | undefined {
    return this.isConnected ? this.current : undefined;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(target: MqttTarget): void {
    this.target = target;
    this.stopping = false;
    this.attempt(target);
  }

  /**
   * Ends the connection. `beforeEnd` runs while still connected (e.g. publishing offline)
   * and may take at most `graceMs`.
   */
  async stop(beforeEnd?: (client: MqttClient) => Promise<unknown>, graceMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.current;
    if (!client) return;
    // The client stays current while beforeEnd runs: its last words go out on it.
    if (this.isConnected && beforeEnd) {
      await withDeadline(beforeEnd(client).catch(() => undefined), graceMs);
    }
    this.current = undefined;
    this.isConnected = false;
    await withDeadline(client.endAsync(!client.connected).catch(() => undefined), graceMs);
    client.end(true);
  }

  private attempt(target: MqttTarget): void {
    const o = this.options;
    const client = mqtt.connect(target.url, {
      ...target.client,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      queueQoSZero: false,
      resubscribe: false,
      // The reading pump numbers its own PUBLISH packets above this range (packet-ids.ts).
      messageIdProvider: new ClientIdRange(),
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
      // MQTT.js calls its `debug` logger several times per packet even when disabled (~3% of
      // the hub's CPU at full rate); keep it only when asked for with DEBUG=mqttjs*.
      ...(process.env['DEBUG']?.includes('mqttjs') ? {} : { log: noop }),
    });
    this.current = client;
    client.on('connect', (connack) => {
      if (this.current !== client || this.stopping) return;
      // Each reading goes out the moment it is read: with Nagle's algorithm a lone PUBLISH
      // waits for the broker's (delayed) ACK of the previous one, up to 40 ms on Linux. The
      // pump already batches what arrives together into one write.
      (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
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
      this.log.info('connected to broker', { url: redactUrl(target.url), client_id: target.client.clientId });
      if (o.subscriptions.length > 0) {
        client.subscribe(o.subscriptions, { qos: 1 }, (err) => {
          if (err) this.log.warn('subscribe failed', { error: err.message });
        });
      }
      this.handlers.onConnect(client, connack.properties?.receiveMaximum);
    });
    client.on('message', (topic, payload, packet) => {
      if (this.current === client) this.handlers.onMessage(topic, payload, packet.retain);
    });
    client.on('error', (err) => {
      if (this.current !== client) return;
      if (this.isConnected) this.endedBy = 'error';
      const refused = authFailure(err);
      if (refused) {
        // Said (at ERROR, with what to check) when the attempt has ended: see closed().
        this.refused = refused;
        return;
      }
      this.refused = undefined;
      // Logged once per outage; the attempt ends with 'close' and is retried.
      if (err.message !== this.lastError) this.log.warn('broker connection error', { url: redactUrl(target.url), error: err.message });
      this.lastError = err.message;
    });
    client.on('disconnect', (packet) => {
      if (this.current === client && packet.reasonCode === SESSION_TAKEN_OVER) this.endedBy = 'takeover';
    });
    client.on('close', () => this.closed(client));
  }

  private closed(client: MqttClient): void {
    if (this.current !== client) return;
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.current = undefined;
    // Releases MQTT.js's callbacks and in-memory store for this connection.
    client.end(true);
    if (wasConnected) {
      this.log.warn('broker connection lost; readings are queued until it is back');
      this.handlers.onClose();
    }
    if (this.stopping) return;
    this.failures++;
    const min = this.options.reconnectMinMs ?? 500;
    const max = this.options.reconnectMaxMs ?? 5000;
    let delay = Math.min(max, min * 2 ** Math.min(this.failures - 1, 20));
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
    const delay = Math.min(max, min * 2 ** Math.min(this.refusedAttempts - 1, 20));
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
    return Math.min(60_000, max * 2 ** Math.max(0, this.kicks.length - TAKEOVER_CLOSES));
  }

  /** True when a lasting failure of this kind may be logged again (the first time, then every repeatErrorMs). */
  private loud(kind: string, now: number): boolean {
    const last = this.lastLoud.get(kind);
    if (last !== undefined && now - last < (this.options.repeatErrorMs ?? 60_000)) return false;
    this.lastLoud.set(kind, now);
    return true;
  }
}

function noop(): void {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
