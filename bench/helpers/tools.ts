// Which external programs the real-part tests need, and what to do when one is missing:
// in CI (CI=true) a missing tool fails the test file; on a laptop those tests are skipped
// with a message saying what to install.
import { spawnSync } from 'node:child_process';

const INSTALL_HINT: Record<string, string> = {
  mosquitto: 'apt-get install -y mosquitto mosquitto-clients',
  mosquitto_sub: 'apt-get install -y mosquitto-clients',
  mosquitto_pub: 'apt-get install -y mosquitto-clients',
  mosquitto_passwd: 'apt-get install -y mosquitto',
  socat: 'apt-get install -y socat',
  chromium: 'apt-get install -y chromium',
};

const SEARCH_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin:/sbin`;

/** Absolute path of a program, or undefined when it is not installed. */
export function findTool(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { ...process.env, PATH: SEARCH_PATH },
    encoding: 'utf8',
  });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/**
 * True when every named tool is installed. When one is missing: throws in CI, otherwise
 * warns once and returns false so the caller can `describe.skipIf(!ok)`.
 */
export function requireTools(...names: string[]): boolean {
  const missing = names.filter((n) => !findTool(n));
  if (missing.length === 0) return true;
  const hint = missing.map((n) => INSTALL_HINT[n] ?? `install ${n}`).join('; ');
  const message = `missing ${missing.join(', ')}: these tests need the real programs (${hint})`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: not skipping)`);
  console.warn(`skipping: ${message}`);
  return false;
}

/** Path of a tool that requireTools() already vouched for. */
export function toolPath(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed`);
  return path;
}
