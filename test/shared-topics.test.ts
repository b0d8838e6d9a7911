import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREFIXES,
  parseCommandTopic,
  parseReadingTopic,
  prefixProblem,
  readingTopic,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
  utf8Length,
  nodeStatusTopic,
  discoveryTopic,
  bridgeHealthTopic,
} from '../shared/topics.ts';
import { slugProblem, toSlug, isSlug } from '../shared/slug.ts';

describe('topic filters and matching: MQTT 3.1.1 section 4.7 examples', () => {
  // 4.7.1.2 multi-level wildcard
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'sport/tennis', true],
    // 4.7.1.3 single-level wildcard
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    // 4.7.2 topics beginning with $
    ['#', '$SYS/monitor/Clients', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    // 4.7.3 case sensitivity, levels
    ['ACCOUNTS', 'Accounts', false],
    ['home/+/temperature', 'home/kitchen/temperature', true],
    ['home/kitchen/#', 'home/kitchen/temperature', true],
    ['home/kitchen/#', 'home/kitchens/temperature', false],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['+/#', 'a', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicFilterProblem(filter)).toBeUndefined();
    expect(topicNameProblem(topic)).toBeUndefined();
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each(['#', '+', '+/tennis/#', 'sport/+/player1', 'sport/tennis/#', '/', '//', 'a/+', '+/+/+'])('filter %s is valid', (f) => {
    expect(topicFilterProblem(f)).toBeUndefined();
  });

  it.each([
    ['sport/tennis#', "'#' at position 13"],
    ['sport/tennis/#/ranking', "'#' at position 14"],
    ['sport+', "'+' at position 6"],
    ['sport/+tennis', "'+' at position 7"],
    ['#/a', "'#' at position 1"],
    ['', 'empty'],
    ['a\u0000b', 'U+0000 at position 2'],
    ['a\ud800b', 'lone surrogate'],
    ['x'.repeat(65536), '65536 bytes'],
  ])('filter %j is refused with a reason', (f, reason) => {
    expect(topicFilterProblem(f)).toContain(reason);
  });

  it.each([
    ['home/+/temperature', "wildcard '+' at position 6"],
    ['home/#', "wildcard '#' at position 6"],
    ['', 'empty'],
    ['a\u0000', 'U+0000'],
    ['\udc00', 'lone surrogate'],
    ['\u00e9'.repeat(32768), '65536 bytes'],
  ])('publish topic %j is refused: %s', (t, reason) => {
    expect(topicNameProblem(t)).toContain(reason);
  });

  it('accepts the longest topic and UTF-8 beyond ASCII', () => {
    expect(topicNameProblem('x'.repeat(65535))).toBeUndefined();
    expect(topicNameProblem('home/küche/°C/😀')).toBeUndefined();
    expect(utf8Length('küche😀')).toBe(Buffer.byteLength('küche😀'));
    expect(topicNameProblem(42)).toContain('string');
  });
});

describe('topic layout', () => {
  it('builds and parses roomlink topics', () => {
    expect(readingTopic(DEFAULT_PREFIXES, 'kitchen', 'temperature')).toBe('home/kitchen/temperature');
    expect(nodeStatusTopic(DEFAULT_PREFIXES, 'kitchen-1')).toBe('roomlink/kitchen-1/status');
    expect(discoveryTopic(DEFAULT_PREFIXES, 'kitchen-1')).toBe('homeassistant/device/kitchen-1/config');
    expect(bridgeHealthTopic({ ...DEFAULT_PREFIXES, bridge: 'roomlink/bridge-floor1' })).toBe('roomlink/bridge-floor1/health');
    expect(parseReadingTopic(DEFAULT_PREFIXES, 'home/kitchen/temperature')).toEqual({ room: 'kitchen', measurement: 'temperature' });
    expect(parseReadingTopic(DEFAULT_PREFIXES, 'home/kitchen')).toBeUndefined();
    expect(parseReadingTopic(DEFAULT_PREFIXES, 'house/kitchen/temperature')).toBeUndefined();
    expect(parseCommandTopic(DEFAULT_PREFIXES, 'roomlink/kitchen-1/set')).toBe('kitchen-1');
    expect(parseCommandTopic(DEFAULT_PREFIXES, 'roomlink/kitchen-1/status')).toBeUndefined();
    const custom = { ...DEFAULT_PREFIXES, readings: 'flat/3/sensors' };
    expect(parseReadingTopic(custom, readingTopic(custom, 'hall', 'humidity'))).toEqual({ room: 'hall', measurement: 'humidity' });
  });

  it.each([
    ['home/#', 'wildcard'],
    ['$SYS', "'$'"],
    ['/home', "start or end with '/'"],
    ['home/', "start or end with '/'"],
    ['a//b', 'empty level'],
  ])('prefix %j is refused', (prefix, reason) => {
    expect(prefixProblem(prefix, 'topics.readings')).toContain(reason);
  });
});

describe('slugs', () => {
  it('turns names into slugs', () => {
    expect(toSlug('Living Room')).toBe('living_room');
    expect(toSlug("  Kids' Room #2 ")).toBe('kids_room_2');
    expect(toSlug('a'.repeat(40))).toHaveLength(32);
    expect(isSlug(toSlug('Ünïcode Hall/+#'))).toBe(true);
  });

  it.each([
    ['kitchen/1', "'/' at position 8"],
    ['kitchen+', "'+' at position 8"],
    ['#', "'#' at position 1"],
    ['a b', 'space at position 2'],
    ['a\u0000', 'NUL at position 2'],
    ['Kitchen', 'lower case'],
    ['', 'empty'],
    ['x'.repeat(33), '33 characters'],
  ])('%j is refused naming the character and where', (value, reason) => {
    expect(slugProblem(value, 'room')).toContain(reason);
    expect(isSlug(value)).toBe(false);
  });

  it('accepts the slug alphabet', () => {
    expect(slugProblem('kitchen-1_a9', 'node id')).toBeUndefined();
    expect(slugProblem(undefined, 'node id')).toContain('must be a string');
  });
});
