// `roomlink sim --config node.json`: runs dist/firmware.js, unchanged, in the host Espruino
// runtime as a simulated node: the config goes to Storage `roomlink.json`, the firmware to
// `.bootcde`, simulated devices are wired for the config's sensors, and the board's console
// is printed here. --broker overrides the config's mqtt host/port (and credentials, if the
// URL has them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from '../cli.ts';
import type { NodeConfig } from '../../shared/node-config.ts';
import { HELP_FLAG, parseCommandLine, usageText, UsageError, type FlagSpec } from '../../hub/config/args.ts';
import { loadNodeConfigFile } from '../../tools/flash/node-config-file.ts';
import { firmwareBuildProgress } from './progress.ts';
import { listenForStop } from './signals.ts';
import { EspruinoRuntime } from '../../espruino-host/runtime.ts';
import { devicesForSensors } from '../../espruino-host/devices/index.ts';
import { ensureFirmwareBuilt, type FirmwareBuild } from '../../tools/toolchain/build.ts';

const SIM_FLAGS: readonly FlagSpec[] = [
  {
    flag: '--config',
    short: 'c',
    kind: 'path',
    metavar: 'FILE',
    help: 'the node config (what `roomlink flash` would write to roomlink.json); comments allowed',
  },
  { flag: '--broker', kind: 'string', metavar: 'URL', help: 'MQTT broker, e.g. mqtt://127.0.0.1:1883 (overrides mqtt.host/port; user:password@ too)' },
  {
    flag: '--storage',
    kind: 'path',
    metavar: 'DIR',
    help: "keep the board's Storage here (queued readings survive restarts; files readable by you only); default: a temporary folder removed on exit",
  },
  {
    flag: '--board',
    kind: 'string',
    metavar: 'B',
    help: "linux (default: no WiFi module, network taken as up) or esp32 (simulated WiFi access point from the config's wifi section)",
  },
  HELP_FLAG,
];

export function simUsage(): string {
  return usageText({
    synopsis: 'roomlink sim --config node.json [--broker URL] [--storage DIR] [--board esp32|linux]',
    about:
      'Runs dist/firmware.js (built if missing or stale) in the host Espruino runtime as a\n' +
      "simulated node, with simulated sensors for its config, and prints the board's console.",
    flags: SIM_FLAGS,
  });
}

/** Applies --broker to a config: host, port and any user:password@ from the URL. */
export function withBroker(config: NodeConfig, url: string): NodeConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--broker: "${url}" is not a URL (e.g. mqtt://127.0.0.1:1883)`);
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`--broker: only mqtt:// URLs are supported by the firmware, got ${u.protocol}//`);
  const mqtt = { ...(config.mqtt ?? { keepalive: 60, port: 1883, host: '' }) };
  mqtt.host = u.hostname;
  mqtt.port = u.port ? Number(u.port) : 1883;
  if (u.username) mqtt.username = decodeURIComponent(u.username);
  if (u.password) mqtt.password = decodeURIComponent(u.password);
  return { ...config, mqtt };
}

export const command: Command = {
  flags: SIM_FLAGS,
  async run(argv) {
    const { values } = parseCommandLine(argv, SIM_FLAGS);
    if (values.help) {
      console.log(simUsage());
      return 0;
    }
    if (!values.config) throw new UsageError('missing --config (a node config; write one with `roomlink config init`)');
    const stop = listenForStop();
    const board = (values.board ?? 'linux') as string;
    if (board !== 'linux' && board !== 'esp32') throw new UsageError(`--board must be esp32 or linux (got "${board}")`);
    // The same reader as `config check` and `flash`: comments allowed, every problem named.
    let { config } = await loadNodeConfigFile(values.config as string);
    if (values.broker) {
      try {
        config = withBroker(config, values.broker as string);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const progress = firmwareBuildProgress('[sim] ');
    let firmware: FirmwareBuild;
    try {
      firmware = await ensureFirmwareBuilt({ onBuild: progress.onBuild });
      progress.finish(true);
    } catch (err) {
      progress.finish(false);
      throw err;
    }
    // The board's Storage holds roomlink.json with the passwords in it. A temporary one goes on
    // every way out: signal, error, or the process ending otherwise ('exit' runs on all of them).
    const keep = values.storage !== undefined;
    const storageDir = keep ? resolve(values.storage as string) : mkdtempSync(join(tmpdir(), 'roomlink-sim-'));
    const removeStorage = () => {
      if (!keep) rmSync(storageDir, { recursive: true, force: true });
    };
    process.on('exit', removeStorage);
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
    const signal = await stop.received;
    try {
      runtime.stop();
    } finally {
      removeStorage();
      process.off('exit', removeStorage);
      stop.dispose();
    }
    process.stderr.write(`[sim] stopped (${signal})${keep ? `; Storage kept in ${storageDir}` : ''}\n`);
    return 0;
  },
};
