import { describe, expect, it } from 'vitest';
import { commandLine, decodeLine, encodeReading, MAX_LINE_BYTES, type DecodedLine } from '../shared/line-protocol.ts';

function reading(d: DecodedLine) {
  if (d.kind !== 'reading') throw new Error(`expected a reading, got ${JSON.stringify(d)}`);
  return d;
}

function refusal(d: DecodedLine): string {
  if (d.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d.reason;
}

describe('line protocol: JSON readings', () => {
  it('decodes a reading with seq and ts', () => {
    const d = reading(decodeLine('{"node":"kitchen-1","room":"kitchen","temperature":21.5,"humidity":40.2,"seq":7,"ts":1764115200}'));
    expect(d.reading).toEqual({
      node: 'kitchen-1',
      room: 'kitchen',
      seq: 7,
      ts: 1764115200,
      values: [
        { measurement: 'temperature', value: 21.5 },
        { measurement: 'humidity', value: 40.2 },
      ],
    });
    expect(d.problems).toEqual([]);
  });

  it('round-trips encodeReading', () => {
    const r = {
      node: 'hall',
      room: 'hall',
      values: [
        { measurement: 'temperature', value: -3.25 },
        { measurement: 'motion', value: true },
      ],
      seq: 1,
    };
    expect(reading(decodeLine(encodeReading(r))).reading).toEqual(r);
  });

  it('strips the prompt-erase prefix Espruino prints before program output', () => {
    const d = reading(decodeLine('>\r\x1b[J{"node":"k","room":"kitchen","temperature":21.5}\r'));
    expect(d.reading.node).toBe('k');
  });

  it('strips the prompt printed right before the answer to a REPL command', () => {
    // What the real interpreter printed after \x10roomlinkCommand({"info":true}).
    expect(decodeLine('>{"node":"k","room":"kitchen","info":{"version":"0.3.0"}}')).toEqual({
      kind: 'info',
      line: { node: 'k', room: 'kitchen', info: { version: '0.3.0' } },
    });
    expect(reading(decodeLine('>>{"node":"k","temperature":1}')).reading.node).toBe('k');
    expect(decodeLine('>hello').kind).toBe('output');
  });

  it('reads the boot id roomlink firmware puts on its readings', () => {
    const r = { node: 'k', room: 'kitchen', values: [{ measurement: 'temperature', value: 20 }], seq: 0, boot: 'x7k2q9' };
    expect(encodeReading(r)).toBe('{"node":"k","room":"kitchen","temperature":20,"seq":0,"boot":"x7k2q9"}');
    expect(reading(decodeLine(encodeReading(r))).reading).toEqual(r);
    expect(refusal(decodeLine('{"node":"k","temperature":20,"boot":"A/B"}'))).toBe('invalid_boot');
    expect(refusal(decodeLine('{"node":"k","temperature":20,"boot":7}'))).toBe('invalid_boot');
    expect(refusal(decodeLine(`{"node":"k","temperature":20,"boot":"${'a'.repeat(17)}"}`))).toBe('invalid_boot');
  });

  it('keeps good values and lists bad ones', () => {
    const d = reading(decodeLine('{"node":"k","room":"r","temperature":21.5,"humidity":140,"radiation":3}'));
    expect(d.reading.values).toEqual([{ measurement: 'temperature', value: 21.5 }]);
    expect(d.problems.map((p) => p.reason)).toEqual(['out_of_range', 'unknown_measurement']);
  });

  it('accepts a reading without a room (the hub fills it from config)', () => {
    expect(reading(decodeLine('{"node":"k","temperature":20}')).reading.room).toBeUndefined();
  });

  it('decodes node info lines', () => {
    const d = decodeLine('{"node":"kitchen-1","room":"kitchen","info":{"fw":"0.1.0","interval":60}}');
    expect(d).toEqual({ kind: 'info', line: { node: 'kitchen-1', room: 'kitchen', info: { fw: '0.1.0', interval: 60 } } });
  });
});

describe('line protocol: key=value lines from plain USB gadgets', () => {
  it('decodes key=value readings', () => {
    const d = reading(decodeLine('node=usb-co2 room=office carbon_dioxide=612'));
    expect(d.reading).toEqual({ node: 'usb-co2', room: 'office', values: [{ measurement: 'carbon_dioxide', value: 612 }] });
  });
  it('decodes binary and seq fields', () => {
    const d = reading(decodeLine('seq=3 node=door-1 door=ON'));
    expect(d.reading).toEqual({ node: 'door-1', seq: 3, values: [{ measurement: 'door', value: true }] });
  });
  it('names the node of a gadget that leaves it out, when its port says which node it is', () => {
    expect(reading(decodeLine('room=office carbon_dioxide=612', undefined, 'usb-co2')).reading).toEqual({
      node: 'usb-co2',
      room: 'office',
      values: [{ measurement: 'carbon_dioxide', value: 612 }],
    });
    expect(reading(decodeLine('{"temperature":19.5}', undefined, 'usb-t')).reading.node).toBe('usb-t');
    // A line that names its node keeps it; without a default, no node is no reading.
    expect(reading(decodeLine('node=other carbon_dioxide=612', undefined, 'usb-co2')).reading.node).toBe('other');
    expect(refusal(decodeLine('room=office carbon_dioxide=612'))).toBe('no_node');
    expect(refusal(decodeLine('carbon_dioxide=612'))).toBe('no_node');
    expect(refusal(decodeLine('{"temperature":19.5}'))).toBe('no_node');
    expect(refusal(decodeLine('{"node":"","temperature":19.5}'))).toBe('invalid_node');
    expect(decodeLine('booting, please wait', undefined, 'usb-co2').kind).toBe('output');
  });

  it('treats prose with = as output', () => {
    expect(decodeLine('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)').kind).toBe('output');
    expect(decodeLine('load:0x3fff0030,len:1344 node= x').kind).toBe('output');
  });
});

describe('line protocol: everything else', () => {
  it.each([
    ' ____                 _ ',
    '>',
    'Espruino is Open Source. Our work is supported',
    'WARNING: the WiFi is not connected',
    '=undefined',
    '42',
    '"a string"',
  ])('classifies %j as node output', (line) => {
    expect(decodeLine(line).kind).toBe('output');
  });

  it('classifies blank lines as empty', () => {
    expect(decodeLine('').kind).toBe('empty');
    expect(decodeLine('  \r').kind).toBe('empty');
  });

  it.each([
    ['{"node":"k","room":"r","temperature":21.5', 'malformed_json'],
    ['{"node":"k","room":"r","temperature":}', 'malformed_json'],
    ['{not json at all', 'malformed_json'],
    ['[1,2,3]', 'not_object'],
    ['{"room":"r","temperature":1}', 'no_node'],
    ['{"node":"Kitchen","temperature":1}', 'invalid_node'],
    ['{"node":"bridge","temperature":1}', 'invalid_node'],
    ['{"node":"bridge","info":{"fw":"x"}}', 'invalid_node'],
    ['{"node":"k","room":"r","seq":-1,"temperature":1}', 'invalid_seq'],
    ['{"node":"k","room":"r","seq":1.5,"temperature":1}', 'invalid_seq'],
    ['{"node":"k","room":"r","ts":"yesterday","temperature":1}', 'invalid_ts'],
    ['{"node":"k","room":"r"}', 'no_values'],
    ['{"node":"k","room":"r","temperature":1e999}', 'invalid_value'],
    ['{"node":"k","room":"r","temperature":"NaN"}', 'invalid_value'],
    ['{"node":"k","room":"r","temperature":-300}', 'out_of_range'],
    ['{"node":"k","room":"r","radiation":1}', 'unknown_measurement'],
  ])('refuses %j as %s', (line, reason) => {
    expect(refusal(decodeLine(line))).toBe(reason);
  });

  it.each([
    ['{"node":"k","room":"kitchen/#","temperature":1}', "'/' at position 8"],
    ['{"node":"k","room":"+","temperature":1}', "'+' at position 1"],
    ['{"node":"#","room":"r","temperature":1}', "'#' at position 1"],
    ['{"node":"k\\u0000","room":"r","temperature":1}', 'NUL at position 2'],
    ['{"node":"k","room":"living room","temperature":1}', 'space at position 7'],
    ['{"node":"../etc","room":"r","temperature":1}', "'.' at position 1"],
    ['node=k room=a/b temperature=1', "'/' at position 2"],
  ])('refuses topic injection in %j', (line, where) => {
    const d = decodeLine(line);
    expect(d.kind).toBe('refused');
    if (d.kind === 'refused') {
      expect(['invalid_node', 'invalid_room']).toContain(d.reason);
      expect(d.message).toContain(where);
    }
  });

  it('refuses lines over 1024 bytes, counting UTF-8 bytes', () => {
    const long = `{"node":"k","room":"r","temperature":21.5,"x":"${'a'.repeat(2048)}"}`;
    expect(refusal(decodeLine(long))).toBe('too_long');
    const multibyte = `{"node":"k","room":"r","temperature":21.5,"x":"${'é'.repeat(500)}"}`;
    expect(multibyte.length).toBeLessThan(MAX_LINE_BYTES);
    expect(refusal(decodeLine(multibyte))).toBe('too_long');
    expect(refusal(decodeLine('a'.repeat(100), 50))).toBe('too_long');
  });

  it('refuses binary bytes and undecodable input', () => {
    expect(refusal(decodeLine('\x00\x01\x02\xff'))).toBe('binary');
    expect(refusal(decodeLine(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('utf8')))).toBe('binary');
    expect(refusal(decodeLine('{"node":"k"\x07}'))).toBe('binary');
  });

  it('never throws on random input', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = '{}[]":,=\\ node room temperature 0123456789.-+e\u0000\u00ff/#';
    for (let i = 0; i < 20000; i++) {
      let line = '';
      const len = Math.floor(rand() * 80);
      for (let j = 0; j < len; j++) line += alphabet[Math.floor(rand() * alphabet.length)];
      expect(() => decodeLine(line)).not.toThrow();
    }
  });
});

describe('commands to roomlink firmware', () => {
  it('is one echo-off REPL line calling the entry point with re-encoded JSON', () => {
    expect(commandLine({ interval: 30 })).toBe('\x10roomlinkCommand({"interval":30})\n');
    const line = commandLine({ note: 'a\u2028b"); E.reboot(); ("' });
    expect(line.split('\n')).toHaveLength(2);
    expect(line).not.toContain('\u2028');
    // The argument is a JSON value: it parses back to the same data.
    const json = line.slice('\x10roomlinkCommand('.length, -2);
    expect(JSON.parse(json)).toEqual({ note: 'a\u2028b"); E.reboot(); ("' });
  });
});
