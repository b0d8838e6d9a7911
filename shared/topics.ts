// MQTT topic names and filters per MQTT 3.1.1 section 4.7 (5.0 agrees on all of this), and
// roomlink's topic layout. Runs on Espruino too: plain loops, no RegExp, no Map.

/** Longest topic in UTF-8 bytes (4.7.3). */
export const MAX_TOPIC_BYTES = 65535;

/**
 * UTF-8 length of a JS string, or -1 when it holds a lone surrogate (which UTF-8 cannot
 * encode, MQTT 1.5.3).
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return -1;
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else bytes += 3;
  }
  return bytes;
}

function commonProblem(topic: unknown, what: string): string | undefined {
  if (typeof topic !== 'string') return what + ' must be a string';
  if (topic.length === 0) return what + ' is empty (must be at least one character, 4.7.3)';
  const bytes = utf8Length(topic);
  if (bytes < 0) return what + ' is not valid UTF-8 (lone surrogate)';
  if (bytes > 65535) return what + ' is ' + bytes + ' bytes (at most 65535)';
  const nul = topic.indexOf('\u0000');
  if (nul >= 0) return what + ' contains U+0000 at position ' + (nul + 1);
  return undefined;
}

/** Why `topic` cannot be published to, or undefined when it can. Wildcards are not allowed. */
export function topicNameProblem(topic: unknown): string | undefined {
  const common = commonProblem(topic, 'topic');
  if (common) return common;
  const t = topic as string;
  for (let i = 0; i < t.length; i++) {
    const c = t.charAt(i);
    if (c === '+' || c === '#') {
      return "topic '" + t + "': wildcard '" + c + "' at position " + (i + 1) + ' is not allowed in a topic name';
    }
  }
  return undefined;
}

/** Why `filter` cannot be subscribed to, or undefined when it can. */
export function topicFilterProblem(filter: unknown): string | undefined {
  const common = commonProblem(filter, 'topic filter');
  if (common) return common;
  const f = filter as string;
  for (let i = 0; i < f.length; i++) {
    const c = f.charAt(i);
    const startsLevel = i === 0 || f.charAt(i - 1) === '/';
    const endsLevel = i === f.length - 1 || f.charAt(i + 1) === '/';
    if (c === '+' && !(startsLevel && endsLevel)) {
      return "topic filter '" + f + "': '+' at position " + (i + 1) + ' must occupy a whole level';
    }
    if (c === '#' && !(startsLevel && i === f.length - 1)) {
      return "topic filter '" + f + "': '#' at position " + (i + 1) + ' must be the last character and a whole level';
    }
  }
  return undefined;
}

export function isValidTopicName(topic: unknown): topic is string {
  return topicNameProblem(topic) === undefined;
}

export function isValidTopicFilter(filter: unknown): filter is string {
  return topicFilterProblem(filter) === undefined;
}

/**
 * Whether a (valid) topic name matches a (valid) filter. `#` matches the parent level too
 * (`sport/#` matches `sport`), `+` matches one level including an empty one, and a filter
 * starting with a wildcard does not match topics starting with `$` (4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.charAt(0) === '$' && (filter.charAt(0) === '+' || filter.charAt(0) === '#')) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    if (f === filter.length) return t === topic.length;
    const fc = filter.charAt(f);
    if (fc === '#') return true;
    if (fc === '+') {
      // Consume one topic level.
      while (t < topic.length && topic.charAt(t) !== '/') t++;
      f++;
    } else {
      if (t === topic.length) {
        // "sport/#" also matches "sport": the filter's remainder is exactly "/#".
        return filter.length - f === 2 && fc === '/' && filter.charAt(f + 1) === '#';
      }
      if (fc !== topic.charAt(t)) return false;
      f++;
      t++;
    }
  }
}

/** Splits a topic into its levels ("a//b" has an empty middle level). */
export function topicLevels(topic: string): string[] {
  return topic.split('/');
}

// ---- roomlink's layout ----

/** Where each kind of message lives. Every prefix is configurable. */
export interface TopicPrefixes {
  /** Readings: `<readings>/<room>/<measurement>`, default `home`. */
  readings: string;
  /** Per-node status, info and commands: `<nodes>/<node>/status|info|set`, default `roomlink`. */
  nodes: string;
  /** The hub's own status and health: `<bridge>/status|health`, default `roomlink/bridge`. */
  bridge: string;
  /** Home Assistant discovery prefix, default `homeassistant`. */
  discovery: string;
}

export const DEFAULT_PREFIXES: TopicPrefixes = {
  readings: 'home',
  nodes: 'roomlink',
  bridge: 'roomlink/bridge',
  discovery: 'homeassistant',
};

/** Node ids that would collide with the bridge's own topics under the default layout. */
export const RESERVED_NODE_IDS = ['bridge'];

export function readingTopic(p: TopicPrefixes, room: string, measurement: string): string {
  return p.readings + '/' + room + '/' + measurement;
}

export function nodeStatusTopic(p: TopicPrefixes, node: string): string {
  return p.nodes + '/' + node + '/status';
}

export function nodeInfoTopic(p: TopicPrefixes, node: string): string {
  return p.nodes + '/' + node + '/info';
}

export function nodeCommandTopic(p: TopicPrefixes, node: string): string {
  return p.nodes + '/' + node + '/set';
}

export function bridgeStatusTopic(p: TopicPrefixes): string {
  return p.bridge + '/status';
}

export function bridgeHealthTopic(p: TopicPrefixes): string {
  return p.bridge + '/health';
}

export function discoveryTopic(p: TopicPrefixes, node: string): string {
  return p.discovery + '/device/' + node + '/config';
}

/** Every device-based discovery config (Home Assistant clears one when a device is deleted). */
export function discoveryConfigFilter(p: TopicPrefixes): string {
  return p.discovery + '/device/+/config';
}

/** Home Assistant announces itself here ("online") after it (re)starts. */
export function haBirthTopic(p: TopicPrefixes): string {
  return p.discovery + '/status';
}

/** `home/<room>/<measurement>` back into its parts, or undefined when it is not a reading topic. */
export function parseReadingTopic(p: TopicPrefixes, topic: string): { room: string; measurement: string } | undefined {
  const head = p.readings + '/';
  if (topic.indexOf(head) !== 0) return undefined;
  const rest = topic.slice(head.length).split('/');
  if (rest.length !== 2 || !rest[0] || !rest[1]) return undefined;
  return { room: rest[0], measurement: rest[1] };
}

/** `roomlink/<node>/set` back into the node id, or undefined. */
export function parseCommandTopic(p: TopicPrefixes, topic: string): string | undefined {
  const head = p.nodes + '/';
  if (topic.indexOf(head) !== 0) return undefined;
  const rest = topic.slice(head.length).split('/');
  return rest.length === 2 && rest[1] === 'set' && rest[0] ? rest[0] : undefined;
}

/**
 * Why a prefix cannot be used (it must be a topic name with no wildcards, no empty first or
 * last level and no leading `$`), or undefined.
 */
export function prefixProblem(prefix: unknown, what: string): string | undefined {
  const problem = topicNameProblem(prefix);
  if (problem) return what + ': ' + problem;
  const s = prefix as string;
  if (s.charAt(0) === '$') return what + " '" + s + "' must not start with '$' (reserved for broker topics)";
  if (s.charAt(0) === '/' || s.charAt(s.length - 1) === '/') return what + " '" + s + "' must not start or end with '/'";
  if (s.indexOf('//') >= 0) return what + " '" + s + "' must not contain an empty level";
  return undefined;
}
