// Simulated sensors at register/pulse level, read by plain ES5 drivers running inside the
// host Espruino runtime, the way firmware drivers will read them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Aht20, Bme280, Dht22, Ds18b20, Sht3x, devicesForSensors, type SimDevices } from '../espruino-host/devices/index.ts';
import { EspruinoRuntime } from '../espruino-host/runtime.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function start(devices: SimDevices) {
  const storageDir = mkdtempSync(join(tmpdir(), 'roomlink-devices-'));
  let printed = '';
  const rt = new EspruinoRuntime({ storageDir, board: 'esp32', devices, onOutput: (t) => (printed += t) });
  cleanups.push(() => rmSync(storageDir, { recursive: true, force: true }));
  cleanups.push(() => rt.stop());
  rt.boot();
  const line = (prefix: string) => waitFor(`a line starting ${prefix}`, () => printed.split('\r\n').find((l) => l.startsWith(prefix)), 5000);
  return { rt, line, output: () => printed };
}

// --- ES5 test drivers, run inside the runtime ---------------------------------------------

const CRC8_SENSIRION = `
function crc8(bytes, from, to) {
  var crc = 0xff;
  for (var i = from; i < to; i++) {
    crc ^= bytes[i];
    for (var b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}`;

const CRC8_DALLAS = `
function dallasCrc(bytes, count) {
  var crc = 0;
  for (var i = 0; i < count; i++) {
    var b = bytes[i];
    for (var j = 0; j < 8; j++) { var mix = (crc ^ b) & 1; crc >>= 1; if (mix) crc ^= 0x8c; b >>= 1; }
  }
  return crc;
}`;

// BME280 with the datasheet's floating-point compensation (section 8.1).
const BME280_DRIVER = `
function bmeRead(address, done) {
  I2C1.setup({sda: D21, scl: D22});
  function reg(r, n) { I2C1.writeTo(address, r); return I2C1.readFrom(address, n); }
  var id = reg(0xD0, 1)[0];
  var c = reg(0x88, 24), dv = new DataView(c.buffer);
  var T1 = dv.getUint16(0, true), T2 = dv.getInt16(2, true), T3 = dv.getInt16(4, true);
  var P = [dv.getUint16(6, true)];
  for (var i = 1; i < 9; i++) P.push(dv.getInt16(6 + 2 * i, true));
  var h = reg(0xE1, 7), H1 = reg(0xA1, 1)[0];
  var H2 = (h[1] << 8 | h[0]) << 16 >> 16, H3 = h[2];
  var H4 = (h[3] << 24 >> 20) | (h[4] & 0x0F), H5 = (h[5] << 24 >> 20) | (h[4] >> 4), H6 = h[6] << 24 >> 24;
  I2C1.writeTo(address, [0xF2, 0x01]);
  I2C1.writeTo(address, [0xF4, 0x25]); // osrs_t 1, osrs_p 1, forced
  function poll() {
    if (reg(0xF3, 1)[0] & 0x08) return setTimeout(poll, 2);
    var d = reg(0xF7, 8);
    var adcP = (d[0] << 12) | (d[1] << 4) | (d[2] >> 4), adcT = (d[3] << 12) | (d[4] << 4) | (d[5] >> 4), adcH = (d[6] << 8) | d[7];
    var v1 = (adcT / 16384 - T1 / 1024) * T2, v2 = (adcT / 131072 - T1 / 8192) * (adcT / 131072 - T1 / 8192) * T3;
    var tFine = v1 + v2, t = tFine / 5120;
    v1 = tFine / 2 - 64000; v2 = v1 * v1 * P[5] / 32768; v2 = v2 + v1 * P[4] * 2; v2 = v2 / 4 + P[3] * 65536;
    v1 = (P[2] * v1 * v1 / 524288 + P[1] * v1) / 524288; v1 = (1 + v1 / 32768) * P[0];
    var p = 1048576 - adcP; p = (p - v2 / 4096) * 6250 / v1;
    v1 = P[8] * p * p / 2147483648; v2 = p * P[7] / 32768; p = p + (v1 + v2 + P[6]) / 16;
    var x = tFine - 76800;
    x = (adcH - (H4 * 64 + H5 / 16384 * x)) * (H2 / 65536 * (1 + H6 / 67108864 * x * (1 + H3 / 67108864 * x)));
    x = x * (1 - H1 * x / 524288);
    done(id, t, p, Math.max(0, Math.min(100, x)));
  }
  poll();
}`;

describe('BME280 / BMP280', () => {
  it('reproduces the datasheet vector: adc_T=519888 → 25.08 °C, adc_P=415148 → 100653 Pa', async () => {
    const bme = new Bme280();
    bme.setRaw({ adcT: 519888, adcP: 415148 });
    const { rt, line } = start({ i2c: [bme] });
    rt.run(`${BME280_DRIVER}
      bmeRead(0x76, function (id, t, p) { print("bme " + id.toString(16) + " " + t.toFixed(2) + " " + Math.round(p)); });`);
    expect(await line('bme ')).toBe('bme 60 25.08 100653');
  });

  it('turns target values into raw readings the driver compensates back', async () => {
    const bme = new Bme280({ address: 0x77, values: { temperature: -7.35, pressure: 98765, humidity: 61.5 } });
    const { rt, line } = start({ i2c: [bme] });
    rt.run(`${BME280_DRIVER}
      bmeRead(0x77, function (id, t, p, h) { print("bme " + t.toFixed(2) + " " + Math.round(p) + " " + h.toFixed(1)); });`);
    const [, t, p, h] = (await line('bme ')).split(' ').map(Number);
    expect(t).toBeCloseTo(-7.35, 1);
    expect(Math.abs(p! - 98765)).toBeLessThanOrEqual(2);
    expect(Math.abs(h! - 61.5)).toBeLessThanOrEqual(0.2);
  });

  it('reads skipped/unfinished data as the reset values and identifies a BMP280', () => {
    const { rt } = start({ i2c: [new Bme280({ variant: 'bmp280' })] });
    const result = rt.run(`
      I2C1.setup({sda: D21, scl: D22});
      I2C1.writeTo(0x76, 0xD0); var id = I2C1.readFrom(0x76, 1)[0];
      I2C1.writeTo(0x76, 0xF7); var d = I2C1.readFrom(0x76, 6);
      [id, d[0], d[3]];
    `);
    expect(result).toEqual([0x58, 0x80, 0x80]);
  });

  it('a device that is not there, or on other pins, does not acknowledge', () => {
    const { rt } = start({ i2c: [new Bme280({ sda: 25, scl: 26 })] });
    expect(rt.run('I2C1.setup({sda: D21, scl: D22}); try { I2C1.writeTo(0x76, 0xD0); "acked" } catch (e) { e.message }')).toBe(
      "jshI2CWrite: slave doesn't ACK the transfer",
    );
    expect(rt.run('var bus = new I2C(); bus.setup({sda: 25, scl: 26}); bus.writeTo(0x76, 0xD0); bus.readFrom(0x76, 1)[0]')).toBe(0x60);
  });
});

const SHT3X_DRIVER = `${CRC8_SENSIRION}
function shtRead(done) {
  I2C1.setup({sda: D21, scl: D22});
  I2C1.writeTo(0x44, [0x24, 0x00]);
  setTimeout(function () {
    var d = I2C1.readFrom(0x44, 6);
    if (crc8(d, 0, 2) !== d[2] || crc8(d, 3, 5) !== d[5]) return done("crc error");
    done(null, -45 + 175 * ((d[0] << 8) | d[1]) / 65535, 100 * ((d[3] << 8) | d[4]) / 65535);
  }, 20);
}`;

describe('SHT3x', () => {
  it('answers a single-shot measurement with CRC-protected words', async () => {
    const { rt, line } = start({ i2c: [new Sht3x({ values: { temperature: 22.5, humidity: 48.25 } })] });
    rt.run(`${SHT3X_DRIVER} shtRead(function (err, t, h) { print("sht " + err + " " + t.toFixed(2) + " " + h.toFixed(2)); });`);
    expect(await line('sht ')).toBe('sht null 22.50 48.25');
  });

  it('a corrupted CRC is observable, and reading before the measurement is done is not acknowledged', async () => {
    const { rt, line } = start({ i2c: [new Sht3x({ badCrc: true })] });
    rt.run(`${SHT3X_DRIVER} shtRead(function (err) { print("sht " + err); });`);
    expect(await line('sht ')).toBe('sht crc error');
    expect(rt.run('I2C1.writeTo(0x44, [0x24, 0x00]); try { I2C1.readFrom(0x44, 6); "read" } catch (e) { e.message }')).toBe(
      "jshI2CRead: slave doesn't ACK the transfer",
    );
  });
});

const AHT20_DRIVER = `${CRC8_SENSIRION}
function ahtRead(done) {
  I2C1.setup({sda: D21, scl: D22});
  I2C1.writeTo(0x38, [0xBE, 0x08, 0x00]);
  I2C1.writeTo(0x38, [0xAC, 0x33, 0x00]);
  var busyAtOnce = (I2C1.readFrom(0x38, 1)[0] & 0x80) !== 0;
  function poll() {
    var d = I2C1.readFrom(0x38, 7);
    if (d[0] & 0x80) return setTimeout(poll, 10);
    if (crc8(d, 0, 6) !== d[6]) return done("crc error");
    var rh = ((d[1] << 12) | (d[2] << 4) | (d[3] >> 4)) / 1048576 * 100;
    var t = (((d[3] & 0x0F) << 16) | (d[4] << 8) | d[5]) / 1048576 * 200 - 50;
    done(null, t, rh, busyAtOnce, (d[0] & 0x08) !== 0);
  }
  setTimeout(poll, 80);
}`;

describe('AHT20', () => {
  it('initialises, measures (busy first), and answers with a CRC', async () => {
    const { rt, line } = start({ i2c: [new Aht20({ values: { temperature: 19.75, humidity: 33.3 } })] });
    rt.run(
      `${AHT20_DRIVER} ahtRead(function (err, t, h, busy, calibrated) { print("aht " + err + " " + t.toFixed(2) + " " + h.toFixed(1) + " " + busy + " " + calibrated); });`,
    );
    expect(await line('aht ')).toBe('aht null 19.75 33.3 true true');
  });

  it('a corrupted CRC is observable', async () => {
    const { rt, line } = start({ i2c: [new Aht20({ badCrc: true })] });
    rt.run(`${AHT20_DRIVER} ahtRead(function (err) { print("aht " + err); });`);
    expect(await line('aht ')).toBe('aht crc error');
  });
});

const DS18B20_DRIVER = `${CRC8_DALLAS}
function dsRead(pin, waitMs, done) {
  var ow = new OneWire(pin);
  var roms = ow.search();
  if (!ow.reset()) return done("no sensor", roms);
  var romBytes = [];
  for (var i = 0; i < 16; i += 2) romBytes.push(parseInt(roms[0].substr(i, 2), 16));
  var romOk = dallasCrc(romBytes, 7) === romBytes[7];
  ow.select(roms[0]);
  ow.write(0x44, true);
  setTimeout(function () {
    ow.reset();
    ow.select(roms[0]);
    ow.write(0xBE);
    var s = ow.read(9);
    if (dallasCrc(s, 8) !== s[8]) return done("crc error", roms);
    var raw = (s[1] << 8) | s[0];
    if (raw & 0x8000) raw -= 0x10000;
    done(null, roms, romOk, raw / 16);
  }, waitMs);
}`;

describe('DS18B20', () => {
  it('is found by search with a valid ROM, converts, and returns a CRC-checked scratchpad', async () => {
    const { rt, line } = start({ oneWire: [new Ds18b20({ pin: 4, temperature: -10.125 })] });
    rt.run(
      `${DS18B20_DRIVER} dsRead(D4, 760, function (err, roms, romOk, t) { print("ds " + err + " " + roms.length + " " + roms[0].substr(0, 2) + " " + romOk + " " + t); });`,
    );
    expect(await line('ds ')).toBe('ds null 1 28 true -10.125');
  });

  it('reads the 85 °C power-on value when the driver does not wait for the conversion', async () => {
    const { rt, line } = start({ oneWire: [new Ds18b20({ pin: 4, temperature: 21 })] });
    rt.run(`${DS18B20_DRIVER} dsRead(D4, 1, function (err, roms, romOk, t) { print("ds " + err + " " + t); });`);
    expect(await line('ds ')).toBe('ds null 85');
  });

  it('a bad CRC and a missing presence pulse are observable', async () => {
    const bad = start({ oneWire: [new Ds18b20({ pin: 4, badCrc: true })] });
    bad.rt.run(`${DS18B20_DRIVER} dsRead(D4, 760, function (err) { print("ds " + err); });`);
    expect(await bad.line('ds ')).toBe('ds crc error');
    const absent = start({ oneWire: [new Ds18b20({ pin: 4, present: false })] });
    absent.rt.run(`${DS18B20_DRIVER} dsRead(D4, 760, function (err, roms) { print("ds " + err + " " + roms.length); });`);
    expect(await absent.line('ds ')).toBe('ds no sensor 0');
  });
});

// Written like Espruino's own DHT22 module: hold low 1 ms, release, decode falling-edge periods.
const DHT22_DRIVER = `
function dhtRead(pin, done) {
  var d = "";
  pinMode(pin);
  digitalWrite(pin, 0);
  var watch = setWatch(function (t) { d += 0 | (t.time - t.lastTime > 0.0001); }, pin, {edge: "falling", repeat: true});
  setTimeout(function () { pinMode(pin, "input_pullup"); }, 1);
  setTimeout(function () {
    clearWatch(watch);
    if (d.length < 42) return done("no answer " + d.length);
    var b = [];
    for (var i = 0; i < 5; i++) b.push(parseInt(d.substr(2 + 8 * i, 8), 2));
    if (((b[0] + b[1] + b[2] + b[3]) & 0xFF) !== b[4]) return done("checksum error");
    var h = ((b[0] << 8) | b[1]) / 10, t = (((b[2] & 0x7F) << 8) | b[3]) / 10;
    if (b[2] & 0x80) t = -t;
    done(null, t, h, d.length, d.substr(0, 2));
  }, 50);
}`;

describe('DHT22', () => {
  it('answers a start pulse with 2 preamble pulses and 40 data bits as falling-edge periods', async () => {
    const dht = new Dht22({ pin: 15, values: { temperature: -3.4, humidity: 87.6 } });
    const { rt, line } = start({ pinDevices: [dht] });
    rt.run(`${DHT22_DRIVER} dhtRead(D15, function (err, t, h, n, pre) { print("dht " + err + " " + t + " " + h + " " + n + " " + pre); });`);
    expect(await line('dht ')).toBe('dht null -3.4 87.6 42 01');
    expect(dht.answers).toBe(1);
  });

  it('a start pulse released in the same synchronous run is too short to answer', () => {
    const dht = new Dht22({ pin: 15 });
    const { rt } = start({ pinDevices: [dht] });
    rt.run('pinMode(D15); digitalWrite(D15, 0); pinMode(D15, "input_pullup");');
    expect(dht.answers).toBe(0);
  });

  it('a wrong checksum is observable; an absent sensor never answers', async () => {
    const bad = start({ pinDevices: [new Dht22({ pin: 15, badChecksum: true })] });
    bad.rt.run(`${DHT22_DRIVER} dhtRead(D15, function (err) { print("dht " + err); });`);
    expect(await bad.line('dht ')).toBe('dht checksum error');
    const absent = start({ pinDevices: [new Dht22({ pin: 15, present: false })] });
    absent.rt.run(`${DHT22_DRIVER} dhtRead(D15, function (err) { print("dht " + err); });`);
    expect(await absent.line('dht ')).toBe('dht no answer 0');
  });
});

describe('analog and digital inputs', () => {
  it('analogRead returns the level the host set; digitalRead the input level', () => {
    const { rt } = start({ analog: { 36: 0.25 }, digital: { 27: 1 } });
    expect(rt.run('analogRead(D36)')).toBe(0.25);
    rt.pins.setAnalog(36, 0.75);
    expect(rt.run('[analogRead(D36), digitalRead(D27)]')).toEqual([0.75, 1]);
  });
});

describe('devicesForSensors', () => {
  const sensors = [
    { type: 'sim', measurement: 'temperature' },
    { type: 'bme280', address: 118, sda: 21, scl: 22 },
    { type: 'sht3x', address: 68 },
    { type: 'aht20' },
    { type: 'ds18b20', pin: 4 },
    { type: 'dht22', pin: 15 },
    { type: 'analog', pin: 36, measurement: 'battery', scale: 7.2, offset: 0 },
    { type: 'binary', pin: 27, measurement: 'door', invert: true, debounce: 50 },
  ];

  it('creates plausible devices for every entry of a node config', async () => {
    const devices = devicesForSensors(sensors, 42);
    const { rt, line } = start(devices);
    rt.run(`${BME280_DRIVER}${SHT3X_DRIVER}${DS18B20_DRIVER}
      bmeRead(0x76, function (id, t, p, h) { print("bme " + (t > 10 && t < 35) + " " + (p > 95000 && p < 106000) + " " + (h > 20 && h < 80)); });
      shtRead(function (err, t, h) { print("sht " + err + " " + (t > 10 && t < 35) + " " + (h > 20 && h < 80)); });
      dsRead(D4, 760, function (err, roms, romOk, t) { print("ds " + err + " " + romOk + " " + (t > 10 && t < 35)); });
      var battery = analogRead(D36) * 7.2; print("battery " + (battery > 3.5 && battery < 4.3));
      print("door " + digitalRead(D27));
      I2C1.writeTo(0x38, [0xAC, 0x33, 0x00]); print("aht present");
    `);
    expect(await line('bme ')).toBe('bme true true true');
    expect(await line('sht ')).toBe('sht null true true');
    expect(await line('ds ')).toBe('ds null true true');
    expect(await line('battery ')).toBe('battery true');
    expect(await line('door ')).toBe('door 1');
    expect(await line('aht ')).toBe('aht present');
  });

  it('is reproducible for a seed and needs no devices for sim sensors', () => {
    const romOf = (d: SimDevices) => (d.oneWire![0] as Ds18b20).rom.join();
    expect(romOf(devicesForSensors(sensors, 7))).toBe(romOf(devicesForSensors(sensors, 7)));
    const none = devicesForSensors([{ type: 'sim', measurement: 'temperature' }]);
    expect([none.i2c, none.oneWire, none.pinDevices, none.binary]).toEqual([[], [], [], []]);
  });
});
