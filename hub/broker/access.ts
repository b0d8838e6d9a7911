// Who may connect to the embedded broker, and as whom. Mosquitto 2's rule: on a network
// address, clients must authenticate unless anonymous access is switched on explicitly.
// A client that presents a user name must present that account's password: a wrong or
// unknown one is refused, never let in as anonymous.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Permissions } from './acl.ts';

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare.startsWith('::ffff:127.');
}

/**
 * Compares secrets in time independent of where they differ. Hashing first gives equal
 * lengths, so the length of the expected value does not leak either.
 */
export function safeEqual(given: string | Buffer | undefined, expected: string): boolean {
  const a = createHash('sha256')
    .update(given ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given !== undefined;
}

export interface Account {
  username: string;
  password: string;
  permissions: Permissions;
  /** The hub's own in-process account: not one a person logs in with. */
  internal?: boolean;
}

export interface AccessRules {
  accounts: readonly Account[];
  /** What clients without a user name may do; undefined: they are refused. */
  anonymous: Permissions | undefined;
}

export type AccessDecision =
  | { ok: true; username: string | undefined; permissions: Permissions }
  | { ok: false; reason: 'bad-credentials' | 'anonymous-refused' };

/** A password no account has: compared against when the user name is unknown. */
const NO_PASSWORD = '\u0000unknown user\u0000';

export function checkClient(rules: AccessRules, username: string | undefined, password: Buffer | undefined): AccessDecision {
  if (username === undefined || username === '') {
    if (password !== undefined && password.length > 0) return { ok: false, reason: 'bad-credentials' };
    return rules.anonymous ? { ok: true, username: undefined, permissions: rules.anonymous } : { ok: false, reason: 'anonymous-refused' };
  }
  // Every account's name is compared, and one password, whether or not the name is known:
  // a wrong user name costs as long as a wrong password.
  let found: Account | undefined;
  for (const account of rules.accounts) if (safeEqual(username, account.username) && !found) found = account;
  const passwordOk = safeEqual(password, found?.password ?? NO_PASSWORD);
  return found && passwordOk ? { ok: true, username: found.username, permissions: found.permissions } : { ok: false, reason: 'bad-credentials' };
}
