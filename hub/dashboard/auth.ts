// Who may use the dashboard. Without a password (only allowed on a loopback address) anyone
// who can reach the page may; with one, everything but the page's own files needs a session:
// a random token in an HttpOnly, SameSite=Strict cookie, kept in memory (a restart logs
// everyone out). Logins are rate-limited per address. Requests that change something must
// come from the page itself: same origin (Origin / Sec-Fetch-Site) and a JSON body, which a
// form on another site cannot send. On loopback without a password the Host header must be
// a loopback name too, so a web page cannot reach the hub through DNS rebinding.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost, safeEqual } from '../broker/access.ts';

export const SESSION_COOKIE = 'roomlink_session';
/** How long a session lasts without being used. */
const SESSION_IDLE_MS = 30 * 86_400_000;
/** Failed logins allowed per address per window. */
const LOGIN_BURST = 5;
const LOGIN_WINDOW_MS = 60_000;
/** Most sessions kept; the least recently used go first. */
const MAX_SESSIONS = 1000;
/** Most addresses whose failed logins are counted. */
const MAX_TRACKED_ADDRESSES = 10_000;

export interface AuthOptions {
  /** The dashboard password; undefined: no login (loopback only). */
  password: string | undefined;
  /** The listener is on a loopback address. */
  loopback: boolean;
  now?: () => number;
}

export type Refusal = { status: number; error: string; headers?: Record<string, string> };

export class Auth {
  private readonly options: AuthOptions;
  private readonly sessions = new Map<string, number>();
  private readonly failures = new Map<string, { start: number; count: number }>();
  private readonly now: () => number;

  constructor(options: AuthOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get required(): boolean {
    return this.options.password !== undefined;
  }

  /** Whether the request carries a live session (or no login is needed). */
  loggedIn(req: IncomingMessage): boolean {
    if (!this.required) return true;
    const token = cookie(req, SESSION_COOKIE);
    if (token === undefined) return false;
    const seen = this.sessions.get(token);
    if (seen === undefined || this.now() - seen > SESSION_IDLE_MS) {
      this.sessions.delete(token);
      return false;
    }
    // Refreshed on use; re-inserted so the map stays ordered by last use.
    this.sessions.delete(token);
    this.sessions.set(token, this.now());
    return true;
  }

  /** Checks a password; on success the Set-Cookie header value of a new session. */
  login(req: IncomingMessage, password: unknown): { ok: true; cookie: string } | { ok: false; refusal: Refusal } {
    if (!this.required) return { ok: false, refusal: { status: 400, error: 'this dashboard has no password: nothing to log in to' } };
    const address = req.socket.remoteAddress ?? '?';
    const now = this.now();
    let f = this.failures.get(address);
    if (f && now - f.start > LOGIN_WINDOW_MS) {
      this.failures.delete(address);
      f = undefined;
    }
    if (f && f.count >= LOGIN_BURST) {
      const wait = Math.ceil((f.start + LOGIN_WINDOW_MS - now) / 1000);
      return {
        ok: false,
        refusal: { status: 429, error: `too many wrong passwords from ${address}; try again in ${wait} s`, headers: { 'retry-after': String(wait) } },
      };
    }
    if (typeof password !== 'string' || !safeEqual(password, this.options.password!)) {
      if (!f) {
        // Addresses that stopped guessing are forgotten, so many of them cannot fill memory.
        if (this.failures.size >= MAX_TRACKED_ADDRESSES) {
          for (const [a, w] of this.failures) if (now - w.start > LOGIN_WINDOW_MS) this.failures.delete(a);
          if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
        }
        f = { start: now, count: 0 };
        this.failures.set(address, f);
      }
      f.count++;
      return { ok: false, refusal: { status: 401, error: 'wrong password' } };
    }
    this.failures.delete(address);
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, now);
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return { ok: true, cookie: `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_IDLE_MS / 1000}` };
  }

  /** Ends the request's session; the Set-Cookie value that clears it. */
  logout(req: IncomingMessage): string {
    const token = cookie(req, SESSION_COOKIE);
    if (token !== undefined) this.sessions.delete(token);
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** Why a request may not be answered at all (DNS rebinding), or undefined. */
  hostRefusal(req: IncomingMessage): Refusal | undefined {
    if (this.required || !this.options.loopback) return undefined;
    const host = hostName(req.headers.host);
    if (host !== undefined && isLoopbackHost(host)) return undefined;
    return {
      status: 421,
      error: `this dashboard has no password and answers only as 127.0.0.1 or localhost, not as "${req.headers.host ?? ''}"; set http.password_file to reach it under another name`,
    };
  }

  /** Why a request that changes something is refused (another site sent it), or undefined. */
  originRefusal(req: IncomingMessage): Refusal | undefined {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return { status: 403, error: `cross-origin request refused (Sec-Fetch-Site: ${site}): actions can only come from the dashboard page itself` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        return { status: 403, error: `cross-origin request refused (Origin: ${origin})` };
      }
      // Behind a reverse proxy the Host may be rewritten; X-Forwarded-Host then names the
      // site (another site's page cannot send that header without a CORS preflight, which
      // this server never grants).
      const forwarded = req.headers['x-forwarded-host'];
      const host = typeof forwarded === 'string' && forwarded !== '' ? forwarded.split(',')[0]!.trim() : req.headers.host;
      if (originHost !== host && originHost !== req.headers.host) {
        return { status: 403, error: `cross-origin request refused: Origin ${origin} is not this dashboard (${req.headers.host ?? 'no Host'})` };
      }
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, error: `send JSON (Content-Type: application/json), not ${type || 'no content type'}` };
    }
    return undefined;
  }
}

function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
