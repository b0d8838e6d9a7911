// `roomlink flash`, as a library: config and firmware onto an Espruino board over serial or
// TCP, verified, started, and watched until it reports running (and, given a broker, until
// the node says `online` there). Nothing is written before the config is valid and the board
// has proven to be a recent-enough Espruino with room for the files.
import { randomInt } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import mqtt from 'mqtt';
import type { NodeConfig } from '../../shared/node-config.ts';
import { DEFAULT_PREFIXES, nodeStatusTopic, readingTopic } from '../../shared/topics.ts';
import { ensureFirmwareBuilt } from '../toolchain/build.ts';
import { driverModulesFor } from '../toolchain/drivers.ts';
import { FlashError } from './errors.ts';
import { MIN_ESPRUINO_VERSION, isSupportedEspruino, parseEspruinoVersion } from './espruino-version.ts';
import { configSecrets, readNodeConfigFile, redactSecrets } from './node-config-file.ts';
import { createProgress, type ProgressStream } from './progress.ts';
import { describeBytes, ReplClient } from './repl-client.ts';
import { writeStorageFile, type FileCheck, type StorageWriteOptions } from './storage-writer.ts';
import { DEFAULT_BAUD, openTransport } from './transport.ts';

/** Storage names the firmware reads (issue 4). */
export const CONFIG_FILE = 'roomlink.json';
export const BOOT_FILE = '.bootcde';
/** The node's boot count, which names each boot (firmware/main.ts: bootId). */
export const BOOT_COUNT_FILE = 'roomlink.b';

/** What the firmware prints once it is up: `roomlink <VERSION> running node=<node> transport=<wifi|serial>`. */
export const RUNNING_LINE = /roomlink (\S+) running node=(\S+) transport=(wifi|serial)/;

export interface FlashOptions {
  target: string;
  configPath: string;
  /** Default: the node's own build, dist/firmware-<its drivers>.min.js, built when stale. */
  firmwarePath?: string;
  wipe?: boolean;
  /** mqtt://host:port: wait until the node publishes `online` there. */
  broker?: string;
  baud?: number;
  /** Where messages and progress go (stdout). */
  out: ProgressStream;
  /** How long to wait for the running line after load(). Default 30 s. */
  startTimeoutMs?: number;
  /** How long to wait for `online` at the broker. Default 60 s. */
  onlineTimeoutMs?: number;
  storage?: Pick<StorageWriteOptions, 'chunkBudget' | 'attempts' | 'chunkTimeoutMs'>;
}

export interface FlashResult {
  node: string;
  board: string;
  espruino: string;
  firmwareVersion: string;
  files: Record<string, FileCheck>;
}

/** Bytes a file takes in Espruino Storage: a 32-byte header plus the size rounded up to 4. */
function storageCost(size: number): number {
  return 32 + Math.ceil(size / 4) * 4;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * The firmware file: `path`, or the per-node build for the config's sensors (only their
 * drivers: every function of the firmware costs the node RAM), built when stale.
 */
async function loadFirmware(path: string | undefined, config: NodeConfig): Promise<{ path: string; bytes: Buffer; drivers?: string[] }> {
  let resolved = path;
  let drivers: string[] | undefined;
  if (!resolved) {
    try {
      drivers = driverModulesFor(config.sensors.map((s) => s.type));
      resolved = (await ensureFirmwareBuilt({ drivers })).minifiedPath;
    } catch (err) {
      // No toolchain (a hub-only install): the CLI says what to install.
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw err;
      throw new FlashError(
        'firmware-missing',
        `cannot build the firmware: ${(err as Error).message}`,
        'run `roomlink build` to see the problem, or pass --firmware FILE',
      );
    }
  }
  try {
    await stat(resolved);
    return { path: resolved, bytes: await readFile(resolved), drivers };
  } catch {
    throw new FlashError('firmware-missing', `firmware file ${resolved} not found`, 'run `roomlink build`, or pass --firmware FILE');
  }
}

export async function flashBoard(options: FlashOptions): Promise<FlashResult> {
  const say = (line: string) => options.out.write(`${line}\n`);

  // 1. Config and firmware first: nothing touches the board if either is wrong.
  const checked = await readNodeConfigFile(options.configPath);
  if (!checked.ok) {
    throw new FlashError(
      'invalid-config',
      `the node config is not valid:\n  ${checked.errors.join('\n  ')}`,
      `fix it, then check with \`roomlink config check ${options.configPath}\``,
    );
  }
  const config = checked.config;
  const secrets = configSecrets(config);
  const scrub = (text: string) => redactSecrets(text, secrets);
  const configBytes = Buffer.from(JSON.stringify(config), 'utf8');
  const firmware = await loadFirmware(options.firmwarePath, config);
  say(`config: node ${config.node} in room ${config.room}, transport ${config.transport} (${options.configPath}, valid)`);
  say(`firmware: ${firmware.path} (${kb(firmware.bytes.length)}${firmware.drivers ? `; built for this node, drivers ${firmware.drivers.join(', ')}` : ''})`);

  // 2. Connect and prove it is an Espruino we support.
  const tcp = /^tcp:\/\//i.test(options.target);
  say(tcp ? `connecting to ${options.target}` : `opening ${options.target} at ${options.baud ?? DEFAULT_BAUD} baud`);
  const transport = await openTransport(options.target, { baud: options.baud });
  const repl = new ReplClient(transport);
  let mqttClient: mqtt.MqttClient | undefined;
  try {
    await repl.getPrompt();
    let identity: [unknown, unknown];
    try {
      identity = await repl.call<[unknown, unknown]>('[process.env.VERSION,process.env.BOARD]', { what: 'asking the board what it is', timeoutMs: 3000 });
    } catch (err) {
      if (err instanceof FlashError && err.code === 'timeout') {
        throw new FlashError(
          'not-espruino',
          `${options.target} shows a prompt but did not run JavaScript (got ${describeBytes(scrub(repl.recentOutput.slice(-200)))})`,
          'is Espruino flashed on this board? Check with `roomlink console`',
        );
      }
      throw err;
    }
    const [versionText, boardName] = identity;
    const version = parseEspruinoVersion(versionText);
    if (!version || typeof boardName !== 'string') {
      throw new FlashError(
        'not-espruino',
        `${options.target} runs JavaScript but does not identify as Espruino (process.env.VERSION is ${JSON.stringify(versionText)})`,
      );
    }
    if (!isSupportedEspruino(version)) {
      throw new FlashError(
        'old-espruino',
        `the board runs Espruino ${versionText}, older than ${MIN_ESPRUINO_VERSION}, which the firmware was checked against`,
        `flash Espruino ${MIN_ESPRUINO_VERSION} or newer onto the board first (see platformio.ini and the README)`,
      );
    }
    say(`board: ${boardName}, Espruino ${versionText}`);

    // 3. Stop the running program: its functions may live in the .bootcde we replace.
    await repl.send('reset()');
    await repl.getPrompt();

    // 4. Room for both files?
    const [free, trash, total, ...existing] = await repl.call<number[]>(
      `(function(S){var s=S.getStats?S.getStats():{freeBytes:S.getFree(),trashBytes:0,totalBytes:0};` +
        `return [s.freeBytes,s.trashBytes,s.totalBytes].concat([${JSON.stringify(CONFIG_FILE)},${JSON.stringify(BOOT_FILE)}].map(function(n){var f=S.read(n);return f===undefined?-1:f.length}))})(require("Storage"))`,
      { what: 'checking Storage space' },
    );
    const needed = storageCost(configBytes.length) + storageCost(firmware.bytes.length);
    const reclaimable = options.wipe && total ? total : free! + trash! + existing.reduce((sum, len) => sum + (len! >= 0 ? storageCost(len!) : 0), 0);
    if (needed > reclaimable) {
      throw new FlashError(
        'storage-full',
        `out of Storage space: the files need ${kb(needed)}, the board has ${kb(reclaimable)} (free plus what replacing the old files frees)`,
        options.wipe ? 'the firmware is too big for this board' : 'run again with --wipe to erase Storage first',
      );
    }
    say(`storage: ${kb(free!)} free${trash ? `, ${kb(trash)} reclaimable` : ''}, writing ${kb(configBytes.length + firmware.bytes.length)}`);

    if (options.wipe) {
      say('wiping Storage (eraseAll)');
      await repl.call('require("Storage").eraseAll()', { what: 'erasing Storage', timeoutMs: 60_000 });
    }

    // 5. Write and verify both files.
    const files: Record<string, FileCheck> = {};
    for (const [name, bytes] of [
      [CONFIG_FILE, configBytes],
      [BOOT_FILE, firmware.bytes],
    ] as const) {
      const progress = createProgress(options.out, `writing ${name}`);
      try {
        files[name] = await writeStorageFile(repl, name, bytes, {
          ...options.storage,
          onProgress: (done, all) => progress.update(done, all),
          onRetry: (reason) => {
            progress.finish();
            say(`retrying: ${scrub(reason)}`);
          },
        });
      } finally {
        progress.finish();
      }
      say(`verified ${name}: ${files[name]!.length} bytes, CRC32 ${files[name]!.crc} matches`);
    }

    // The boot count starts at a random number at every flash: a node flashed again (after
    // --wipe, say) must not name its boots as it did before, or the hub, which remembers
    // what it acknowledged per boot, would take its first readings for repeats.
    await repl.call(`require("Storage").write(${JSON.stringify(BOOT_COUNT_FILE)},"${randomInt(36 ** 4, 36 ** 5)}")`, { what: 'starting the boot count' });

    // 6. Start it and watch. Subscribe before load() so a fresh `online` cannot slip past.
    const prefixes = { ...DEFAULT_PREFIXES, ...(config.topics ?? {}) };
    const statusTopic = nodeStatusTopic(prefixes, config.node);
    let online: Promise<void> | undefined;
    if (options.broker) {
      try {
        mqttClient = await mqtt.connectAsync(options.broker, { reconnectPeriod: 0, connectTimeout: 10_000, clientId: `roomlink-flash-${process.pid}` });
        const client = mqttClient;
        online = new Promise<void>((resolve) => {
          client.on('message', (topic, payload, packet) => {
            // A live publish (not the retained state from before the flash) proves the new firmware.
            if (topic === statusTopic && payload.toString() === 'online' && !packet.retain) resolve();
          });
        });
        await client.subscribeAsync(statusTopic, { qos: 1 });
      } catch (err) {
        throw new FlashError(
          'not-online',
          `cannot watch ${options.broker} for the node: ${(err as Error).message}`,
          'is the broker URL right? The board was not started yet; rerun without --broker to skip this check',
        );
      }
    }
    say('starting the firmware: load()');
    const from = await repl.send('load()');
    const startTimeout = options.startTimeoutMs ?? 30_000;
    let running: RegExpExecArray;
    try {
      running = await repl.waitFor(from, (text) => RUNNING_LINE.exec(text) ?? undefined, startTimeout, 'waiting for the firmware to report running');
    } catch (err) {
      if (err instanceof FlashError && err.code === 'timeout') {
        const lines = scrub(repl.since(from))
          .split(/\r?\n/)
          // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC [ J is the escape the Espruino REPL starts a redrawn line with.
          .map((l) => l.replace(/^\r?\x1b\[J/, '').replace(/[^\x20-\x7e]/g, ''))
          .filter((l) => l && l !== '>');
        throw new FlashError(
          'not-running',
          `the files are on the board, but the firmware did not report running within ${startTimeout / 1000} s. It printed:\n  ${lines.slice(-10).join('\n  ') || '(nothing)'}`,
          `see the whole console with \`roomlink console --target ${options.target}\``,
        );
      }
      throw err;
    }
    if (running[2] !== config.node) {
      throw new FlashError('not-running', `the firmware started as node '${running[2]}', not '${config.node}' from the config`);
    }
    say(`running: ${running[0]}`);
    if (online) {
      const onlineTimeout = options.onlineTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        online,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new FlashError(
                  'not-online',
                  `the firmware runs, but ${statusTopic} did not become online at ${options.broker} within ${onlineTimeout / 1000} s`,
                  'check the WiFi and MQTT settings in the config, and the console (`roomlink console`)',
                ),
              ),
            onlineTimeout,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      say(`online: ${statusTopic} = online at ${options.broker}`);
    }
    printNextSteps(say, options, config);
    return { node: config.node, board: boardName, espruino: String(versionText), firmwareVersion: running[1]!, files };
  } finally {
    await mqttClient?.endAsync().catch(() => {});
    await repl.close().catch(() => {});
  }
}

function printNextSteps(say: (line: string) => void, options: FlashOptions, config: NodeConfig): void {
  const prefixes = { ...DEFAULT_PREFIXES, ...(config.topics ?? {}) };
  const readings = readingTopic(prefixes, config.room, '#');
  say('');
  say('Next steps:');
  say(`  roomlink console --target ${options.target}    the node's console (Ctrl-] quits)`);
  if (config.transport === 'serial') {
    say(`  roomlink hub --serial ${options.target} --broker mqtt://<broker>    bridge this serial node to MQTT`);
  } else {
    const host = config.mqtt ? `${config.mqtt.host} -p ${config.mqtt.port}` : '<broker>';
    say(`  mosquitto_sub -h ${host} -t '${readings}' -v    watch its readings`);
  }
  say(`  Home Assistant: the device "${config.node}" appears under Settings > Devices & services > MQTT`);
}
