// The embedded broker's options from the hub settings, for `roomlink hub` and `roomlink broker`
// alike: the accounts of broker.users with their roles' permissions, the legacy single
// account, what anonymous clients may do, and the packet-size limit.
import { randomBytes } from 'node:crypto';
import type { HubSettings } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Account } from './access.ts';
import { accountPermissions, EVERYTHING, HUB_USER } from './acl.ts';
import type { EmbeddedBrokerOptions } from './embedded.ts';

/**
 * The hub's own account on its embedded broker: full access, a fresh random password per
 * start that exists only in this process's memory (never in a file, a log or health).
 */
export function hubAccount(): Account {
  return { username: HUB_USER, password: randomBytes(24).toString('base64url'), permissions: EVERYTHING, internal: true };
}

export function embeddedBrokerOptions(settings: HubSettings, log: Logger, extraAccounts: readonly Account[] = []): EmbeddedBrokerOptions {
  const { broker } = settings;
  const context = { prefixes: settings.topics, birthTopic: settings.homeassistant.birth_topic };
  const accounts: Account[] = [...extraAccounts];
  for (const [username, user] of Object.entries(broker.users)) {
    // load.ts has read password_file into password; the schema requires one of them.
    if (user.password === undefined) throw new Error(`broker.users.${username}: no password (password_file was not read)`);
    accounts.push({ username, password: user.password, permissions: accountPermissions(username, user, context) });
  }
  return {
    host: broker.host,
    port: broker.port,
    dataDir: settings.data_dir,
    accounts,
    username: broker.username,
    password: broker.password,
    allowAnonymous: broker.allow_anonymous,
    anonymous: broker.anonymous,
    maxPacketBytes: broker.max_packet_bytes,
    log,
  };
}
