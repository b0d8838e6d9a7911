// Who may connect to the embedded broker. Mosquitto 2's rule: on a network address,
// clients must authenticate unless anonymous access is switched on explicitly.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

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
  const a = createHash('sha256').update(given ?? '').digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given !== undefined;
}

export interface AccessRules {
  username?: string;
  password?: string;
  /** Accept clients that present no user name. */
  anonymous: boolean;
}

export type AccessDecision = 'ok' | 'bad-credentials' | 'anonymous-refused';

export function checkClient(rules: AccessRules, username: string | undefined, password: Buffer | undefined): AccessDecision {
  if (username === undefined || username === '') {
    if (password !== undefined && password.length > 0) return 'bad-credentials';
    return rules.anonymous ? 'ok' : 'anonymous-refused';
  }
  if (rules.username === undefined || rules.password === undefined) {
    // No accounts configured: a user name proves nothing, so it counts as anonymous.
    return rules.anonymous ? 'ok' : 'bad-credentials';
  }
  // Both compared every time, so a wrong user name costs as long as a wrong password.
  const userOk = safeEqual(username, rules.username);
  const passwordOk = safeEqual(password, rules.password);
  return userOk && passwordOk ? 'ok' : 'bad-credentials';
}
