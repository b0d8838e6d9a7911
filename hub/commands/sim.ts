// `roomlink sim --config node.json`: runs dist/firmware.js, unchanged, in the host Espruino
// runtime as a simulated node: the config goes to Storage `roomlink.json`, the firmware to
// `.bootcde`, simulated devices are wired for the config's sensors, and the board's console
// is printed here. --broker overrides the config's mqtt host/port (and credentials, if the
// URL has them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { checkNodeConfig, type NodeConfig } from '../../shared/node-config.ts';
import { EspruinoRuntime } from '../espruino/runtime.ts';
import { devicesForSensors } from '../espruino/devices/index.ts';
import { ensureFirmwareBuilt } from '../toolchain/build.ts';

const USAGE = `Usage: roomlink sim --config node.json [--broker URL] [--storage DIR] [--board esp32|linux]

Runs dist/firmware.js (built if missing or stale) in the host Espruino runtime as a
simulated node, with simulated sensors for its config, and prints the board's console.
  --config FILE    the node config (what \`roomlink flash\` would write to roomlink.json)
  --broker URL     MQTT broker, e.g. mqtt://127.0.0.1:1883 (overrides mqtt.host/port)
  --storage DIR    keep the board's Storage here (queued readings survive restarts);
                   default: a temporary folder removed on exit
  --board B        linux (default: no WiFi module, network taken as up) or esp32
                   (simulated WiFi access point from the config's wifi section)`;

/** Applies --broker to a config: host, port and any user:password@ from the URL. */
export function withBroker(config: NodeConfig, url: string): NodeConfig {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`--broker: only mqtt:// URLs are supported by the firmware, got ${u.protocol}//`);
  const mqtt = { ...(config.mqtt ?? { keepalive: 60, port: 1883, host: '' }) };
  mqtt.host = u.hostname;
  mqtt.port = u.port ? Number(u.port) : 1883;
  if (u.username) mqtt.username = decodeURIComponent(u.username);
  if (u.password) mqtt.password = decodeURIComponent(u.password);
  return { ...config, mqtt };
}

export const command: Command = {
  summary: 'run dist/firmware.js in the host runtime as a simulated node',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: {
          config: { type: 'string', short: 'c' },
          broker: { type: 'string' },
          storage: { type: 'string' },
          board: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      console.error(`roomlink sim: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const { values } = parsed;
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.config) {
      console.error(`roomlink sim: --config is required\n\n${USAGE}`);
      return 2;
    }
    const board = values.board ?? 'linux';
    if (board !== 'linux' && board !== 'esp32') {
      console.error(`roomlink sim: --board must be esp32 or linux, got '${board}'`);
      return 2;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.config, 'utf8'));
    } catch (err) {
      console.error(`roomlink sim: cannot read ${values.config}: ${(err as Error).message}`);
      return 2;
    }
    const checked = checkNodeConfig(raw);
    if (!checked.ok) {
      console.error(`roomlink sim: ${values.config} is not a valid node config:\n  ${checked.errors.join('\n  ')}`);
      return 2;
    }
    let config = checked.config;
    if (values.broker) {
      try {
        config = withBroker(config, values.broker);
      } catch (err) {
        console.error(`roomlink sim: ${(err as Error).message}`);
        return 2;
      }
    }
    const firmware = await ensureFirmwareBuilt();
    const storageDir = values.storage ? resolve(values.storage) : mkdtempSync(join(tmpdir(), 'roomlink-sim-'));
    const runtime = new EspruinoRuntime({
      storageDir,
      board,
      devices: devicesForSensors(config.sensors),
      accessPoint: config.wifi ? { ssid: config.wifi.ssid, password: config.wifi.password } : undefined,
      onOutput: (text) => process.stdout.write(text),
    });
    runtime.on('deepSleep', (us: number) => process.stderr.write(`[sim] deep sleep for ${us / 1e6} s\n`));
    runtime.on('watchdog', () => process.stderr.write('[sim] watchdog reset\n'));
    runtime.storage.write('roomlink.json', JSON.stringify(config));
    runtime.storage.write('.bootcde', readFileSync(firmware.path, 'utf8'));
    process.stderr.write(`[sim] ${firmware.path} (${firmware.bytes} bytes) on a simulated ${board} board, Storage in ${storageDir}; Ctrl-C stops\n`);
    runtime.boot();
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    runtime.stop();
    if (!values.storage) rmSync(storageDir, { recursive: true, force: true });
    return 0;
  },
};
