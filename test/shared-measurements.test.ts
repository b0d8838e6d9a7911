import { describe, expect, it } from 'vitest';
import { checkValue, formatValue, getMeasurement, MEASUREMENTS, parsePayload } from '../shared/measurements.ts';
import { discoveryProblems } from './helpers/ha-rules.ts';
import { discoveryMessage } from '../shared/discovery.ts';
import { DEFAULT_PREFIXES } from '../shared/topics.ts';

describe('measurement catalogue', () => {
  it('has the measurements nodes report, with Home Assistant units', () => {
    const expected: Record<string, string | null> = {
      temperature: '°C',
      humidity: '%',
      pressure: 'hPa',
      illuminance: 'lx',
      carbon_dioxide: 'ppm',
      pm25: 'µg/m³',
      voltage: 'V',
      battery: '%',
      signal_strength: 'dBm',
      motion: null,
      door: null,
      occupancy: null,
    };
    for (const [id, unit] of Object.entries(expected)) {
      const m = getMeasurement(id);
      expect(m, id).toBeDefined();
      if (unit === null) expect(m!.kind).toBe('binary');
      else expect(m!.kind === 'numeric' && m!.unit).toBe(unit);
    }
    expect(getMeasurement('toString')).toBeUndefined();
    expect(getMeasurement('__proto__')).toBeUndefined();
  });

  it('matches Home Assistant device classes, units and state classes', () => {
    const msg = discoveryMessage(DEFAULT_PREFIXES, {
      node: 'all',
      room: 'lab',
      measurements: Object.keys(MEASUREMENTS),
      availability: ['roomlink/all/status'],
    });
    expect(discoveryProblems(msg.topic, msg.payload)).toEqual([]);
  });
});

describe('value validation never throws and says why', () => {
  it.each([
    ['temperature', 21.5, true],
    ['temperature', -55, true],
    ['temperature', 125.1, 'out_of_range'],
    ['temperature', NaN, 'invalid_value'],
    ['temperature', Infinity, 'invalid_value'],
    ['temperature', '21.5', 'invalid_value'],
    ['temperature', null, 'invalid_value'],
    ['temperature', {}, 'invalid_value'],
    ['temperature', [21], 'invalid_value'],
    ['humidity', 100, true],
    ['humidity', -0.1, 'out_of_range'],
    ['carbon_dioxide', 612, true],
    ['motion', true, true],
    ['motion', 'ON', true],
    ['motion', 0, true],
    ['motion', 'yes', 'invalid_value'],
    ['motion', 2, 'invalid_value'],
    ['radiation', 1, 'unknown_measurement'],
    ['constructor', 1, 'unknown_measurement'],
  ])('%s = %j → %s', (id, value, expected) => {
    const check = checkValue(id, value);
    if (expected === true) expect(check.ok).toBe(true);
    else {
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.reason).toBe(expected);
        expect(check.message).toContain(id);
      }
    }
  });

  it('is lenient with decimal strings only when asked (key=value lines)', () => {
    expect(checkValue('temperature', '21.5', true)).toEqual({ ok: true, value: 21.5 });
    for (const bad of ['1e3', '0x10', ' 5', '', '-', '.', '1.2.3', 'NaN', 'Infinity']) {
      expect(checkValue('temperature', bad, true).ok, bad).toBe(false);
    }
    expect(checkValue('door', 'off', true)).toEqual({ ok: true, value: false });
  });

  it('formats payloads as plain decimals and ON/OFF', () => {
    expect(formatValue('temperature', 21.5)).toBe('21.5');
    expect(formatValue('temperature', 21.500000001)).toBe('21.5');
    expect(formatValue('temperature', -0.0001)).toBe('0');
    expect(formatValue('illuminance', 123456)).toBe('123456');
    expect(formatValue('voltage', 3.3049)).toBe('3.3049');
    expect(formatValue('motion', true)).toBe('ON');
    expect(formatValue('door', false)).toBe('OFF');
    expect(parsePayload('temperature', formatValue('temperature', 19.25))).toEqual({ ok: true, value: 19.25 });
  });
});
