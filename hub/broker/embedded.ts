// The embedded MQTT broker: aedes with its state in LevelDB under <dataDir>/broker, so
// retained messages and persistent sessions (with their queued QoS 1 messages) survive a
// restart. Used by `roomlink hub` when no broker is configured and by `roomlink broker`.
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { Aedes, type AuthenticateError } from 'aedes';
import aedesPersistenceLevel, { type LevelPersistence } from 'aedes-persistence-level';
import { Level } from 'level';
import { plainHint } from '../config/args.ts';
import type { Logger } from '../log.ts';
import { checkClient, isLoopbackHost, type AccessRules } from './access.ts';

export interface EmbeddedBrokerOptions {
  /** Address to listen on. Anything but loopback needs credentials or allowAnonymous. */
  host: string;
  /** TCP port; 0 picks a free one (reported in the result). */
  port: number;
  /** Persistence goes to <dataDir>/broker. */
  dataDir: string;
  /** Credentials clients must present; both or neither. */
  username?: string;
  password?: string;
  /** Accept clients without credentials, also on a network address. */
  allowAnonymous: boolean;
  log: Logger;
}

export interface EmbeddedBroker {
  /** mqtt://host:port to connect to (loopback when listening on all addresses). */
  url: string;
  port: number;
  /** Disconnects clients, stops listening and closes the database after pending writes. */
  close(): Promise<void>;
}

/**
 * A reason the broker cannot start that the user can fix; the message says how. `template`
 * is the message with each settings key in braces ({broker.port}), which a command renders
 * as its own flag for that key, or as the key in the settings file (config/args.ts renderHint).
 */
export class BrokerStartError extends Error {
  readonly template: string;
  constructor(
    template: string,
    /** 'port-in-use' when another program holds the port. */
    readonly reason?: 'port-in-use',
  ) {
    super(plainHint(template));
    this.template = template;
    this.name = 'BrokerStartError';
    // No stack trace: this is a setting to change, not a bug.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** aedes' CONNACK return code 4, "bad user name or password". */
const BAD_USERNAME_OR_PASSWORD = 4;

function accessRules(options: EmbeddedBrokerOptions): AccessRules {
  const { host, username, password, allowAnonymous } = options;
  if ((username === undefined) !== (password === undefined)) {
    throw new BrokerStartError(
      username === undefined
        ? 'the embedded broker has a password but no user name: set {broker.username} too'
        : 'the embedded broker has a user name but no password: set {broker.password_file} too',
    );
  }
  const hasAccount = username !== undefined;
  if (!isLoopbackHost(host) && !hasAccount && !allowAnonymous) {
    throw new BrokerStartError(
      `refusing to listen on ${host} without credentials: anyone on the network could read and publish. ` +
        'Set {broker.username} and {broker.password_file}, ' +
        'or {broker.allow_anonymous=true} to accept anyone, ' +
        'or listen on 127.0.0.1 only ({broker.host=127.0.0.1}).',
    );
  }
  // On loopback without accounts, only local programs can connect: anonymous is fine.
  return { username, password, anonymous: allowAnonymous || !hasAccount };
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
  const storeDir = join(options.dataDir, 'broker');

  const db = await openDatabase(storeDir);
  const persistence: LevelPersistence = aedesPersistenceLevel(db);
  let broker: Aedes;
  try {
    broker = await Aedes.createBroker({
      persistence,
      authenticate(client, username, password, done) {
        const decision = checkClient(rules, username, password);
        if (decision === 'ok') return done(null, true);
        log.warn('client refused', { client: client?.id, username, reason: decision, from: remoteAddress(client?.conn) });
        const error = Object.assign(new Error('bad user name or password'), { returnCode: BAD_USERNAME_OR_PASSWORD }) as AuthenticateError;
        done(error, false);
      },
    });
  } catch (err) {
    await persistence.destroy().catch(() => {});
    throw err;
  }
  // aedes emits 'error' (e.g. a persistence failure); unhandled, that would end the process.
  (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error('broker error', { error: err }));
  broker.on('client', (client) => log.debug('client connected', { client: client.id }));
  broker.on('clientDisconnect', (client) => log.debug('client disconnected', { client: client.id }));
  broker.on('clientError', (client, err) => log.debug('client error', { client: client.id, error: err }));

  const server = net.createServer((socket) => broker.handle(socket));
  let port: number;
  try {
    port = await listen(server, host, options.port);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await persistence.destroy().catch(() => {});
    throw err;
  }
  const url = urlFor(host, port);
  const auth = rules.username ? (rules.anonymous ? 'password or anonymous' : 'password') : 'anonymous';
  log.info('embedded MQTT broker listening', { host, port, url, auth, persistence: storeDir });

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
  return { url, port, close };
}

function remoteAddress(conn: unknown): string | undefined {
  const socket = conn as net.Socket | undefined;
  return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
}
