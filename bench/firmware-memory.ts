// Espruino memory estimate of the firmware: run a firmware build in the host runtime
// (espruino-host/runtime.ts) as a WiFi node with a BME280, let it publish its first reading to
// a private Mosquitto, then count what it holds (14-byte Espruino blocks). An estimate for
// spotting growth from change to change, not a figure measured on a chip.
//
// The runtime's estimate walks what is reachable from the global object, and the bundle keeps
// all its state in one IIFE's scope, which JavaScript cannot see into (on Espruino that scope
// is an ordinary object and costs blocks like any other). So the IIFE is unwrapped first: its
// `var`s and functions become globals and are counted. Both figures are reported.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from './helpers/mosquitto.ts';
import { subscribe } from './helpers/mqtt.ts';

/** The bundle without its IIFE wrapper, or undefined when it does not have the expected shape. */
export function unwrapIife(code: string): string | undefined {
  const m = /^([\s\S]*?)!?\(function ?\(\) ?\{([\s\S]*)\}\)\(\);?\s*$/.exec(code);
  return m ? `${m[1]}\n${m[2]}\n` : undefined;
}

export interface FirmwareMemory {
  blocks: number;
  bytes: number;
  strings: number;
  objects: number;
  /** From boot() to the first reading arriving at the subscriber. */
  msToFirstReading: number;
  sensors: string;
}

/** The figures, or a sentence saying why there are none. */
export async function firmwareMemory(firmwarePath: string, unwrap: boolean): Promise<FirmwareMemory | string> {
  const runtimeModule = (await import('../espruino-host/runtime.ts')) as typeof import('../espruino-host/runtime.ts');
  const devicesModule = (await import('../espruino-host/devices/index.ts')) as typeof import('../espruino-host/devices/index.ts');
  const { EspruinoRuntime } = runtimeModule;
  if (typeof EspruinoRuntime?.prototype?.memoryEstimate !== 'function') return 'EspruinoRuntime has no memoryEstimate()';
  const broker = await new Mosquitto({ persistence: false }).start();
  const storageDir = mkdtempSync(join(tmpdir(), 'roomlink-bench-fw-'));
  const sensors = [{ type: 'bme280', sda: 21, scl: 22, address: 0x76 }];
  const config = {
    node: 'bench-node',
    room: 'bench',
    transport: 'wifi',
    wifi: { ssid: 'bench', password: 'bench-pass' },
    mqtt: { host: '127.0.0.1', port: broker.port, keepalive: 60 },
    interval: 60,
    sleep: 0,
    sensors,
  };
  let output = '';
  const rt = new EspruinoRuntime({
    storageDir,
    board: 'esp32',
    accessPoint: { ssid: 'bench', password: 'bench-pass', connectDelayMs: 5 },
    devices: devicesModule.devicesForSensors(sensors),
    onOutput: (t) => (output = (output + t).slice(-4000)),
  });
  const sub = await subscribe(broker.url, 'home/#', { qos: 1 });
  try {
    rt.storage.write('roomlink.json', JSON.stringify(config));
    let code = readFileSync(firmwarePath, 'latin1');
    if (unwrap) {
      const unwrapped = unwrapIife(code);
      if (!unwrapped) return 'the bundle is not a single IIFE: cannot expose its scope';
      code = unwrapped;
    }
    rt.storage.write('.bootcde', code);
    const t0 = Date.now();
    rt.boot();
    try {
      await sub.waitForCount(1, (m) => !m.retain, 30_000);
    } catch {
      return `no reading published within 30 s; firmware printed: ${output.slice(-300).replace(/\s+/g, ' ')}`;
    }
    const ms = Date.now() - t0;
    // Let the publish's callbacks and queue bookkeeping finish.
    await new Promise((r) => setTimeout(r, 500));
    const e = rt.memoryEstimate();
    return { blocks: e.blocks, bytes: e.bytes, strings: e.strings, objects: e.objects, msToFirstReading: ms, sensors: 'bme280' };
  } finally {
    rt.stop();
    await sub.end().catch(() => undefined);
    await broker.dispose();
    rmSync(storageDir, { recursive: true, force: true });
  }
}
