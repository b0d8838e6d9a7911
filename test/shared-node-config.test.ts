import { describe, expect, it } from 'vitest';
import { checkNodeConfig, nodeMeasurements, redactNodeConfig } from '../shared/node-config.ts';

const kitchen = {
  node: 'kitchen-1',
  room: 'kitchen',
  wifi: { ssid: 'home', password: 'wifi-secret' },
  mqtt: { host: '192.0.2.10', username: 'node', password: 'mqtt-secret' },
  sensors: [
    { type: 'bme280', address: 0x76 },
    { type: 'binary', pin: 27, measurement: 'motion', debounce: 50 },
  ],
};

describe('node config', () => {
  it('accepts a valid config and fills defaults', () => {
    const check = checkNodeConfig(structuredClone(kitchen));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.config).toMatchObject({ transport: 'wifi', interval: 60, sleep: 0, mqtt: { port: 1883, keepalive: 60 } });
    expect(nodeMeasurements(check.config)).toEqual(['temperature', 'humidity', 'pressure', 'motion']);
  });

  it('needs no WiFi or MQTT for a serial node', () => {
    expect(checkNodeConfig({ node: 'desk', room: 'office', transport: 'serial', sensors: [{ type: 'sim', measurement: 'temperature' }] }).ok).toBe(true);
  });

  it.each([
    [{ ...kitchen, node: 'Kitchen/1' }, 'node:'],
    [{ ...kitchen, room: 'a+b' }, "room: room 'a+b'"],
    [{ ...kitchen, node: 'bridge' }, 'reserved'],
    [{ ...kitchen, interval: 0 }, 'interval:'],
    [{ ...kitchen, mqtt: undefined }, 'mqtt: required'],
    [{ ...kitchen, mqtt: { host: 'h', port: 70000 } }, 'mqtt.port'],
    [{ ...kitchen, sensors: [] }, 'sensors: must be a non-empty list'],
    [{ ...kitchen, sensors: [{ type: 'bme680' }] }, 'sensors[0].type'],
    [{ ...kitchen, sensors: [{ type: 'ds18b20' }] }, 'sensors[0].pin'],
    [{ ...kitchen, sensors: [{ type: 'binary', pin: 4, measurement: 'temperature' }] }, 'sensors[0].measurement: a binary input'],
    [{ ...kitchen, sensors: [{ type: 'bme280', addres: 118 }] }, 'sensors[0].addres: unknown key'],
    [{ ...kitchen, sensors: [{ type: 'sht3x', filters: { average: 0 } }] }, 'sensors[0].filters.average'],
    [{ ...kitchen, sensors: [{ type: 'bme280' }, { type: 'ds18b20', pin: 4 }] }, 'sensors[1]: also measures temperature'],
    [{ ...kitchen, topics: { readings: 'home/#' } }, 'topics.readings'],
    [{ ...kitchen, wifii: {} }, 'wifii: unknown key'],
  ])('refuses %j naming the key', (config, message) => {
    const check = checkNodeConfig(config);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join('\n')).toContain(message);
  });

  it.each([
    [{ ...kitchen, board: 'esp8266' }, 'board: must be "esp32" (default), "esp32c3" or "esp32s3"'],
    // ESP32-C3: one I2C bus, GPIO 0..21, no default I2C pins.
    [
      {
        ...kitchen,
        board: 'esp32c3',
        sensors: [
          { type: 'bme280', sda: 8, scl: 9 },
          { type: 'sht3x', sda: 4, scl: 5, measurements: ['humidity'] },
        ],
      },
      'sensors[1]: I2C pins 4/5 would need I2C bus 2, and esp32c3 has 1',
    ],
    [{ ...kitchen, board: 'esp32c3', sensors: [{ type: 'bme280' }] }, 'sensors[0]: set "sda" and "scl" on the ESP32-C3'],
    [{ ...kitchen, board: 'esp32c3', sensors: [{ type: 'ds18b20', pin: 27 }] }, 'sensors[0].pin: must be a GPIO number 0..21 on esp32c3'],
    // Classic ESP32: two buses, GPIO 0..39, and 34..39 have no pull-ups.
    [
      {
        ...kitchen,
        sensors: [
          { type: 'bme280' },
          { type: 'sht3x', sda: 16, scl: 17, measurements: ['humidity'] },
          { type: 'aht20', sda: 4, scl: 5, measurements: ['humidity'] },
        ],
      },
      'sensors[2]: I2C pins 4/5 would need I2C bus 3, and esp32 has 2',
    ],
    [{ ...kitchen, sensors: [{ type: 'ds18b20', pin: 40 }] }, 'sensors[0].pin: must be a GPIO number 0..39 on esp32'],
    [{ ...kitchen, sensors: [{ type: 'binary', pin: 35, measurement: 'door' }] }, 'sensors[0].pin: GPIO 34-39 have no internal pull-up'],
    // ESP32.deepSleep(us) takes a 32-bit int: an hour of microseconds wraps negative.
    [{ ...kitchen, sleep: 3600 }, 'sleep: must be 0..2147 seconds'],
  ])('knows the board: refuses %j', (config, message) => {
    const check = checkNodeConfig(config);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join('\n')).toContain(message);
  });

  it('takes what the board has: C3 with one bus on its own pins, an external pull-up on GPIO 35, S3 pins above 39', () => {
    expect(
      checkNodeConfig({
        ...structuredClone(kitchen),
        board: 'esp32c3',
        sensors: [
          { type: 'bme280', sda: 8, scl: 9 },
          { type: 'binary', pin: 3, measurement: 'door' },
        ],
      }).ok,
    ).toBe(true);
    expect(checkNodeConfig({ ...structuredClone(kitchen), sensors: [{ type: 'binary', pin: 35, measurement: 'door', pullup: false }] }).ok).toBe(true);
    expect(checkNodeConfig({ ...structuredClone(kitchen), board: 'esp32s3', sensors: [{ type: 'ds18b20', pin: 45 }] }).ok).toBe(true);
    // Two buses on the classic ESP32, sensors sharing the first.
    expect(
      checkNodeConfig({ ...structuredClone(kitchen), sensors: [{ type: 'bmp280' }, { type: 'sht3x', measurements: ['humidity'], sda: 16, scl: 17 }] }).ok,
    ).toBe(true);
  });

  it('lets a multi-measurement sensor publish a subset', () => {
    const check = checkNodeConfig({
      ...structuredClone(kitchen),
      sensors: [
        { type: 'bme280', measurements: ['pressure'] },
        { type: 'ds18b20', pin: 4 },
      ],
    });
    expect(check.ok).toBe(true);
    if (check.ok) expect(nodeMeasurements(check.config)).toEqual(['pressure', 'temperature']);
  });

  it('never throws on junk', () => {
    for (const junk of [null, 42, 'x', [], { sensors: 'x' }, { sensors: [null, 1, 'a'] }, { mqtt: 5, wifi: [] }]) {
      expect(() => checkNodeConfig(junk)).not.toThrow();
      expect(checkNodeConfig(junk).ok).toBe(false);
    }
  });

  it('redacts passwords', () => {
    const check = checkNodeConfig(structuredClone(kitchen));
    if (!check.ok) throw new Error('invalid');
    const shown = JSON.stringify(redactNodeConfig(check.config));
    expect(shown).not.toContain('secret');
    expect(JSON.stringify(check.config)).toContain('wifi-secret');
  });

  describe('air, light and presence sensors', () => {
    const node = (sensors: object[], extra: object = {}) => checkNodeConfig({ node: 'n', room: 'r', transport: 'serial', sensors, ...extra });
    const errors = (sensors: object[], extra: object = {}) => {
      const c = node(sensors, extra);
      return c.ok ? [] : c.errors;
    };

    it('accepts a kitchen with SCD41, PMS5003 and BME280 and knows what each measures', () => {
      const c = node([{ type: 'scd4x', measurements: ['carbon_dioxide'], altitude: 450 }, { type: 'pms5003' }, { type: 'bme280' }]);
      expect(c.ok).toBe(true);
      if (!c.ok) return;
      expect(nodeMeasurements(c.config)).toEqual(['carbon_dioxide', 'pm1', 'pm25', 'pm10', 'temperature', 'humidity', 'pressure']);
      const all = node([{ type: 'mhz19', abc: false }, { type: 'ld2410', rx: 25, tx: 26 }, { type: 'bh1750', address: 0x5c, mtreg: 138 }, { type: 'htu21d' }]);
      expect(all.ok).toBe(true);
      if (all.ok) expect(nodeMeasurements(all.config)).toEqual(['carbon_dioxide', 'presence', 'distance', 'illuminance', 'temperature', 'humidity']);
    });

    it('refuses more UART sensors than the board has UARTs for, and two on one pin', () => {
      expect(errors([{ type: 'pms5003' }, { type: 'mhz19', rx: 25, tx: 26 }, { type: 'ld2410', rx: 32, tx: 33 }])).toContainEqual(
        'sensors[2]: ld2410 needs a UART of its own, and esp32 has 2 for sensors (Serial2 and Serial3; Serial1 is the console)',
      );
      expect(
        errors(
          [
            { type: 'pms5003', rx: 5, tx: 4 },
            { type: 'mhz19', rx: 6, tx: 7 },
          ],
          { board: 'esp32c3' },
        ),
      ).toContainEqual('sensors[1]: mhz19 needs a UART of its own, and esp32c3 has 1 for sensors (Serial2; Serial1 is the console)');
      expect(errors([{ type: 'pms5003' }], { board: 'esp32c3' })[0]).toMatch(/set "rx" and "tx" on the ESP32-C3/);
      expect(node([{ type: 'pms5003', rx: 5, tx: 4 }], { board: 'esp32c3' }).ok).toBe(true);
      expect(errors([{ type: 'pms5003' }, { type: 'mhz19', rx: 16, tx: 26 }])).toContainEqual(
        'sensors[1].rx: GPIO 16 is already sensors[0].rx: each UART sensor needs its own rx and tx',
      );
    });

    it('refuses pins the chip cannot give, two devices at one I2C address, and a PMS5003 on a sleeping node', () => {
      expect(errors([{ type: 'mhz19', rx: 9, tx: 17 }])).toContainEqual('sensors[0].rx: GPIO 9 drives the SPI flash on esp32');
      expect(errors([{ type: 'mhz19', rx: 16, tx: 35 }])).toContainEqual('sensors[0].tx: GPIO 35 is input only on esp32');
      expect(errors([{ type: 'ld2410', rx: 3, tx: 17 }])).toContainEqual('sensors[0].rx: GPIO 3 is the console (UART0 to the USB chip) on esp32');
      expect(node([{ type: 'ld2410', rx: 34, tx: 17 }]).ok).toBe(true); // input-only pins can receive
      expect(errors([{ type: 'htu21d' }, { type: 'sht3x', address: 0x40, measurements: ['pressure'] }]).join()).toContain(
        'I2C address 64 on pins 21/22 is taken by sensors[0]',
      );
      expect(errors([{ type: 'bh1750', address: 0x40 }]).join()).toContain('a BH1750 answers at 35 (0x23, ADDR low) or 92 (0x5C, ADDR high)');
      expect(errors([{ type: 'bh1750', mtreg: 20 }]).join()).toContain('mtreg: must be a whole number 31..254');
      expect(errors([{ type: 'scd4x', altitude: 4000 }]).join()).toContain('altitude: must be 0..3000 m');
      expect(errors([{ type: 'mhz19', abc: 'yes' }]).join()).toContain('abc: must be true or false');
      expect(errors([{ type: 'pms5003' }], { transport: 'wifi', wifi: { ssid: 'x' }, mqtt: { host: 'h' }, sleep: 300 }).join()).toContain('use "sleep": 0');
    });
  });
});
