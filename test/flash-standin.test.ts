// `roomlink flash` into the stand-in board (host runtime + REPL console) over a socat pty
// and over TCP: config and firmware land byte for byte, CRC-verified, and the node comes
// online at a private Mosquitto and publishes its readings. Also: a connection dropped
// midway gives a clear error and a rerun completes; the board's 4 KB input buffer really
// loses bytes when a sender does not pace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandInBoard, type StandInBoard } from '../tools/board/stand-in-board.ts';
import { crc32 } from '../espruino-host/crc.ts';
import { FlashError } from '../tools/flash/errors.ts';
import { flashBoard } from '../tools/flash/flasher.ts';
import { ensureFirmwareBuilt } from '../tools/toolchain/build.ts';
import { driverModulesFor } from '../tools/toolchain/drivers.ts';
import { startMosquitto, type Mosquitto } from '../bench/helpers/mosquitto.ts';
import { subscribe } from '../bench/helpers/mqtt.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { captureOut } from './helpers/cli.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const WIFI_PASSWORD = 'wifi-Secret-7731';
const MQTT_PASSWORD = 'mqtt-Secret-"quoted"-4410';

const ok = requireTools('socat', 'mosquitto');

describe.skipIf(!ok)('roomlink flash into the stand-in board', () => {
  let mosquitto: Mosquitto;
  let dir: string;
  let firmware: Buffer;
  let configPath: string;
  const boards: StandInBoard[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto({ persistence: false });
    dir = mkdtempSync(join(tmpdir(), 'roomlink-flash-'));
    // What `roomlink flash --config` writes by default: the node's own build (sim sensors only).
    firmware = readFileSync((await ensureFirmwareBuilt({ drivers: driverModulesFor(['sim']) })).minifiedPath);
    configPath = join(dir, 'kitchen.json');
    writeFileSync(
      configPath,
      `// a node config with comments, as config init writes them
{
  "node": "kitchen-1", "room": "kitchen", "transport": "wifi",
  "wifi": { "ssid": "home", "password": ${JSON.stringify(WIFI_PASSWORD)} },
  "mqtt": { "host": "127.0.0.1", "port": ${mosquitto.port}, "username": "node", "password": ${JSON.stringify(MQTT_PASSWORD)} },
  "interval": 1,
  "sensors": [ { "type": "sim", "measurement": "temperature" }, { "type": "sim", "measurement": "humidity" } ]
}
`,
    );
  }, 60_000);

  afterAll(async () => {
    for (const board of boards) await board.stop();
    await mosquitto?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newBoard(transport: 'pty' | 'tcp'): Promise<StandInBoard> {
    const board = await startStandInBoard({ storageDir: mkdtempSync(join(dir, `storage-${transport}-`)), transport });
    boards.push(board);
    return board;
  }

  for (const transport of ['pty', 'tcp'] as const) {
    it(`over ${transport}: config and firmware land verified, the node comes online and publishes home/kitchen/...`, async () => {
      const board = await newBoard(transport);
      const recorder = await subscribe(mosquitto.url, ['home/kitchen/#', 'roomlink/kitchen-1/status']);
      const out = captureOut();
      try {
        const result = await flashBoard({ target: board.target, configPath, broker: mosquitto.url, out });
        // What the board holds is byte for byte what was sent, and the CRCs were compared.
        expect(result.files['.bootcde']).toEqual({ length: firmware.length, crc: crc32(firmware) });
        expect(board.runtime.storage.read('.bootcde')?.equals(firmware)).toBe(true);
        const stored = JSON.parse(board.runtime.storage.read('roomlink.json')!.toString('utf8'));
        expect(stored).toMatchObject({ node: 'kitchen-1', wifi: { password: WIFI_PASSWORD }, mqtt: { password: MQTT_PASSWORD, port: mosquitto.port } });
        expect(out.text).toMatch(/verified roomlink\.json: \d+ bytes, CRC32 \d+ matches/);
        expect(out.text).toContain(`verified .bootcde: ${firmware.length} bytes, CRC32 ${crc32(firmware)} matches`);
        expect(out.text).toMatch(/running: roomlink \S+ running node=kitchen-1 transport=wifi/);
        expect(out.text).toContain(`online: roomlink/kitchen-1/status = online at ${mosquitto.url}`);
        // Paced: not one byte overflowed the board's input buffer.
        expect(board.console.droppedBytes).toBe(0);
        // (A previous test's node left a retained 'offline'; this node must say 'online'.)
        await recorder.waitForCount(1, (m) => m.topic === 'roomlink/kitchen-1/status' && m.payload === 'online');
        await recorder.waitForTopic('home/kitchen/temperature', 15_000);
        await recorder.waitForTopic('home/kitchen/humidity', 15_000);
        // Echo off: the board never echoed a line, so no secret came back on the console.
        expect(board.output).not.toContain(WIFI_PASSWORD);
        expect(board.output).not.toContain('Storage');
        expect(out.text).not.toContain(WIFI_PASSWORD);
        expect(out.text).not.toContain('mqtt-Secret');
      } finally {
        await recorder.end();
        await board.stop();
      }
    }, 60_000);
  }

  it('a connection dropped midway: a clear error; the rerun completes and verifies', async () => {
    const board = await newBoard('pty');
    let bootChunks = 0;
    let reconnected: Promise<void> | undefined;
    board.console.on('command', (code: string) => {
      if (code.includes('require("Storage").write(".bootcde"') && ++bootChunks === 3) reconnected = board.dropConnection();
    });
    const first = await flashBoard({ target: board.target, configPath, out: captureOut() }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(first).toBeInstanceOf(FlashError);
    expect((first as FlashError).code).toBe('connection-lost');
    expect((first as FlashError).message).toMatch(/connection to .* was lost while writing \.bootcde at byte \d+/);
    expect((first as FlashError).hint).toMatch(/run the same command again/);
    // Half a firmware on the board: not what was meant to be there.
    expect(board.runtime.storage.read('.bootcde')?.equals(firmware)).not.toBe(true);

    // The cable goes back in.
    await reconnected;
    const out = captureOut();
    const result = await flashBoard({ target: board.target, configPath, out });
    expect(result.files['.bootcde']).toEqual({ length: firmware.length, crc: crc32(firmware) });
    expect(board.runtime.storage.read('.bootcde')?.equals(firmware)).toBe(true);
    expect(out.text).toMatch(/running: roomlink \S+ running node=kitchen-1/);
  }, 60_000);

  it('the board loses input beyond its 4 KB buffer when a sender does not wait for answers', async () => {
    const board = await startStandInBoard({ storageDir: mkdtempSync(join(dir, 'storage-blast-')), transport: 'tcp', commandBusyMs: 20 });
    boards.push(board);
    const net = await import('node:net');
    const socket = net.connect({ host: '127.0.0.1', port: board.port! });
    await new Promise((r) => socket.once('connect', r));
    // 40 lines of ~1 KB at once: the first runs, the rest must wait in the buffer.
    const line = `\x10var x="${'a'.repeat(1000)}"\n`;
    socket.write(line.repeat(40));
    await waitFor('bytes to be dropped', () => board.console.droppedBytes > 0);
    expect(board.console.droppedBytes).toBeGreaterThan(40 * line.length - 4096 - 2 * line.length);
    socket.destroy();
  });
});
