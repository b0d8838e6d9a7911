// The embedded MQTT broker: aedes with its state in LevelDB under <dataDir>/broker, so
// retained messages and persistent sessions (with their queued QoS 1 messages) survive a
// restart. Used by `roomlink hub` when no broker is configured and by `roomlink broker`.
//
// On top of aedes: accounts with topic permissions (acl.ts), a packet-size limit checked
// from each fixed header (packet-guard.ts), and a fix for aedes dropping QoS 1 messages
// that reach a subscriber out of order (see deliverOutOfOrder below).
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import aedesPersistenceLevel, { type LevelPersistence } from 'aedes-persistence-level';
import { Level } from 'level';
import { RateLimit } from '../core/rate-limit.ts';
import type { Logger } from '../log.ts';
import { checkClient, isLoopbackHost, type Account, type AccessRules } from './access.ts';
import { ANONYMOUS_DEFAULT, EVERYTHING, mayPublish, maySubscribe, type Permissions } from './acl.ts';
import { DEFAULT_MAX_PACKET_BYTES, guardPacketSize } from './packet-guard.ts';
import { BrokerStartError } from './start-error.ts';

export { BrokerStartError };

export interface EmbeddedBrokerOptions {
  /** Address to listen on. Anything but loopback needs credentials or allowAnonymous. */
  host: string;
  /** TCP port; 0 picks a free one (reported in the result). */
  port: number;
  /** Persistence goes to <dataDir>/broker. */
  dataDir: string;
  /** Accounts clients log in with, each with its topic permissions. */
  accounts?: readonly Account[];
  /** One account with full access (broker.username/password); both or neither. */
  username?: string;
  password?: string;
  /** Accept clients without credentials, also on a network address. */
  allowAnonymous: boolean;
  /** What anonymous clients may do, when they are let in. Default ANONYMOUS_DEFAULT. */
  anonymous?: Permissions;
  /** Largest MQTT packet accepted, header included; larger ones close the connection. */
  maxPacketBytes?: number;
  log: Logger;
}

export interface EmbeddedBrokerStats {
  /** Connections refused for bad credentials or because anonymous clients are not let in. */
  refused_connections: number;
  /** Publishes dropped because the client may not publish there. */
  denied_publishes: number;
  /** Subscriptions refused (SUBACK 0x80) because the client may not read there. */
  denied_subscriptions: number;
  /** Connections closed because a packet announced more than max_packet_bytes. */
  oversized_packets: number;
  /** Writes of the broker's state that failed for the disk (full, read-only), since start. */
  persistence_errors: number;
}

export interface EmbeddedBroker {
  /** mqtt://host:port to connect to (loopback when listening on all addresses). */
  url: string;
  port: number;
  stats(): EmbeddedBrokerStats;
  /** Disconnects clients, stops listening and closes the database after pending writes. */
  close(): Promise<void>;
}

/** CONNACK return code 4, "bad user name or password". */
const BAD_USERNAME_OR_PASSWORD = 4;
/** CONNACK return code 5, "not authorized". */
const NOT_AUTHORIZED = 5;

function accessRules(options: EmbeddedBrokerOptions): AccessRules {
  const { host, username, password, allowAnonymous } = options;
  if ((username === undefined) !== (password === undefined)) {
    throw new BrokerStartError(
      username === undefined
        ? 'the embedded broker has a password but no user name: set {broker.username} too'
        : 'the embedded broker has a user name but no password: set {broker.password_file} too',
    );
  }
  const accounts: Account[] = [...(options.accounts ?? [])];
  if (username !== undefined && password !== undefined) accounts.push({ username, password, permissions: EVERYTHING });
  const names = new Set<string>();
  for (const account of accounts) {
    if (names.has(account.username))
      throw new BrokerStartError(`the embedded broker has two accounts named "${account.username}"; give each a name of its own`);
    names.add(account.username);
  }
  // Accounts people can log in with (the hub's own in-process account does not count).
  const hasAccount = accounts.some((a) => !a.internal);
  if (!isLoopbackHost(host) && !hasAccount && !allowAnonymous) {
    throw new BrokerStartError(
      `refusing to listen on ${host} without credentials: anyone on the network could read and publish. ` +
        'Set {broker.username} and {broker.password_file}, or {broker.allow_anonymous=true} to accept anyone, ' +
        'or accounts in {broker.users}, ' +
        'or listen on 127.0.0.1 only ({broker.host=127.0.0.1}).',
    );
  }
  // On loopback without accounts, only local programs can connect: anonymous is fine.
  const anonymousIn = allowAnonymous || !hasAccount;
  return { accounts, anonymous: anonymousIn ? (options.anonymous ?? ANONYMOUS_DEFAULT) : undefined };
}

function urlFor(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const target = wildcard ? (host === '0.0.0.0' ? '127.0.0.1' : '::1') : host.replace(/^\[|\]$/g, '');
  return `mqtt://${net.isIPv6(target) ? `[${target}]` : target}:${port}`;
}

async function openDatabase(dir: string): Promise<Level<string, string>> {
  await mkdir(dir, { recursive: true });
  const db = new Level<string, string>(dir);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED' || /lock/i.test(String((err as { cause?: unknown }).cause))) {
      throw new BrokerStartError(`the broker data directory ${dir} is in use by another running broker; stop it or use another {data_dir}`);
    }
    throw new BrokerStartError(`cannot open the broker data directory ${dir}: ${(err as Error).message}`);
  }
  return db;
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new BrokerStartError(
            `port ${port} on ${host} is already in use (another MQTT broker, e.g. Mosquitto, may be running there). ` +
              `Choose another port with {broker.port}, or use that broker with {mqtt.url=${urlFor(host, port)}}.`,
            'port-in-use',
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(new BrokerStartError(`not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with {broker.port}`));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new BrokerStartError(`cannot listen on ${host}: no such address on this machine; check {broker.host}`));
      } else {
        reject(new BrokerStartError(`cannot listen on ${host}:${port}: ${err.message}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { host, log } = options;
  const rules = accessRules(options);
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const storeDir = join(options.dataDir, 'broker');
  const counters: EmbeddedBrokerStats = { refused_connections: 0, denied_publishes: 0, denied_subscriptions: 0, oversized_packets: 0, persistence_errors: 0 };
  const logLimit = new RateLimit({ burst: 3, windowMs: 60_000 });
  /** Permissions of each connected client, set when it authenticates. */
  const permissionsOf = new WeakMap<Client, { username: string | undefined; permissions: Permissions }>();
  /** Publishes let through authorizePublish only to be acknowledged, never delivered. */
  const denied = new WeakSet<object>();

  const db = await openDatabase(storeDir);
  const persistence: LevelPersistence = aedesPersistenceLevel(db);
  const diskLimit = new RateLimit({ burst: 1, windowMs: 60_000 });
  tolerateDiskErrors(persistence, (operation, err) => {
    counters.persistence_errors++;
    if (!diskLimit.allow('disk').ok) return;
    log.error('DISK ERROR: the embedded broker cannot save its state; live delivery goes on', {
      dir: storeDir,
      operation,
      error: err.message,
      errors_so_far: counters.persistence_errors,
      hint:
        'retained messages, the queues of offline persistent subscribers and last wills are not saved meanwhile; ' +
        'free space on that disk, then restart the hub (LevelDB keeps refusing writes after such an error until it is reopened)',
    });
  });
  let broker: Aedes;
  try {
    broker = await Aedes.createBroker({
      persistence,
      authenticate(client, username, password, done) {
        const decision = checkClient(rules, username, password);
        // The last will is stored now and may be published long after, even by a broker
        // restarted without this client (aedes then authorizes it for no client): refuse
        // at CONNECT a will its account could not publish, as Mosquitto does.
        const will = (client as unknown as { _will?: { topic: string } | null })._will;
        const willRefused = decision.ok && will && !mayPublish(decision.permissions, will.topic);
        if (decision.ok && !willRefused) {
          permissionsOf.set(client, { username: decision.username, permissions: decision.permissions });
          return done(null, true);
        }
        const reason = decision.ok ? 'will-not-allowed' : decision.reason;
        counters.refused_connections++;
        if (logLimit.allow('refused').ok) {
          log.warn('client refused', { client: client?.id, username, reason, will: willRefused ? will!.topic : undefined, from: remoteAddress(client?.conn) });
        }
        const error = (
          decision.ok
            ? Object.assign(new Error('not authorized: this user may not publish its last will there'), { returnCode: NOT_AUTHORIZED })
            : Object.assign(new Error('bad user name or password'), { returnCode: BAD_USERNAME_OR_PASSWORD })
        ) as AuthenticateError;
        done(error, false);
      },
      authorizePublish(client, packet, done) {
        // client is null for a will aedes publishes on behalf of a client long gone.
        const who = client ? permissionsOf.get(client) : undefined;
        if (!client || (who && mayPublish(who.permissions, packet.topic))) return done(null);
        // Dropped, but acknowledged like an allowed one: with an error aedes would close
        // the connection, and a node that retransmits unacknowledged readings after each
        // reconnect would be stuck on the one it may not send (Mosquitto drops too).
        denied.add(packet);
        counters.denied_publishes++;
        if (logLimit.allow(`publish:${who?.username ?? ''}`).ok) {
          log.warn('publish denied: this user may not publish there (see broker.users in the README)', {
            client: client.id,
            user: who?.username ?? '(anonymous)',
            topic: packet.topic,
            denied_so_far: counters.denied_publishes,
          });
        }
        done(null);
      },
      authorizeSubscribe(client, subscription, done) {
        const who = client ? permissionsOf.get(client) : undefined;
        if (who && maySubscribe(who.permissions, subscription.topic)) return done(null, subscription);
        counters.denied_subscriptions++;
        if (logLimit.allow(`subscribe:${who?.username ?? ''}`).ok) {
          log.warn('subscription refused: this user may not read there (see broker.users in the README)', {
            client: client?.id,
            user: who?.username ?? '(anonymous)',
            filter: subscription.topic,
          });
        }
        // null: SUBACK says 0x80 (failure) for this filter; the client stays connected.
        done(null, null);
      },
    });
  } catch (err) {
    await persistence.destroy().catch(() => {});
    throw err;
  }
  const publish = broker.publish.bind(broker);
  broker.publish = ((packet: Parameters<Aedes['publish']>[0], client: unknown, done?: (err?: Error) => void) => {
    if (denied.has(packet)) {
      const callback = typeof client === 'function' ? (client as (err?: Error) => void) : done;
      callback?.();
      return;
    }
    return (publish as (p: unknown, c: unknown, d: unknown) => void)(packet, client, done);
  }) as Aedes['publish'];
  // aedes emits 'error' (e.g. a persistence failure); unhandled, that would end the process.
  (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error('broker error', { error: err }));
  broker.on('client', (client) => log.debug('client connected', { client: client.id }));
  broker.on('clientDisconnect', (client) => log.debug('client disconnected', { client: client.id }));
  broker.on('clientError', (client, err) => log.debug('client error', { client: client.id, error: err }));

  const server = net.createServer((socket) => {
    guardPacketSize(socket, maxPacketBytes, (announced) => {
      counters.oversized_packets++;
      if (logLimit.allow('oversized').ok) {
        log.warn('connection closed: packet larger than broker.max_packet_bytes', {
          from: remoteAddress(socket),
          announced_bytes: announced < 0 ? 'malformed length' : announced,
          max_packet_bytes: maxPacketBytes,
        });
      }
    });
    deliverOutOfOrder(broker.handle(socket) as unknown as AedesClientInternals);
  });
  let port: number;
  try {
    port = await listen(server, host, options.port);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await persistence.destroy().catch(() => {});
    throw err;
  }
  const url = urlFor(host, port);
  const people = rules.accounts.filter((a) => !a.internal).map((a) => a.username);
  const auth = people.length > 0 ? (rules.anonymous ? 'password or anonymous' : 'password') : 'anonymous';
  log.info('embedded MQTT broker listening', {
    host,
    port,
    url,
    auth,
    users: people.join(',') || undefined,
    persistence: storeDir,
    max_packet_bytes: maxPacketBytes,
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // aedes closes every client connection; only then can the server finish closing.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await stopped;
      await persistence.destroy();
      log.info('embedded MQTT broker stopped', { port });
    })());
  return { url, port, stats: () => ({ ...counters }), close };
}

/**
 * Persistence writes on the message path whose failure for the disk must not cost the
 * message. Unwrapped, a failed retained-message write made aedes drop a reading it had
 * already acknowledged and close the publisher's connection; a failed outgoing update
 * closed the subscriber's; a failed delWill at CONNECT was an unhandled rejection that
 * ended the hub (aedes 1.2: `delWill(client).finally(...)`). Subscriptions are left alone:
 * a SUBACK must not promise a session that is not saved.
 */
const TOLERATED_WRITES = [
  'storeRetained',
  'outgoingEnqueue',
  'outgoingEnqueueCombi',
  'outgoingUpdate',
  'outgoingClearMessageId',
  'putWill',
  'delWill',
] as const;

function isDiskError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === 'LEVEL_IO_ERROR' || /ENOSPC|no space|EDQUOT|quota|EROFS|read-only|IO error/i.test(String(e?.message));
}

function tolerateDiskErrors(persistence: LevelPersistence, onError: (operation: string, err: Error) => void): void {
  const target = persistence as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of TOLERATED_WRITES) {
    const original = target[name]!.bind(persistence);
    target[name] = (...args: unknown[]) => {
      const result = original(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((err: unknown) => {
        // The outgoing entry to update is missing when its enqueue failed for the disk:
        // send the message all the same (aedes would close the subscriber's connection).
        if (name === 'outgoingUpdate' && /no such packet/.test(String((err as Error)?.message))) return undefined;
        if (!isDiskError(err)) throw err;
        onError(name, err as Error);
        return undefined;
      });
    };
  }
}

/** The parts of an aedes client that deliverOutOfOrder works on (not in aedes' types). */
interface AedesClientInternals {
  duplicates: Record<string, number>;
  deliverQoS: (packet: DeliveredPacket, cb: () => void) => void;
  deliver0: (packet: DeliveredPacket, cb: () => void) => void;
}

interface DeliveredPacket {
  brokerId?: string | null;
  brokerCounter?: number;
}

/** Packets a client remembers having been handed, to skip a second copy of one. */
const RECENT_PACKETS = 1024;

/**
 * aedes (1.2) skips a packet for a client when its brokerCounter is not above the highest
 * the client has seen, meant to drop the second copy of a packet that matches two of the
 * client's subscriptions. But every QoS 1 publish passes through asynchronous LevelDB
 * writes (the retained message, each persistent session's queue) that complete on libuv's
 * thread pool in any order, so packets reach a subscriber out of counter order, and the
 * overtaken ones were skipped as "duplicates": never sent, and cleared from a persistent
 * session's queue too (421 of 10,000 lost at 1,000/s). Here a packet counts as a duplicate
 * only when this very packet was handed to the client already; aedes' check then sees a
 * fresh counter and lets everything else through.
 */
function deliverOutOfOrder(client: AedesClientInternals): void {
  const recent = new Set<string>();
  /** Packets this client was handed: deliverQoS passes a QoS 0 one on to deliver0. */
  const handed = new WeakSet<object>();
  const wrap = (deliver: AedesClientInternals['deliverQoS']): AedesClientInternals['deliverQoS'] =>
    function deliverOnce(packet, cb) {
      const brokerId = packet.brokerId;
      if (brokerId) {
        const key = `${brokerId}:${packet.brokerCounter}`;
        if (handed.has(packet) || !recent.has(key)) {
          handed.add(packet);
          recent.add(key);
          if (recent.size > RECENT_PACKETS) recent.delete(recent.values().next().value!);
          delete client.duplicates[brokerId];
        } else {
          // Another copy (another subscription of this client matched): aedes skips it.
          client.duplicates[brokerId] = Number.MAX_SAFE_INTEGER;
        }
      }
      deliver(packet, cb);
    };
  client.deliverQoS = wrap(client.deliverQoS);
  client.deliver0 = wrap(client.deliver0);
}

function remoteAddress(conn: unknown): string | undefined {
  const socket = conn as net.Socket | undefined;
  return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
}
