// The dashboard's HTTP server (node:http): the page's files, a small JSON API and one
// Server-Sent Events stream for live updates. Every refusal is a JSON `{"error": ...}` with
// a status that says what kind of problem it is (400 bad input, 401 not logged in, 403
// another site, 404 no such thing, 405 wrong method, 413 too large, 415 not JSON, 421
// wrong host name, 429 too many logins, 503 not now).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Auth, Refusal } from './auth.ts';
import type { StaticFile } from './static.ts';

/** Largest request body taken, in bytes (a command or a login is far smaller). */
export const MAX_BODY_BYTES = 4096;
/** Most live streams at once (each holds a connection). */
export const MAX_STREAMS = 32;
/** Bytes a stream may have waiting for a slow browser before it is dropped. */
const MAX_STREAM_BACKLOG = 1024 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface ApiResult {
  status: number;
  body: unknown;
}

/** What the server asks of the dashboard. */
export interface DashboardApi {
  state(): unknown;
  history(query: URLSearchParams): ApiResult;
  command(node: string, body: unknown): Promise<ApiResult>;
  /** A new live stream; `send` takes an event name and its data as JSON text. Returns what to call when it closes. */
  stream(send: (event: string, json: string) => void): () => void;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Route {
  methods: Record<string, (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void>;
  /** Needs a session when the dashboard has a password. */
  login: boolean;
}

export class DashboardServer {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly routes: [RegExp, Route][];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: {
      auth: Auth;
      files: Map<string, StaticFile>;
      api: DashboardApi;
      version: string;
      onError: (err: Error) => void;
    },
  ) {
    const { auth, api } = parts;
    this.routes = [
      [
        /^\/api\/session$/,
        {
          login: false,
          methods: { GET: (req, res) => json(res, 200, { auth: auth.required ? 'password' : 'none', logged_in: auth.loggedIn(req), version: parts.version }) },
        },
      ],
      [
        /^\/api\/login$/,
        {
          login: false,
          methods: {
            POST: async (req, res) => {
              const body = (await readJson(req)) as { password?: unknown } | null;
              const result = auth.login(req, body && typeof body === 'object' ? body.password : undefined);
              if (!result.ok) throw new HttpError(result.refusal.status, result.refusal.error, result.refusal.headers);
              res.setHeader('set-cookie', result.cookie);
              json(res, 200, { logged_in: true });
            },
          },
        },
      ],
      [
        /^\/api\/logout$/,
        {
          login: false,
          methods: {
            POST: (req, res) => {
              res.setHeader('set-cookie', auth.logout(req));
              json(res, 200, { logged_in: false });
            },
          },
        },
      ],
      [/^\/api\/state$/, { login: true, methods: { GET: (_req, res) => json(res, 200, api.state()) } }],
      [/^\/api\/history$/, { login: true, methods: { GET: (_req, res, _p, url) => send(res, api.history(url.searchParams)) } }],
      [/^\/api\/events$/, { login: true, methods: { GET: (req, res) => this.openStream(req, res) } }],
      [
        /^\/api\/nodes\/([^/]+)\/command$/,
        {
          login: true,
          methods: {
            POST: async (req, res, params) => {
              const body = await readJson(req);
              send(res, await api.command(decodeURIComponent(params[0]!), body));
            },
          },
        },
      ],
    ];
  }

  /** Starts listening; resolves with the port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    // Slow or stuck clients must not hold the Pi's connections for long.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        server.on('error', (err) => this.parts.onError(err));
        this.heartbeat = setInterval(() => {
          // A comment line keeps proxies from closing an idle stream and finds dead clients.
          for (const res of this.streams) res.write(': ping\n\n');
        }, 15_000);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    });
  }

  get streamCount(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.streams) res.end();
    this.streams.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections would hold close() open.
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    try {
      const refusal = this.parts.auth.hostRefusal(req);
      if (refusal) throw refusalError(refusal);
      const url = new URL(req.url ?? '/', 'http://dashboard');
      const path = url.pathname;
      if (!path.startsWith('/api/')) return this.file(req, res, path);
      const found = this.routes.map(([pattern, route]) => [pattern.exec(path), route] as const).find(([m]) => m !== null);
      if (!found) throw new HttpError(404, `no API ${path}`);
      const [match, route] = found;
      const method = req.method ?? 'GET';
      const handler = route.methods[method];
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        throw new HttpError(405, `${method} is not allowed on ${path}; use ${allow}`, { allow });
      }
      if (method !== 'GET') {
        const origin = this.parts.auth.originRefusal(req);
        if (origin) throw refusalError(origin);
      }
      if (route.login && !this.parts.auth.loggedIn(req)) throw new HttpError(401, 'log in first (POST /api/login with the dashboard password)');
      await handler(req, res, match!.slice(1), url);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
        json(res, err.status, { error: err.message });
        // The rest of an oversized body is not read: end the connection instead.
        if (err.status === 413) res.once('finish', () => req.destroy());
      } else {
        this.parts.onError(err as Error);
        json(res, 500, { error: 'internal error; see the hub log' });
      }
    }
  }

  private file(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on ${path}; use GET`, { allow: 'GET, HEAD' });
    const file = this.parts.files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${path}\n`);
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('etag', file.etag);
    res.setHeader('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304);
      res.end();
      return;
    }
    const zipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? file.gzip() : undefined;
    const gzip = zipped !== undefined;
    const body = zipped ?? file.body;
    res.writeHead(200, { 'content-type': file.type, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= MAX_STREAMS) throw new HttpError(503, `too many open dashboards (${MAX_STREAMS}); close one`, { 'retry-after': '10' });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and friends must pass events on at once.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    req.socket.setNoDelay(true);
    this.streams.add(res);
    const close = this.parts.api.stream((event, text) => {
      // A browser that stopped reading (a phone on a bad link) must not pile up the hub's
      // memory: drop it; EventSource reconnects and starts again from the whole picture.
      if (res.writableLength > MAX_STREAM_BACKLOG) {
        res.destroy();
        return;
      }
      res.write(`event: ${event}\ndata: ${text}\n\n`);
    });
    res.once('close', () => {
      this.streams.delete(res);
      close();
    });
  }
}

function refusalError(r: Refusal): HttpError {
  return new HttpError(r.status, r.error, r.headers);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function send(res: ServerResponse, result: ApiResult): void {
  json(res, result.status, result.body);
}

/** The request's JSON body: at most MAX_BODY_BYTES, else 413; not JSON, 400. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new HttpError(413, `request body of ${declared} bytes is larger than ${MAX_BODY_BYTES}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(new HttpError(400, 'the request has no body; send a JSON object'));
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new HttpError(400, `the body is not JSON: ${(err as Error).message}`));
      }
    });
    req.once('error', (err) => {
      if (!failed) reject(err);
    });
  });
}
