import { describe, expect, it } from 'vitest';
import {
  discoveryChunk,
  discoveryMessage,
  discoveryPayload,
  discoveryRemoval,
  hubDeviceId,
  hubDiscoveryMessage,
  MODEL_SERIAL_DEVICE,
  roomTitle,
  uniqueId,
} from '../shared/discovery.ts';
import { DEFAULT_PREFIXES } from '../shared/topics.ts';
import { discoveryProblems } from './helpers/ha-rules.ts';

const kitchen = {
  node: 'kitchen-1',
  room: 'kitchen',
  measurements: ['temperature', 'humidity', 'motion', 'pm25', 'signal_strength'],
  availability: ['roomlink/kitchen-1/status', 'roomlink/bridge/status'],
  model: MODEL_SERIAL_DEVICE,
  swVersion: '0.1.0',
  via: 'roomlink_hub_roomlink_bridge',
};

describe('Home Assistant device discovery', () => {
  it('has one component per measurement with stable unique ids', () => {
    const msg = discoveryMessage(DEFAULT_PREFIXES, kitchen);
    expect(msg.topic).toBe('homeassistant/device/kitchen-1/config');
    const doc = JSON.parse(msg.payload);
    expect(doc.dev).toEqual({
      ids: ['roomlink_kitchen-1'],
      name: 'kitchen-1',
      mf: 'roomlink',
      mdl: 'USB serial device',
      sa: 'Kitchen',
      sw: '0.1.0',
      via_device: 'roomlink_hub_roomlink_bridge',
    });
    // Home Assistant takes qos from each component, never from the device level.
    expect(doc.qos).toBeUndefined();
    for (const c of Object.values<{ qos: number }>(doc.cmps)) expect(c.qos).toBe(1);
    expect(doc.o.name).toBe('roomlink');
    expect(Object.keys(doc.cmps)).toEqual(kitchen.measurements);
    expect(doc.cmps.temperature).toMatchObject({
      p: 'sensor',
      dev_cla: 'temperature',
      unit_of_meas: '°C',
      stat_cla: 'measurement',
      sug_dsp_prc: 1,
      stat_t: 'home/kitchen/temperature',
      uniq_id: uniqueId('kitchen-1', 'temperature'),
      def_ent_id: 'sensor.kitchen_1_temperature',
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

  it('names the device, its model and hardware by one scheme', () => {
    const node = {
      node: 'desk-1',
      room: 'office',
      measurements: ['temperature'],
      availability: [],
      name: 'Desk by the window',
      hardware: 'ESP32, Espruino 2v29',
      swVersion: '0.2.0',
      qos: 0,
    };
    const doc = JSON.parse(discoveryPayload(DEFAULT_PREFIXES, node));
    expect(doc.dev).toEqual({
      ids: ['roomlink_desk-1'],
      name: 'Desk by the window',
      mf: 'roomlink',
      mdl: 'roomlink node',
      hw: 'ESP32, Espruino 2v29',
      sa: 'Office',
      sw: '0.2.0',
    });
    expect(doc.cmps.temperature.qos).toBe(0);
  });

  it('describes the hub as a device with its connection and health counters', () => {
    const msg = hubDiscoveryMessage(DEFAULT_PREFIXES, 1);
    expect(hubDeviceId(DEFAULT_PREFIXES)).toBe('roomlink_hub_roomlink_bridge');
    expect(hubDeviceId({ ...DEFAULT_PREFIXES, bridge: 'roomlink/bridge-floor1' })).toBe('roomlink_hub_roomlink_bridge-floor1');
    expect(msg.topic).toBe('homeassistant/device/roomlink_hub_roomlink_bridge/config');
    const doc = JSON.parse(msg.payload);
    expect(doc.dev).toMatchObject({ ids: ['roomlink_hub_roomlink_bridge'], name: 'roomlink hub', mdl: 'roomlink hub' });
    expect(doc.cmps.status).toMatchObject({
      p: 'binary_sensor',
      dev_cla: 'connectivity',
      stat_t: 'roomlink/bridge/status',
      pl_on: 'online',
      pl_off: 'offline',
    });
    expect(doc.cmps.queued).toMatchObject({ stat_t: 'roomlink/bridge/health', val_tpl: '{{ value_json.queued }}', ent_cat: 'diagnostic' });
    expect(discoveryProblems(msg.topic, msg.payload)).toEqual([]);
  });

  it('is ASCII on the wire (units as \\u escapes)', () => {
    const payload = discoveryPayload(DEFAULT_PREFIXES, kitchen);
    expect(/^[\x20-\x7e]*$/.test(payload)).toBe(true);
    expect(payload).toContain('\\u00b0C');
  });

  it('streams in chunks that join to the payload, skipping unknown measurements', () => {
    const spec = { ...kitchen, measurements: ['temperature', 'bogus', 'door'] };
    const chunks: string[] = [];
    for (let i = 0; ; i++) {
      const chunk = discoveryChunk(DEFAULT_PREFIXES, spec, i);
      if (chunk === undefined) break;
      chunks.push(chunk);
    }
    expect(chunks.length).toBe(4);
    expect(Object.keys(JSON.parse(chunks.join('')).cmps)).toEqual(['temperature', 'door']);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(chunks.join('').length / 2);
  });

  it('announces CO2, particulates, light, presence and distance as Home Assistant spells them', () => {
    const air = { ...kitchen, measurements: ['carbon_dioxide', 'pm1', 'pm25', 'pm10', 'illuminance', 'presence', 'occupancy', 'distance'] };
    const msg = discoveryMessage(DEFAULT_PREFIXES, air);
    expect(discoveryProblems(msg.topic, msg.payload)).toEqual([]);
    const c = JSON.parse(msg.payload).cmps;
    expect(c.carbon_dioxide).toMatchObject({ p: 'sensor', dev_cla: 'carbon_dioxide', unit_of_meas: 'ppm', stat_cla: 'measurement' });
    for (const pm of ['pm1', 'pm25', 'pm10']) expect(c[pm]).toMatchObject({ p: 'sensor', dev_cla: pm, unit_of_meas: 'µg/m³', stat_cla: 'measurement' });
    expect(c.illuminance).toMatchObject({ p: 'sensor', dev_cla: 'illuminance', unit_of_meas: 'lx' });
    expect(c.distance).toMatchObject({ p: 'sensor', dev_cla: 'distance', unit_of_meas: 'cm' });
    expect(c.presence).toMatchObject({ p: 'binary_sensor', dev_cla: 'presence', def_ent_id: 'binary_sensor.kitchen_1_presence' });
    expect(c.occupancy).toMatchObject({ p: 'binary_sensor', dev_cla: 'occupancy' });
    expect(c.presence.unit_of_meas).toBeUndefined();
    // On the wire the units are ASCII escapes (the board's strings are 8-bit).
    expect(msg.payload).toContain('\\u00b5g/m\\u00b3');
  });

  it('removes a node with an empty payload', () => {
    expect(discoveryRemoval(DEFAULT_PREFIXES, 'kitchen-1')).toEqual({ topic: 'homeassistant/device/kitchen-1/config', payload: '' });
  });

  it('passes the rules Home Assistant applies (test/fixtures/home-assistant-mqtt.json)', () => {
    const msg = discoveryMessage(DEFAULT_PREFIXES, kitchen);
    expect(discoveryProblems(msg.topic, msg.payload)).toEqual([]);
    const bad = JSON.stringify({ dev: { name: 'x', via: 'y' }, qos: 1, cmps: { t: { p: 'sensor', dev_cla: 'temperature', unit_of_meas: 'C', bogus: 1 } } });
    const problems = discoveryProblems('homeassistant/device/x/config', bad);
    expect(problems).toContain('dev has no ids');
    expect(problems).toContain("unknown dev key 'via'");
    expect(problems.join()).toContain("unit 'C' is not one of");
    expect(problems.join()).toContain('o.name missing');
    expect(problems.join()).toContain('qos at the device level');
    expect(problems.join()).toContain('cmps.t: qos is unset (0), not 1');
    expect(problems.join()).toContain("unknown key 'bogus' for sensor");
  });

  it('titles rooms', () => {
    expect(roomTitle('living_room')).toBe('Living Room');
    expect(roomTitle('kids-room')).toBe('Kids Room');
  });
});
