// The hub's connection to the broker. Each attempt is a fresh MQTT.js client with its own
// reconnection turned off: when a connection ends, the client is discarded with whatever it
// held in memory, and the durable queue (not MQTT.js's store) says what to send again. The
// retry delay doubles from reconnectMinMs up to reconnectMaxMs. A broker that is down at
// start is just the first failed attempt: the hub keeps running.
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
  log: Logger;
}

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
      this.failures = 0;
      this.connects++;
      this.lastError = undefined;
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
      // Logged once per outage; the attempt ends with 'close' and is retried.
      if (err.message !== this.lastError) this.log.warn('broker connection error', { url: redactUrl(target.url), error: err.message });
      this.lastError = err.message;
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
    const delay = Math.min(max, min * 2 ** Math.min(this.failures - 1, 20));
    this.log.debug('reconnecting to broker', { in_ms: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping && this.target) this.attempt(this.target);
    }, delay);
  }
}

function noop(): void {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
