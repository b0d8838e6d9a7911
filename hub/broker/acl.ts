// Who may publish and subscribe where on the embedded broker: accounts with a role, whose
// topic filters are derived from the topic prefixes, plus filters added per account.
//
// - publish: a topic is allowed when it matches one of the account's publish filters
//   (MQTT matching: `+` one level, `#` the rest; `#` does not match `$SYS/...`).
// - subscribe: a filter is allowed when every topic it can match is allowed, i.e. it is
//   covered by one of the account's subscribe filters (`home/+/temperature` is covered by
//   `home/#`; `#` is not).
// A denied publish is dropped and still acknowledged, as Mosquitto does (a node that is
// disconnected would retransmit it forever); a denied subscription gets SUBACK 0x80.
import { topicMatches, type TopicPrefixes } from '../../shared/topics.ts';

export const ROLES = ['homeassistant', 'node', 'person', 'admin', 'none'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do, for the settings reference and the README. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  homeassistant: "read everything; publish commands (<nodes>/+/set) and Home Assistant's birth message",
  node: "a WiFi node: publish readings, and status, info and discovery of its own node ids (`nodes`, default the user name); read its commands and Home Assistant's birth message",
  person: 'read everything; publish commands (<nodes>/+/set)',
  admin: "publish and read everything (including the hub's own topics)",
  none: "nothing but the account's own `publish`/`subscribe` filters",
};

/** User name of the hub's own in-process account on its embedded broker. */
export const HUB_USER = 'roomlink-hub';

export interface Permissions {
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface AccountSettings {
  role: Role;
  /** Node ids a `node` account speaks for; default its user name. */
  nodes?: readonly string[];
  publish?: readonly string[];
  subscribe?: readonly string[];
}

export interface RoleContext {
  prefixes: TopicPrefixes;
  /** Home Assistant's birth topic (homeassistant.birth_topic). */
  birthTopic: string;
}

export const EVERYTHING: Permissions = { publish: ['#'], subscribe: ['#', '$SYS/#'] };
/** What anonymous clients may do by default: read everything, publish nothing. */
export const ANONYMOUS_DEFAULT: Permissions = { publish: [], subscribe: ['#'] };
export const NOTHING: Permissions = { publish: [], subscribe: [] };

/** The filters an account may publish and subscribe to. */
export function accountPermissions(username: string, account: AccountSettings, context: RoleContext): Permissions {
  const { prefixes } = context;
  const commands = `${prefixes.nodes}/+/set`;
  let base: Permissions;
  switch (account.role) {
    case 'admin':
      base = EVERYTHING;
      break;
    case 'homeassistant':
      base = { publish: [commands, context.birthTopic], subscribe: ['#'] };
      break;
    case 'person':
      base = { publish: [commands], subscribe: ['#'] };
      break;
    case 'node': {
      const ids = account.nodes && account.nodes.length > 0 ? account.nodes : [username];
      base = {
        publish: [
          `${prefixes.readings}/+/+`,
          ...ids.flatMap((id) => [`${prefixes.nodes}/${id}/status`, `${prefixes.nodes}/${id}/info`, `${prefixes.discovery}/device/${id}/config`]),
        ],
        // The birth message too: a node sends its discovery again when Home Assistant restarts.
        subscribe: [...ids.map((id) => `${prefixes.nodes}/${id}/set`), context.birthTopic],
      };
      break;
    }
    case 'none':
      base = NOTHING;
      break;
  }
  return {
    publish: [...base.publish, ...(account.publish ?? [])],
    subscribe: [...base.subscribe, ...(account.subscribe ?? [])],
  };
}

/** True when `permissions` lets its holder publish to `topic`. */
export function mayPublish(permissions: Permissions, topic: string): boolean {
  for (const filter of permissions.publish) if (topicMatches(filter, topic)) return true;
  return false;
}

/** True when `permissions` lets its holder subscribe to `filter`. */
export function maySubscribe(permissions: Permissions, filter: string): boolean {
  for (const allowed of permissions.subscribe) if (filterCovers(allowed, filter)) return true;
  return false;
}

/** True when every topic `requested` can match is also matched by `allowed`. */
export function filterCovers(allowed: string, requested: string): boolean {
  // [MQTT-4.7.2-1]: wildcards at the start do not match topics starting with '$'.
  if (requested.startsWith('$') && !allowed.startsWith('$')) return false;
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i]!;
    if (level === '#') return true;
    if (i >= r.length) return false;
    const want = r[i]!;
    if (want === '#') return false;
    if (level === '+') continue;
    if (want === '+' || want !== level) return false;
  }
  return r.length === a.length;
}
