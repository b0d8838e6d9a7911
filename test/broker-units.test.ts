// The embedded broker's pure parts: topic permissions (acl.ts), credentials (access.ts) and
// the fixed-header packet-size guard (packet-guard.ts).
import { describe, expect, it } from 'vitest';
import { checkClient } from '../hub/broker/access.ts';
import { accountPermissions, ANONYMOUS_DEFAULT, EVERYTHING, filterCovers, mayPublish, maySubscribe } from '../hub/broker/acl.ts';
import { PacketSizeGuard } from '../hub/broker/packet-guard.ts';
import { DEFAULT_PREFIXES } from '../shared/topics.ts';

const context = { prefixes: DEFAULT_PREFIXES, birthTopic: 'homeassistant/status' };

describe('topic permissions', () => {
  it('covers a requested filter only when every topic it matches is allowed', () => {
    expect(filterCovers('#', 'home/+/temperature')).toBe(true);
    expect(filterCovers('home/#', 'home')).toBe(true);
    expect(filterCovers('home/#', 'home/kitchen/#')).toBe(true);
    expect(filterCovers('home/+/temperature', 'home/kitchen/temperature')).toBe(true);
    expect(filterCovers('home/+/temperature', 'home/+/temperature')).toBe(true);
    expect(filterCovers('home/+/temperature', 'home/#')).toBe(false);
    expect(filterCovers('home/kitchen/+', 'home/+/temperature')).toBe(false);
    expect(filterCovers('home/#', '#')).toBe(false);
    expect(filterCovers('#', '$SYS/broker/clients')).toBe(false);
    expect(filterCovers('$SYS/#', '$SYS/broker/clients')).toBe(true);
    expect(filterCovers('roomlink/+/set', 'roomlink/+/set/x')).toBe(false);
  });

  it('gives each role what its README section says', () => {
    const ha = accountPermissions('homeassistant', { role: 'homeassistant' }, context);
    expect(maySubscribe(ha, '#')).toBe(true);
    expect(mayPublish(ha, 'roomlink/kitchen-1/set')).toBe(true);
    expect(mayPublish(ha, 'homeassistant/status')).toBe(true);
    for (const topic of ['home/kitchen/temperature', 'roomlink/bridge/status', 'homeassistant/device/x/config', 'roomlink/kitchen-1/status']) {
      expect(mayPublish(ha, topic), topic).toBe(false);
    }

    const node = accountPermissions('living-1', { role: 'node' }, context);
    for (const topic of ['home/living_room/temperature', 'roomlink/living-1/status', 'roomlink/living-1/info', 'homeassistant/device/living-1/config']) {
      expect(mayPublish(node, topic), topic).toBe(true);
    }
    for (const topic of [
      'roomlink/kitchen-1/status',
      'homeassistant/device/kitchen-1/config',
      'roomlink/bridge/status',
      'roomlink/living-1/set',
      'home/a/b/c',
    ]) {
      expect(mayPublish(node, topic), topic).toBe(false);
    }
    expect(maySubscribe(node, 'roomlink/living-1/set')).toBe(true);
    expect(maySubscribe(node, 'homeassistant/status')).toBe(true);
    expect(maySubscribe(node, 'homeassistant/#')).toBe(false);
    expect(maySubscribe(node, '#')).toBe(false);
    const several = accountPermissions('garden', { role: 'node', nodes: ['garden-1', 'garden-2'] }, context);
    expect(mayPublish(several, 'roomlink/garden-2/status')).toBe(true);
    expect(mayPublish(several, 'roomlink/garden/status')).toBe(false);

    const person = accountPermissions('alice', { role: 'person', publish: ['alice/#'] }, context);
    expect(mayPublish(person, 'roomlink/kitchen-1/set')).toBe(true);
    expect(mayPublish(person, 'alice/notes')).toBe(true);
    expect(mayPublish(person, 'homeassistant/status')).toBe(false);
    const none = accountPermissions('logger', { role: 'none', subscribe: ['home/#'] }, context);
    expect(maySubscribe(none, 'home/+/temperature')).toBe(true);
    expect(maySubscribe(none, 'roomlink/#')).toBe(false);
    expect(mayPublish(none, 'home/x/temperature')).toBe(false);

    expect(mayPublish(ANONYMOUS_DEFAULT, 'home/kitchen/temperature')).toBe(false);
    expect(maySubscribe(ANONYMOUS_DEFAULT, '#')).toBe(true);
    expect(mayPublish(EVERYTHING, 'roomlink/bridge/status')).toBe(true);
  });

  it('follows the topic prefixes of the settings', () => {
    const node = accountPermissions(
      'n1',
      { role: 'node' },
      { prefixes: { readings: 'flat/home', nodes: 'rl', bridge: 'rl/bridge', discovery: 'ha' }, birthTopic: 'ha/status' },
    );
    expect(mayPublish(node, 'flat/home/kitchen/temperature')).toBe(true);
    expect(mayPublish(node, 'ha/device/n1/config')).toBe(true);
    expect(mayPublish(node, 'homeassistant/device/n1/config')).toBe(false);
  });
});

describe('credentials', () => {
  const rules = { accounts: [{ username: 'ha', password: 'pw', permissions: EVERYTHING }], anonymous: ANONYMOUS_DEFAULT };
  const pw = (text: string) => Buffer.from(text);

  it('refuses a wrong password, an unknown user and a user without password, even with anonymous allowed', () => {
    expect(checkClient(rules, 'ha', pw('pw'))).toMatchObject({ ok: true, username: 'ha' });
    expect(checkClient(rules, 'ha', pw('nope'))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(checkClient(rules, 'made-up', pw('pw'))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(checkClient(rules, 'ha', undefined)).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(checkClient({ accounts: [], anonymous: ANONYMOUS_DEFAULT }, 'made-up', pw('x'))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(checkClient(rules, undefined, undefined)).toMatchObject({ ok: true, username: undefined, permissions: ANONYMOUS_DEFAULT });
    expect(checkClient({ ...rules, anonymous: undefined }, undefined, undefined)).toEqual({ ok: false, reason: 'anonymous-refused' });
  });
});

describe('packet-size guard', () => {
  const publish = (bodyBytes: number) => {
    const length: number[] = [];
    let n = bodyBytes;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      length.push(byte);
    } while (n > 0);
    return Buffer.concat([Buffer.from([0x30, ...length]), Buffer.alloc(bodyBytes)]);
  };

  it('lets packets up to the limit through, split across chunks anywhere', () => {
    // publish(997) is exactly 1,000 bytes: 1 type byte, 2 length bytes, 997 body bytes.
    const stream = Buffer.concat([publish(10), publish(997), publish(500), publish(0)]);
    for (let cut = 1; cut < stream.length; cut += 7) {
      const guard = new PacketSizeGuard(1000);
      expect(guard.feed(stream.subarray(0, cut)), `cut ${cut}`).toBeUndefined();
      expect(guard.feed(stream.subarray(cut)), `cut ${cut}`).toBeUndefined();
    }
  });

  it('refuses from the header alone, with the size announced', () => {
    const guard = new PacketSizeGuard(1000);
    expect(guard.feed(publish(10))).toBeUndefined();
    expect(new PacketSizeGuard(1000).feed(publish(998).subarray(0, 3))).toBe(1001);
    // Only the first bytes of a 200 MB PUBLISH: its header says enough.
    expect(guard.feed(Buffer.from([0x30, 0x80, 0x80, 0x80]))).toBeUndefined();
    expect(guard.feed(Buffer.from([0x64]))).toBe(5 + 200 * 1024 * 1024);
    expect(new PacketSizeGuard(1000).feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(-1);
  });
});
