// The sensor drivers, filters and commands: pure parts under Node with datasheet vectors,
// then dist/firmware.js in the host runtime against register-level simulated devices, with
// `"transport":"serial"` so each round of readings is a line-protocol line on the console.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { calibration, compensateH, compensateP, compensateT } from '../firmware/sensors/bme280-math.ts';
import { crc8, crcMaxim } from '../firmware/sensors/crc.ts';
import { filterValue, type FilterState } from '../firmware/filters.ts';
import { checkCommand, parseCommand } from '../shared/commands.ts';
import { commandLine } from '../shared/line-protocol.ts';
import { Aht20, Bme280, Dht22, Ds18b20, Sht3x } from '../espruino-host/devices/index.ts';
import type { SimDevices } from '../espruino-host/devices/index.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { firmwareCode, infos, infoUntil, readings, SimNode, value } from './firmware-node.ts';

describe('pure parts, with datasheet vectors', () => {
  test('BME280/BMP280 compensation: adc_T 519888 -> 25.08 C, adc_P 415148 -> 100653 Pa', () => {
    // The calibration registers 0x88.. as the datasheet's example words, little endian.
    const words = [27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000];
    const regs = new Uint8Array(26);
    words.forEach((w, i) => {
      regs[i * 2] = w & 0xff;
      regs[i * 2 + 1] = (w >> 8) & 0xff;
    });
    const cal = calibration(regs);
    expect(cal.slice(0, 12)).toEqual(words);
    const [t, fine] = compensateT(519888, cal);
    expect(t).toBeCloseTo(25.08, 2);
    expect(compensateP(415148, fine, cal)).toBeCloseTo(100653.27, 1);
  });

  test('BME280 humidity calibration unpacks the 12-bit H4/H5 and signed H6', () => {
    const regs = new Uint8Array(26);
    regs[25] = 75; // H1
    // H2=362, H3=0, H4=313, H5=50, H6=30 packed as in registers 0xE1..0xE7
    const h = new Uint8Array([362 & 0xff, 362 >> 8, 0, 313 >> 4, ((50 & 15) << 4) | (313 & 15), 50 >> 4, 30]);
    expect(calibration(regs, h).slice(12)).toEqual([75, 362, 0, 313, 50, 30]);
    const negative = new Uint8Array([0, 0, 0, 0xff, 0xff, 0xff, 0xf0]);
    expect(calibration(regs, negative).slice(15)).toEqual([-1, -1, -16]);
    expect(compensateH(30000, 128000, calibration(regs, h))).toBeGreaterThan(0);
  });

  test('CRC-8 (Sensirion/Aosong: 0xBEEF -> 0x92) and Maxim 1-Wire CRC', () => {
    expect(crc8([0xbe, 0xef], 0, 2)).toBe(0x92);
    expect(crc8([0x00, 0x00], 0, 2)).toBe(0x81);
    // A DS18B20 scratchpad from its datasheet layout: 25.0625 C, TH 0x4B, TL 0x46, config 0x7F.
    const pad = [0x91, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0f, 0x10];
    const crc = crcMaxim(pad, 8);
    expect(crcMaxim([...pad, crc], 9)).toBe(0);
    // Maxim's application note 27 example ROM: family 0x02, serial 1C B8 01 00 00 00 -> CRC 0xA2.
    expect(crcMaxim([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00], 7)).toBe(0xa2);
  });

  test('filters: moving average, delta, throttle and heartbeat', () => {
    const st: FilterState = {};
    const f = { delta: 0.5, heartbeat: 60 };
    expect(filterValue(f, st, 20, 0)).toBe(20);
    expect(filterValue(f, st, 20.3, 10)).toBeUndefined(); // moved less than delta
    expect(filterValue(f, st, 20.6, 20)).toBe(20.6);
    expect(filterValue(f, st, 20.6, 81)).toBe(20.6); // unchanged, but the heartbeat is due
    const th: FilterState = {};
    expect(filterValue({ throttle: 30 }, th, 1, 0)).toBe(1);
    expect(filterValue({ throttle: 30 }, th, 5, 10)).toBeUndefined();
    expect(filterValue({ throttle: 30 }, th, true, 11, true)).toBe(true); // an input's edge passes
    const avg: FilterState = {};
    expect(filterValue({ average: 3 }, avg, 3, 0)).toBe(3);
    expect(filterValue({ average: 3 }, avg, 6, 1)).toBe(4.5);
    expect(filterValue({ average: 3 }, avg, 9, 2)).toBe(6);
    expect(filterValue({ average: 3 }, avg, 12, 3)).toBe(9);
  });

  test('commands: one key, checked values', () => {
    expect(checkCommand({ interval: 30 })).toEqual({ ok: true, command: { interval: 30 } });
    expect(checkCommand({ identify: true }).ok).toBe(true);
    expect(checkCommand({ reboot: true }).ok).toBe(true);
    expect(checkCommand({ info: true }).ok).toBe(true);
    expect(checkCommand({ interval: 0 })).toEqual({ ok: false, error: 'interval: must be 1..86400 seconds' });
    expect(checkCommand({ interval: '5' }).ok).toBe(false);
    expect(checkCommand({ reboot: 1 }).ok).toBe(false);
    expect(checkCommand({ interval: 5, info: true }).ok).toBe(false);
    expect(checkCommand({ shutdown: true }).ok).toBe(false);
    expect(checkCommand([1]).ok).toBe(false);
    expect(parseCommand('{"interval":5}').ok).toBe(true);
    expect(parseCommand('interval=5')).toEqual({ ok: false, error: 'command is not JSON' });
  });
});

describe('drivers in the firmware, against simulated devices', () => {
  let code: string;
  let node: SimNode | undefined;
  beforeAll(async () => {
    code = await firmwareCode();
  });
  afterEach(() => {
    node?.dispose();
    node = undefined;
  });

  function start(sensors: object[], devices: SimDevices, extra: object = {}): SimNode {
    node = new SimNode({ node: 'bench-1', room: 'lab', transport: 'serial', interval: 1, sensors, ...extra }, code, { devices });
    return node.boot().actAsHub();
  }

  test('BME280 with the datasheet calibration and raw values reads 25.08 C and 1006.53 hPa', async () => {
    const bme = new Bme280({ variant: 'bmp280' });
    bme.setRaw({ adcT: 519888, adcP: 415148 });
    const n = start([{ type: 'bmp280' }], { i2c: [bme] });
    const r = await waitFor('a reading', () => readings(n)[0]);
    expect(r).toMatchObject({ node: 'bench-1', room: 'lab', seq: 0 });
    expect(value(r, 'temperature')).toBeCloseTo(25.08, 2);
    expect(value(r, 'pressure')).toBeCloseTo(1006.53, 2);
    // The boot info line decodes as node info.
    expect(infos(n)[0]).toMatchObject({ node: 'bench-1', room: 'lab', info: { transport: 'serial', sensors: ['bmp280'], interval: 1 } });
  });

  test('BME280 humidity, SHT3x, AHT20, DS18B20 and DHT22 values come through', async () => {
    const climate = { temperature: 22.5, humidity: 41.2 };
    const n = start(
      [
        { type: 'bme280', measurements: ['pressure'] },
        { type: 'sht3x', measurements: ['humidity'] },
        { type: 'aht20', measurements: ['temperature'] },
      ],
      { i2c: [new Bme280({ values: { temperature: 20, pressure: 98765, humidity: 50 } }), new Sht3x({ values: climate }), new Aht20({ values: climate })] },
    );
    const r = await waitFor('a reading', () => readings(n)[0]);
    expect(value(r, 'pressure')).toBeCloseTo(987.65, 1);
    expect(value(r, 'humidity')).toBeCloseTo(41.2, 1);
    expect(value(r, 'temperature')).toBeCloseTo(22.5, 1);
    n.dispose();
    node = undefined;

    const m = start(
      [
        { type: 'ds18b20', pin: 4 },
        { type: 'dht22', pin: 15, measurements: ['humidity'] },
      ],
      { oneWire: [new Ds18b20({ pin: 4, temperature: -10.125 })], pinDevices: [new Dht22({ pin: 15, values: { temperature: -3.4, humidity: 55.5 } })] },
    );
    const r2 = await waitFor(
      'a reading with both',
      () => readings(m).find((x) => value(x, 'humidity') !== undefined && value(x, 'temperature') !== undefined),
      15_000,
    );
    expect(value(r2, 'temperature')).toBeCloseTo(-10.125, 3);
    expect(value(r2, 'humidity')).toBeCloseTo(55.5, 1);
  });

  test('CRC failures and missing devices are reported on info, never published as values', async () => {
    const n = start(
      [
        { type: 'sht3x', measurements: ['humidity'] },
        { type: 'ds18b20', pin: 4 },
        { type: 'sim', measurement: 'illuminance' },
      ],
      { i2c: [new Sht3x({ badCrc: true })], oneWire: [new Ds18b20({ pin: 4, badCrc: true })] },
    );
    const info = await infoUntil(n, (i) => Object.keys((i.errors as object) ?? {}).length >= 2);
    expect(info.errors).toMatchObject({ sht3x: expect.stringContaining('CRC mismatch'), ds18b20: expect.stringContaining('CRC mismatch') });
    const rs = readings(n);
    expect(rs.length).toBeGreaterThan(0);
    for (const r of rs) expect(r.values.map((v) => v.measurement)).toEqual(['illuminance']);
    n.dispose();
    node = undefined;

    const m = start([{ type: 'aht20' }], { i2c: [] });
    const missing = await infoUntil(m, (i) => Object.keys((i.errors as object) ?? {}).length > 0);
    expect(String((missing.errors as Record<string, string>).aht20)).toMatch(/.+/);
    expect(readings(m)).toEqual([]);
  });

  test('serial lines carry an increasing seq; binary inputs report changes at once; interval and info commands work', async () => {
    const n = start(
      [
        { type: 'sim', measurement: 'temperature', seed: 7 },
        { type: 'binary', pin: 27, measurement: 'door', debounce: 0 },
      ],
      { digital: { 27: 0 } },
    );
    await waitFor('two readings', () => readings(n).length >= 2 && readings(n));
    const rs = readings(n);
    expect(rs[1].seq).toBe((rs[0].seq ?? -1) + 1);
    expect(value(rs[0], 'door')).toBe(false);
    const count = readings(n).length;
    n.runtime.pins.setDigital(27, 1);
    const change = await waitFor('the door change', () =>
      readings(n)
        .slice(count)
        .find((r) => value(r, 'door') === true),
    );
    expect(change.values.length).toBe(1); // its own line, not waiting for the next round

    n.runtime.run(commandLine({ interval: 30 }).slice(1, -1));
    const info = await infoUntil(n, (i) => i.interval === 30);
    expect(info.interval).toBe(30);
    n.runtime.run(commandLine({ interval: -1 }).slice(1, -1));
    await n.waitForLine('refusal', (l) => l.includes('command refused: interval: must be 1..86400 seconds'));
  });
});
