// The air-quality, light and presence drivers (SCD4x, PMS5003, MH-Z19, BH1750, HTU21D/Si7021,
// LD2410): datasheet vectors for the frames, checksums and CRCs, then dist/firmware.js in the
// host runtime against the simulated parts, with `"transport":"serial"` so each round of
// readings is a line-protocol line. Bad CRCs and frames must show on info and never as values.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { crc8 } from '../firmware/sensors/crc.ts';
import { crc8Htu, crc8Sensirion } from '../espruino-host/crc.ts';
import { Bh1750, Htu21d, Ld2410, Mhz19, Pms5003, Scd4x } from '../espruino-host/devices/index.ts';
import type { SimDevices } from '../espruino-host/devices/index.ts';
import { seededRandom } from '../espruino-host/devices/drift.ts';
import { ld2410Frame } from '../espruino-host/devices/ld2410.ts';
import { mhzChecksum } from '../espruino-host/devices/mhz19.ts';
import { pmsDataFrame, pmsFrame } from '../espruino-host/devices/pms5003.ts';
import { commandLine } from '../shared/line-protocol.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { firmwareCode, infoUntil, readings, SimNode, value, values } from './firmware-node.ts';

describe('frames, checksums and CRCs from the datasheets', () => {
  test('CRC-8 poly 0x31: Sensirion init 0xFF (0xBEEF -> 0x92), HTU21D/Si7021 init 0x00 (0x683A -> 0x7C)', () => {
    expect(crc8([0xbe, 0xef], 0, 2)).toBe(0x92);
    expect(crc8Sensirion([0xbe, 0xef])).toBe(0x92);
    expect(crc8([0x68, 0x3a], 0, 2, 0)).toBe(0x7c);
    expect(crc8Htu([0x68, 0x3a])).toBe(0x7c);
    // The firmware's CRC and the simulated parts' agree on every word.
    const random = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const w = [Math.floor(random() * 256), Math.floor(random() * 256)];
      expect(crc8(w, 0, 2)).toBe(crc8Sensirion(w));
      expect(crc8(w, 0, 2, 0)).toBe(crc8Htu(w));
    }
  });

  test('PMS5003 commands are the datasheet bytes; a data frame is 32 bytes whose last word sums the rest', () => {
    expect(pmsFrame([0xe1, 0x00, 0x00])).toEqual([0x42, 0x4d, 0xe1, 0x00, 0x00, 0x01, 0x70]); // passive
    expect(pmsFrame([0xe2, 0x00, 0x00])).toEqual([0x42, 0x4d, 0xe2, 0x00, 0x00, 0x01, 0x71]); // read
    expect(pmsFrame([0xe4, 0x00, 0x00])).toEqual([0x42, 0x4d, 0xe4, 0x00, 0x00, 0x01, 0x73]); // sleep
    expect(pmsFrame([0xe4, 0x00, 0x01])).toEqual([0x42, 0x4d, 0xe4, 0x00, 0x01, 0x01, 0x74]); // wake
    const f = pmsDataFrame({ pm1: 9, pm25: 14, pm10: 20 });
    expect(f.length).toBe(32);
    expect(f.slice(0, 4)).toEqual([0x42, 0x4d, 0x00, 0x1c]);
    const sum = f.slice(0, 30).reduce((a, b) => a + b, 0);
    expect((f[30]! << 8) | f[31]!).toBe(sum);
    // Atmospheric PM1.0, PM2.5, PM10 are data words 4..6 (bytes 10..15).
    expect([(f[10]! << 8) | f[11]!, (f[12]! << 8) | f[13]!, (f[14]! << 8) | f[15]!]).toEqual([9, 14, 20]);
  });

  test('MH-Z19 checksum: read command FF 01 86 .. 79, answer FF 86 02 60 47 00 00 00 D1 (608 ppm)', () => {
    expect(mhzChecksum([0xff, 0x01, 0x86, 0, 0, 0, 0, 0])).toBe(0x79);
    expect(mhzChecksum([0xff, 0x86, 0x02, 0x60, 0x47, 0, 0, 0])).toBe(0xd1);
    expect(mhzChecksum([0xff, 0x01, 0x79, 0xa0, 0, 0, 0, 0])).toBe(0xe6); // ABC on
    expect(mhzChecksum([0xff, 0x01, 0x79, 0x00, 0, 0, 0, 0])).toBe(0x86); // ABC off
    expect(mhzChecksum([0xff, 0x01, 0x87, 0x00, 0, 0, 0, 0])).toBe(0x78); // zero point
  });

  test('LD2410 basic frame: header, length 13 little endian, 02 AA, state, distances, 55 00, footer', () => {
    expect(ld2410Frame({ moving: 120, still: 90 })).toEqual([
      0xf4, 0xf3, 0xf2, 0xf1, 0x0d, 0x00, 0x02, 0xaa, 0x03, 0x78, 0x00, 62, 0x5a, 0x00, 48, 0x78, 0x00, 0x55, 0x00, 0xf8, 0xf7, 0xf6, 0xf5,
    ]);
  });
});

describe('air, light and presence drivers in the firmware, against simulated parts', () => {
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
    node?.dispose();
    node = new SimNode({ node: 'air-1', room: 'kitchen', transport: 'serial', interval: 1, sensors, ...extra }, code, { devices });
    return node.boot().actAsHub();
  }

  const errorOf = (name: string, pattern: RegExp) => (i: Record<string, unknown>) =>
    pattern.test(String((i.errors as Record<string, string> | undefined)?.[name] ?? ''));

  /** The PMS5003's fan needs 30 s after power-up: move the board's clock past that. */
  function fanSettled(n: SimNode): void {
    n.runtime.run('setTime(getTime() + 31)');
  }

  test('SCD41: data-ready, then CO2, temperature and humidity; altitude set while idle, pressure while measuring', async () => {
    const scd = new Scd4x({ periodMs: 200, values: { co2: 812, temperature: 23.4, humidity: 38.5 } });
    const n = start([{ type: 'scd4x', altitude: 520, ambient_pressure: 955 }], { i2c: [scd] });
    const r = await waitFor('a CO2 reading', () => readings(n).find((x) => value(x, 'carbon_dioxide') !== undefined), 15_000);
    expect(value(r, 'carbon_dioxide')).toBe(812);
    expect(value(r, 'temperature')).toBeCloseTo(23.4, 1);
    expect(value(r, 'humidity')).toBeCloseTo(38.5, 1);
    expect(scd.altitude).toBe(520);
    expect(scd.ambientPressure).toBe(955);
    // Altitude before the start (it is refused while measuring); every read asks data-ready first.
    expect(scd.commands.slice(0, 2)).toEqual([0x2427, 0x21b1]);
    expect(scd.commands.indexOf(0xe4b8)).toBeLessThan(scd.commands.indexOf(0xec05));
    scd.set({ co2: 1490 });
    await waitFor('the new CO2 value', () => values(n, 'carbon_dioxide').includes(1490), 15_000);
  });

  test('SCD41: a CRC error is reported on info and never published; forced recalibration by command', async () => {
    const scd = new Scd4x({ periodMs: 200, badCrc: true, frcNeedsSeconds: 0, values: { co2: 600, temperature: 21, humidity: 45 } });
    const n = start([{ type: 'scd4x' }, { type: 'sim', measurement: 'pressure' }], { i2c: [scd] });
    await infoUntil(n, errorOf('scd4x', /CRC mismatch/));
    expect(readings(n).length).toBeGreaterThan(0);
    for (const r of readings(n)) expect(r.values.map((v) => v.measurement)).toEqual(['pressure']);

    scd.badCrc = false;
    await waitFor('a CO2 reading', () => values(n, 'carbon_dioxide').includes(600), 15_000);
    n.runtime.run(commandLine({ calibrate: 420 }).slice(1, -1));
    await n.waitForLine('the recalibration', (l) => l.includes('SCD4x recalibrated to 420 ppm (correction -180 ppm)'), 10_000);
    expect(scd.commands).toContain(0x3f86);
    expect(scd.commands).toContain(0x362f);
    // Measuring starts again by itself.
    const before = scd.commands.lastIndexOf(0x362f);
    await waitFor('measuring again', () => scd.commands.indexOf(0x21b1, before) > before && scd.measuring, 10_000);
    const count = values(n, 'carbon_dioxide').length;
    await waitFor('CO2 after the recalibration', () => values(n, 'carbon_dioxide').length > count, 15_000);
  });

  test('PMS5003: passive mode, atmospheric PM1/PM2.5/PM10; a bad checksum is an error, not a value', async () => {
    const pms = new Pms5003({ values: { pm1: 6, pm25: 11, pm10: 17 }, badChecksum: true });
    const n = start([{ type: 'pms5003' }, { type: 'sim', measurement: 'temperature' }], { uart: [pms] });
    await infoUntil(n, errorOf('pms5003', /fan settling/));
    expect(pms.mode).toBe('passive');
    expect(pms.commands[0]).toEqual([0xe1, 0]);
    fanSettled(n);
    await infoUntil(n, errorOf('pms5003', /checksum mismatch/));
    for (const r of readings(n)) expect(r.values.map((v) => v.measurement)).toEqual(['temperature']);

    pms.badChecksum = false;
    const r = await waitFor('a PM reading', () => readings(n).find((x) => value(x, 'pm25') !== undefined), 10_000);
    expect([value(r, 'pm1'), value(r, 'pm25'), value(r, 'pm10')]).toEqual([6, 11, 17]);
  });

  test('PMS5003: readings more than a minute apart put fan and laser to sleep, and wake them 30 s before use', async () => {
    const pms = new Pms5003({ values: { pm1: 3, pm25: 5, pm10: 8 } });
    const n = start([{ type: 'pms5003' }], { uart: [pms] });
    fanSettled(n);
    await waitFor('a PM reading', () => values(n, 'pm25').length > 0, 10_000);
    expect(pms.asleep).toBe(false);
    // A minute passes between two reads: the driver sleeps the sensor after the second.
    n.runtime.run('setTime(getTime() + 61)');
    await waitFor('the sleep command', () => pms.asleep, 10_000);
    expect(pms.commands.some(([c, d]) => c === 0xe4 && d === 0)).toBe(true);
    // The next read wakes it and waits for the fan: no value from a fan that just started.
    const count = values(n, 'pm25').length;
    await waitFor('the wake command', () => !pms.asleep, 10_000);
    await infoUntil(n, errorOf('pms5003', /fan settling/));
    expect(values(n, 'pm25').length).toBe(count);
    fanSettled(n);
    await waitFor('PM after waking', () => values(n, 'pm25').length > count, 10_000);
  });

  test('MH-Z19: CO2 from the 9-byte answer, ABC off from the config, a bad checksum is an error, zero point by command', async () => {
    const mhz = new Mhz19({ co2: 608, badChecksum: true });
    const n = start(
      [
        { type: 'mhz19', abc: false },
        { type: 'sim', measurement: 'humidity' },
      ],
      { uart: [mhz] },
    );
    await infoUntil(n, errorOf('mhz19', /checksum mismatch/));
    for (const r of readings(n)) expect(r.values.map((v) => v.measurement)).toEqual(['humidity']);
    expect(mhz.abc).toBe(false);
    mhz.badChecksum = false;
    await waitFor('608 ppm', () => values(n, 'carbon_dioxide').includes(608), 10_000);

    n.runtime.run(commandLine({ calibrate: 420 }).slice(1, -1));
    await infoUntil(n, errorOf('mhz19', /400 ppm only/));
    expect(mhz.zeroCalibrations).toBe(0);
    n.runtime.run(commandLine({ calibrate: 400 }).slice(1, -1));
    await n.waitForLine('the zero point', (l) => l.includes('MH-Z19 zero point set to 400 ppm'));
    await waitFor('the zero-point command', () => mhz.zeroCalibrations === 1);
  });

  test('BH1750: 0x8390 counts at MTreg 69 is 28,067 lx; MTreg from the config; saturation is an error', async () => {
    const bh = new Bh1750({ lux: 33680 / 1.2 });
    const n = start([{ type: 'bh1750' }], { i2c: [bh] });
    const lx = await waitFor('a lux reading', () => values(n, 'illuminance')[0], 10_000);
    expect(lx).toBeCloseTo(28067, 0);
    bh.set(60000); // beyond 65535 counts at MTreg 69
    await infoUntil(n, errorOf('bh1750', /saturated \(brighter than 54613 lx\): lower "mtreg"/));
    n.dispose();

    const dim = new Bh1750({ address: 0x5c, lux: 3.5 });
    const m = start([{ type: 'bh1750', address: 0x5c, mtreg: 254 }], { i2c: [dim] });
    const v = await waitFor('a dim reading', () => values(m, 'illuminance')[0], 10_000);
    expect(dim.mtreg).toBe(254);
    // 3.5 lx is 15 counts at MTreg 254 (0.23 lx a count, where MTreg 69 would give 4 counts of 0.83 lx).
    expect(v).toBeCloseTo(((15 / 1.2) * 69) / 254, 1);
  });

  test('HTU21D and Si7021: 0x683A is 24.7 C and 0x4E85 is 32.3 %RH; a CRC error is reported, not published', async () => {
    const htu = new Htu21d({ raw: { temperature: 0x683a, humidity: 0x4e85 } });
    const n = start([{ type: 'htu21d' }], { i2c: [htu] });
    const r = await waitFor('a reading', () => readings(n)[0], 10_000);
    expect(value(r, 'temperature')).toBeCloseTo(24.69, 2);
    expect(value(r, 'humidity')).toBeCloseTo(32.34, 2);
    n.dispose();

    const si = new Htu21d({ variant: 'si7021', values: { temperature: 19.5, humidity: 61 }, badCrc: true });
    const m = start([{ type: 'htu21d' }, { type: 'sim', measurement: 'pressure' }], { i2c: [si] });
    await infoUntil(m, errorOf('htu21d', /CRC mismatch/));
    for (const x of readings(m)) expect(x.values.map((v) => v.measurement)).toEqual(['pressure']);
    si.badCrc = false;
    await waitFor('Si7021 values', () => readings(m).find((x) => value(x, 'temperature') !== undefined && value(x, 'humidity') !== undefined), 10_000).then(
      (x) => {
        expect(value(x, 'temperature')).toBeCloseTo(19.5, 1);
        expect(value(x, 'humidity')).toBeCloseTo(61, 1);
      },
    );
  });

  test('LD2410: presence and distance from its frames; a change of presence is published at once', async () => {
    const radar = new Ld2410({ target: { still: 150 } });
    const n = start([{ type: 'ld2410' }], { uart: [radar] }, { interval: 30 });
    const r = await waitFor('a reading', () => readings(n).find((x) => value(x, 'presence') !== undefined), 10_000);
    expect(value(r, 'presence')).toBe(true);
    expect(value(r, 'distance')).toBe(150);
    const count = readings(n).length;
    radar.set({});
    // The interval is 30 s: only the change itself can bring this line within the wait.
    const gone = await waitFor(
      'presence false',
      () =>
        readings(n)
          .slice(count)
          .find((x) => value(x, 'presence') === false),
      5_000,
    );
    expect(gone.values.map((v) => v.measurement)).toEqual(['presence']);
    radar.set({ moving: 320, still: 140 });
    await waitFor(
      'presence again',
      () =>
        readings(n)
          .slice(count)
          .find((x) => value(x, 'presence') === true),
      5_000,
    );
  });

  test('LD2410: the parser fed random bytes, torn and corrupted frames publishes only what the radar reported', async () => {
    const random = seededRandom(17);
    const bytes = (k: number) => Array.from({ length: k }, () => Math.floor(random() * 256));
    const radar = new Ld2410({ target: { moving: 233 }, periodMs: 20 });
    // Only garbage at first: random bytes, frames cut short, frames with a bad footer or length.
    const good = ld2410Frame({ moving: 233 });
    for (let i = 0; i < 150; i++) {
      const k = i % 4;
      if (k === 0) radar.inject.push(bytes(1 + Math.floor(random() * 90)));
      else if (k === 1) radar.inject.push(good.slice(0, 5 + Math.floor(random() * 15)));
      else if (k === 2) radar.inject.push([...good.slice(0, -1), 0x00]);
      else radar.inject.push([0xf4, 0xf3, 0xf2, 0xf1, 0xff, 0x7f, ...bytes(20)]);
    }
    const n = start([{ type: 'ld2410' }], { uart: [radar] });
    await infoUntil(n, errorOf('ld2410', /corrupted frames, none whole/));
    // Then good frames with random bytes between and around them.
    for (let i = 0; i < 200; i++)
      radar.inject.push(i % 2 ? bytes(Math.floor(random() * 40)) : [...bytes(Math.floor(random() * 10)), ...good, ...bytes(Math.floor(random() * 10))]);
    await waitFor('distances', () => values(n, 'distance').length >= 3, 15_000);
    expect(new Set(values(n, 'distance'))).toEqual(new Set([233]));
    expect(new Set(values(n, 'presence'))).toEqual(new Set([true]));
  });

  test('UART parsers of PMS5003 and MH-Z19 skip random bytes before and inside their answers', async () => {
    const random = seededRandom(99);
    const noise = () => Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
    // Each answer arrives behind random bytes and header lookalikes (for the MH-Z19 only a lone
    // FF: its 8-bit checksum passes one random FF 86 frame in 256, on a real wire too).
    class NoisyPms extends Pms5003 {
      override connect(send: (b: number[]) => void): () => void {
        return super.connect((b) => send([...noise(), 0x42, 0x4d, ...noise(), ...b]));
      }
    }
    class NoisyMhz extends Mhz19 {
      override connect(send: (b: number[]) => void): () => void {
        return super.connect((b) => send([...noise(), 0xff, ...noise(), ...b]));
      }
    }
    const pms = new NoisyPms({ rx: 16, tx: 17, values: { pm1: 21, pm25: 34, pm10: 48 } });
    const mhz = new NoisyMhz({ rx: 25, tx: 26, co2: 1234 });
    const n = start([{ type: 'pms5003' }, { type: 'mhz19', rx: 25, tx: 26 }], { uart: [pms, mhz] });
    fanSettled(n);
    await waitFor(
      'five rounds with both',
      () => readings(n).filter((r) => value(r, 'pm25') !== undefined && value(r, 'carbon_dioxide') !== undefined).length >= 5,
      20_000,
    );
    expect(new Set(values(n, 'pm25'))).toEqual(new Set([34]));
    expect(new Set(values(n, 'pm10'))).toEqual(new Set([48]));
    expect(new Set(values(n, 'carbon_dioxide'))).toEqual(new Set([1234]));
  });

  test('a UART sensor at the wrong baud rate or on the wrong pin is reported, never read as values', async () => {
    const fast = Object.assign(new Mhz19({ co2: 700 }), { baud: 115200 });
    const n = start([{ type: 'mhz19' }, { type: 'pms5003', rx: 25, tx: 26 }, { type: 'sim', measurement: 'pressure' }], { uart: [fast] });
    fanSettled(n);
    await infoUntil(n, (i) => errorOf('mhz19', /.+/)(i) && errorOf('pms5003', /no answer/)(i));
    for (const r of readings(n)) expect(r.values.map((v) => v.measurement)).toEqual(['pressure']);
  });
});
