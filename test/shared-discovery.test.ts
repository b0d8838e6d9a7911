import { describe, expect, it } from 'vitest';
import { discoveryChunk, discoveryMessage, discoveryPayload, discoveryRemoval, roomTitle, uniqueId } from '../shared/discovery.ts';
import { DEFAULT_PREFIXES } from '../shared/topics.ts';
import { discoveryProblems, haRulesAvailable } from './helpers/ha-rules.ts';

const kitchen = {
  node: 'kitchen-1',
  room: 'kitchen',
  measurements: ['temperature', 'humidity', 'motion', 'pm25', 'signal_strength'],
  availability: ['roomlink/kitchen-1/status', 'roomlink/bridge/status'],
  model: 'USB serial',
  swVersion: '0.1.0',
};

describe('Home Assistant device discovery', () => {
  it('has one component per measurement with stable unique ids', () => {
    const msg = discoveryMessage(DEFAULT_PREFIXES, kitchen);
    expect(msg.topic).toBe('homeassistant/device/kitchen-1/config');
    const doc = JSON.parse(msg.payload);
    expect(doc.dev).toMatchObject({ ids: ['roomlink_kitchen-1'], name: 'kitchen-1', sa: 'Kitchen', sw: '0.1.0' });
    expect(doc.o.name).toBe('roomlink');
    expect(Object.keys(doc.cmps)).toEqual(kitchen.measurements);
    expect(doc.cmps.temperature).toMatchObject({
      p: 'sensor', dev_cla: 'temperature', unit_of_meas: '°C', stat_cla: 'measurement', sug_dsp_prc: 1,
      stat_t: 'home/kitchen/temperature', uniq_id: uniqueId('kitchen-1', 'temperature'), def_ent_id: 'sensor.kitchen_1_temperature',
    });
    expect(doc.cmps.motion).toMatchObject({ p: 'binary_sensor', dev_cla: 'motion', def_ent_id: 'binary_sensor.kitchen_1_motion' });
    expect(doc.cmps.motion.unit_of_meas).toBeUndefined();
    expect(doc.cmps.signal_strength.ent_cat).toBe('diagnostic');
    expect(doc.avty).toEqual([{ t: 'roomlink/kitchen-1/status' }, { t: 'roomlink/bridge/status' }]);
    // A room rename keeps the entity: unique ids depend on node and measurement only.
    const moved = JSON.parse(discoveryPayload(DEFAULT_PREFIXES, { ...kitchen, room: 'dining_room' }));
    expect(moved.cmps.temperature.uniq_id).toBe(doc.cmps.temperature.uniq_id);
    expect(moved.dev.sa).toBe('Dining Room');
  });

  it('is ASCII on the wire (units as \\u escapes)', () => {
    const payload = discoveryPayload(DEFAULT_PREFIXES, kitchen);
    expect(/^[\x20-\x7e]*$/.test(payload)).toBe(true);
    expect(payload).toContain('\\u00b0C');
  });

  it('streams in chunks that join to the payload, skipping unknown measurements', () => {
    const spec = { ...kitchen, measurements: ['temperature', 'bogus', 'door'] };
    const chunks: string[] = [];
    for (let i = 0, c; (c = discoveryChunk(DEFAULT_PREFIXES, spec, i)) !== undefined; i++) chunks.push(c);
    expect(chunks.length).toBe(4);
    expect(Object.keys(JSON.parse(chunks.join('')).cmps)).toEqual(['temperature', 'door']);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(chunks.join('').length / 2);
  });

  it('removes a node with an empty payload', () => {
    expect(discoveryRemoval(DEFAULT_PREFIXES, 'kitchen-1')).toEqual({ topic: 'homeassistant/device/kitchen-1/config', payload: '' });
  });

  it.skipIf(!haRulesAvailable())('passes the rules in ../shared/ha-discovery.json', () => {
    const msg = discoveryMessage(DEFAULT_PREFIXES, kitchen);
    expect(discoveryProblems(msg.topic, msg.payload)).toEqual([]);
    const bad = JSON.stringify({ dev: { name: 'x' }, cmps: { t: { p: 'sensor', dev_cla: 'temperature', unit_of_meas: 'C' } } });
    const problems = discoveryProblems('homeassistant/device/x/config', bad);
    expect(problems).toContain('dev has no ids');
    expect(problems.join()).toContain("unit 'C' is not one of");
    expect(problems.join()).toContain('o.name missing');
  });

  it('titles rooms', () => {
    expect(roomTitle('living_room')).toBe('Living Room');
    expect(roomTitle('kids-room')).toBe('Kids Room');
  });
});
