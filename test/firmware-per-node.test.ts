// Firmware built per node: `roomlink build|flash --config` bundles only the drivers the
// node's sensors use (tools/toolchain/drivers.ts), and such a build runs its sensors in the
// host runtime like the generic one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Bme280, Pms5003, Scd4x } from '../espruino-host/devices/index.ts';
import { buildFirmware, ensureFirmwareBuilt, PROJECT_ROOT } from '../tools/toolchain/build.ts';
import { DRIVER_MODULES, driverModulesFor, driversSource, firmwareStem } from '../tools/toolchain/drivers.ts';
import { commandLine, decodeLine } from '../shared/line-protocol.ts';
import { sensorTypes } from '../shared/node-config.ts';
import { SimNode } from './firmware-node.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const out = mkdtempSync(join(tmpdir(), 'roomlink-pernode-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('which drivers a node gets', () => {
  test('every sensor type has a driver module; a node gets each module once, sorted', () => {
    for (const type of sensorTypes()) expect(driverModulesFor([type]).length).toBe(1);
    expect(driverModulesFor(['bmp280', 'scd4x', 'bme280', 'pms5003'])).toEqual(['bme280', 'pms5003', 'scd4x']);
    expect(() => driverModulesFor(['bme680'])).toThrow('no driver for sensor type "bme680"');
    expect(firmwareStem(['scd4x', 'bme280'])).toBe('firmware-bme280-scd4x');
    expect(DRIVER_MODULES.at(-1)!.module).toBe('sim');
  });

  test("the checked-in firmware/sensors/index.ts is the generic build's, every driver with sim as the fallback", () => {
    expect(readFileSync(join(PROJECT_ROOT, 'firmware/sensors/index.ts'), 'utf8')).toBe(driversSource('all'));
  });
});

describe('per-node builds', () => {
  test('bundle only their drivers, and are smaller than the generic build', async () => {
    const generic = await ensureFirmwareBuilt();
    const bme = await buildFirmware({ outDir: out, drivers: driverModulesFor(['bme280']) });
    const kitchen = await buildFirmware({ outDir: out, drivers: driverModulesFor(['scd4x', 'pms5003', 'bme280']) });
    expect(bme.minifiedPath).toBe(join(out, 'firmware-bme280.min.js'));
    const bmeCode = readFileSync(bme.path, 'utf8');
    const kitchenCode = readFileSync(kitchen.path, 'utf8');
    // Driver messages name their part: absent when the driver is not bundled.
    expect(bmeCode).toContain('BME280');
    // Driver messages name their part (config check names some parts too: hence "at 0x..", "on GPIO",
    // and for the UART parts whose "no answer" is worded by uart.ts, their checksum message).
    const drivers = [
      'SCD4x at 0x62',
      'PMS5003: checksum mismatch',
      'MH-Z19: checksum mismatch',
      'BH1750 at 0x',
      'HTU21D at 0x40',
      'LD2410 on GPIO',
      'SHT3x at',
      'DS18B20 on',
    ];
    for (const part of drivers) expect(bmeCode).not.toContain(part);
    expect(kitchenCode).toContain('SCD4x at 0x62');
    expect(kitchenCode).toContain('PMS5003: checksum mismatch');
    expect(kitchenCode).not.toContain('LD2410 on GPIO');
    expect(bme.minifiedBytes).toBeLessThan(kitchen.minifiedBytes);
    expect(kitchen.minifiedBytes).toBeLessThan(generic.minifiedBytes);
  });

  test('a node with SCD41, PMS5003 and BME280 publishes all its measurements from its own build', async () => {
    const build = await buildFirmware({ outDir: out, drivers: driverModulesFor(['scd4x', 'pms5003', 'bme280']) });
    const code = readFileSync(build.minifiedPath, 'utf8');
    const config = {
      node: 'kitchen-2',
      room: 'kitchen',
      transport: 'serial',
      interval: 1,
      sensors: [{ type: 'scd4x', measurements: ['carbon_dioxide'] }, { type: 'pms5003' }, { type: 'bme280' }],
    };
    const devices = {
      i2c: [
        new Scd4x({ periodMs: 200, values: { co2: 950, temperature: 24, humidity: 52 } }),
        new Bme280({ values: { temperature: 23.5, pressure: 100800, humidity: 50 } }),
      ],
      uart: [new Pms5003({ values: { pm1: 12, pm25: 19, pm10: 26 } })],
    };
    const node = new SimNode(config, code, { devices }).boot().actAsHub();
    try {
      node.runtime.run('setTime(getTime() + 31)'); // the PMS5003's fan has run its 30 s
      const seen = await waitFor(
        'every measurement',
        () => {
          const m = new Map<string, number | boolean>();
          for (const l of node.lines) {
            const d = decodeLine(l);
            if (d.kind === 'reading') for (const v of d.reading.values) m.set(v.measurement, v.value);
          }
          return m.size === 7 ? m : undefined;
        },
        15_000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${node.lines.join('\n')}`);
      });
      expect(Object.fromEntries(seen)).toMatchObject({ carbon_dioxide: 950, pm1: 12, pm25: 19, pm10: 26 });
      expect(seen.get('pressure')).toBeCloseTo(1008, 1);
      expect(seen.get('temperature')).toBeCloseTo(23.5, 1);
    } finally {
      node.dispose();
    }
  });

  test('a config changed after flashing to a type the build lacks says so on info', async () => {
    const build = await buildFirmware({ outDir: out, drivers: ['bme280'] });
    const code = readFileSync(build.minifiedPath, 'utf8');
    const node = new SimNode({ node: 'hall-1', room: 'hall', transport: 'serial', interval: 1, sensors: [{ type: 'bme280' }, { type: 'bh1750' }] }, code, {
      devices: { i2c: [new Bme280()] },
    })
      .boot()
      .actAsHub();
    try {
      const info = await waitFor(
        'the missing driver on info',
        () => {
          const found = node.lines.find((l) => l.includes('no bh1750 driver in this firmware'));
          if (!found) node.runtime.run(commandLine({ info: true }).slice(1, -1));
          return found;
        },
        10_000,
        300,
      );
      expect(info).toContain('no bh1750 driver in this firmware (built for bme280): flash again with roomlink flash --config');
    } finally {
      node.dispose();
    }
  });
});
