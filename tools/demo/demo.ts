// `roomlink demo`, what `npm start` runs: the embedded broker, the hub, and two simulated
// nodes running the real dist/firmware.js in the host runtime — kitchen-1 over a serial
// link into the hub, living-1 over MQTT straight to the broker, as a WiFi node would.
// Built in order, stopped in reverse; nothing here needs hardware, socat or Mosquitto.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { checkNodeConfig, type NodeConfig } from '../../shared/node-config.ts';
import { bridgeStatusTopic, DEFAULT_PREFIXES, haBirthTopic } from '../../shared/topics.ts';
import { ReplConsole } from '../board/repl-console.ts';
import { accountPermissions } from '../../hub/broker/acl.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../hub/broker/embedded.ts';
import { hubAccount } from '../../hub/broker/from-settings.ts';
import { loadHubSettings } from '../../hub/config/load.ts';
import { devicesForSensors } from '../../espruino-host/devices/index.ts';
import { EspruinoRuntime } from '../../espruino-host/runtime.ts';
import { createHub, type Hub } from '../../hub/hub.ts';
import type { Logger } from '../../hub/log.ts';
import { ensureFirmwareBuilt } from '../toolchain/build.ts';
import { LiveTable } from './live-table.ts';
import { VirtualSerialBinding } from './virtual-serial.ts';

export interface DemoOptions {
  /** Broker port (default 1883; 0 picks a free one). */
  port: number;
  /** Seconds between readings on the simulated nodes (default 5). */
  interval?: number;
  log: Logger;
  /** Where the dashboard listens (HOST:PORT; default 127.0.0.1:8080), or false for none. */
  http?: string | false;
  /** Called for every reading that arrives, with the table it updated. */
  onReading?: (line: string, table: LiveTable) => void;
  /** Called before the firmware is built (seconds), with why; see ensureFirmwareBuilt. */
  onFirmwareBuild?: (why: string) => void;
  /** Called once the firmware is there (built or not). */
  onFirmwareReady?: () => void;
}

export interface Demo {
  url: string;
  port: number;
  /** The dashboard's address, unless it is off. */
  dashboardUrl: string | undefined;
  table: LiveTable;
  stop(): Promise<void>;
}

/** The serial path the hub opens for kitchen-1 (an in-process wire, not a device). */
export const KITCHEN_PORT = 'demo:kitchen-1';

/** living-1's account on the demo broker: a WiFi node may publish only its own topics. */
export interface DemoNodeLogin {
  username: string;
  password: string;
}

export function demoNodes(port: number, interval: number, login?: DemoNodeLogin): NodeConfig[] {
  const raw = [
    {
      node: 'kitchen-1',
      room: 'kitchen',
      transport: 'serial',
      interval,
      sensors: [
        { type: 'sim', measurement: 'temperature', seed: 1 },
        { type: 'sim', measurement: 'humidity', seed: 2 },
        { type: 'binary', pin: 27, measurement: 'motion' },
        // Simulated SCD41 (I2C) and PMS5003 (UART) in one room's air: cooking now and then
        // shows as CO2 and PM2.5 rising together (espruino-host/devices/air.ts).
        { type: 'scd4x', measurements: ['carbon_dioxide'] },
        { type: 'pms5003' },
      ],
    },
    {
      node: 'living-1',
      room: 'living_room',
      transport: 'wifi',
      mqtt: login ? { host: '127.0.0.1', port, username: login.username, password: login.password } : { host: '127.0.0.1', port },
      interval,
      sensors: [
        { type: 'sim', measurement: 'temperature', seed: 3 },
        { type: 'sim', measurement: 'pressure', seed: 4 },
      ],
    },
  ];
  return raw.map((r) => {
    const check = checkNodeConfig(r);
    if (!check.ok) throw new Error(`demo node config ${r.node}: ${check.errors.join('; ')}`);
    return check.config;
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { log } = options;
  const interval = options.interval ?? 5;
  const dataDir = mkdtempSync(join(tmpdir(), 'roomlink-demo-'));
  // Whatever ends the process (an error, a second Ctrl-C), the temporary data goes with it.
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  process.on('exit', removeData);
  const stops: (() => Promise<void> | void)[] = [
    () => {
      removeData();
      process.off('exit', removeData);
    },
  ];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        log.warn('while stopping the demo', { error: (err as Error).message });
      }
    }
  };
  try {
    const firmware = await ensureFirmwareBuilt({ onBuild: options.onFirmwareBuild });
    options.onFirmwareReady?.();
    const code = readFileSync(firmware.path, 'utf8');

    // Accounts as a real set-up has them, with passwords that live only in this process:
    // the hub's, and living-1's as a WiFi node. Anonymous clients (the table below,
    // mosquitto_sub, roomlink watch, a Home Assistant on this machine) may do what the
    // homeassistant role may: read everything, send commands and Home Assistant's birth
    // message; readings, node and hub status and discovery stay the hub's and living-1's.
    const roles = { prefixes: DEFAULT_PREFIXES, birthTopic: haBirthTopic(DEFAULT_PREFIXES) };
    const hubLogin = hubAccount();
    const livingLogin: DemoNodeLogin = { username: 'living-1', password: randomBytes(18).toString('base64url') };
    const broker: EmbeddedBroker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: options.port,
      dataDir,
      accounts: [
        hubLogin,
        {
          ...livingLogin,
          permissions: accountPermissions(livingLogin.username, { role: 'node' }, roles),
          internal: true,
        },
      ],
      allowAnonymous: true,
      anonymous: accountPermissions('', { role: 'homeassistant' }, roles),
      log: log.child('broker'),
    });
    stops.push(() => broker.close());
    // Runs after the hub stopped, before the broker closes: see the watcher below.
    let watcherEnd: () => Promise<void> = async () => {};
    stops.push(() => watcherEnd());

    const binding = new VirtualSerialBinding();
    const kitchenWire = binding.wire(KITCHEN_PORT);
    const settings = await loadHubSettings({
      argv: [
        '--broker',
        broker.url,
        '--serial',
        KITCHEN_PORT,
        '--data-dir',
        dataDir,
        '--client-id',
        'roomlink-demo-hub',
        ...(options.http === false ? ['--no-http'] : ['--http', options.http ?? '127.0.0.1:8080']),
      ],
      env: {},
    });
    settings.health.interval = 10;
    settings.mqtt.username = hubLogin.username;
    settings.mqtt.password = hubLogin.password;
    const hub: Hub = createHub(settings, { log: log.child('hub'), binding });
    await hub.start();
    stops.push(() => hub.stop());
    // Runs after the boards stopped (stops run last first): see the watcher below.
    let watcherStop: () => Promise<void> = async () => {};
    stops.push(() => watcherStop());

    const [kitchen, living] = demoNodes(broker.port, interval, livingLogin);
    const boards: EspruinoRuntime[] = [];
    for (const config of [kitchen, living]) {
      const runtime = new EspruinoRuntime({
        storageDir: join(dataDir, config.node),
        board: 'linux',
        serial: config.node,
        devices: devicesForSensors(config.sensors),
      });
      runtime.storage.write('roomlink.json', JSON.stringify(config));
      runtime.storage.write('.bootcde', code);
      boards.push(runtime);
      stops.push(() => runtime.stop());
    }
    // kitchen-1's console is its serial line to the hub; the hub's commands reach its REPL.
    const repl = new ReplConsole({ runtime: boards[0], write: (text) => kitchenWire.deviceWrites(text), board: 'esp32' });
    kitchenWire.onHubWrite = (data) => repl.feed(data);
    stops.push(() => repl.dispose());
    for (const board of boards) board.boot();

    const table = new LiveTable({ ...DEFAULT_PREFIXES, ...settings.topics });
    const watcher: MqttClient = await mqtt.connectAsync(broker.url, { clientId: 'roomlink-demo-table', reconnectPeriod: 500 });
    // At Ctrl-C living-1 drops off like an unplugged board: the broker publishes its Last Will.
    // The broker must not close before that has gone out: wait for it (at most a second).
    // Likewise the hub's last words (its nodes and itself offline): the broker acknowledged
    // them, but closing it at once could cut them off on their way to subscribers such as
    // Home Assistant; once the watcher has them, they have gone out.
    const offline = new Map<string, () => void>();
    /** Resolves once the watcher sees `topic` say offline, or after a second. */
    const offlineOn = (topic: string) => {
      const seen = new Promise<void>((resolve) => offline.set(topic, resolve));
      return () => Promise.race([seen, new Promise<void>((r) => setTimeout(r, 1000))]);
    };
    watcherStop = offlineOn(`${settings.topics.nodes}/${living.node}/status`);
    const hubOffline = offlineOn(bridgeStatusTopic({ ...DEFAULT_PREFIXES, ...settings.topics }));
    watcherEnd = async () => {
      await hubOffline();
      await watcher.endAsync(true);
    };
    watcher.on('message', (topic, payload) => {
      if (payload.toString() === 'offline') offline.get(topic)?.();
      const row = table.update(topic, payload.toString(), Date.now());
      if (row) options.onReading?.(LiveTable.line(row), table);
    });
    await watcher.subscribeAsync([`${settings.topics.discovery}/device/+/config`, `${settings.topics.nodes}/+/status`, `${settings.topics.readings}/#`]);

    return { url: broker.url, port: broker.port, dashboardUrl: hub.dashboardUrl(), table, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
