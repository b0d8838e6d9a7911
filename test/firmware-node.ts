// Support for the firmware tests: dist/firmware.js (built once) running in the host Espruino
// runtime with a config in Storage, its console collected as lines.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EspruinoRuntime, type EspruinoRuntimeOptions } from '../espruino-host/runtime.ts';
import type { SimDevices } from '../espruino-host/devices/index.ts';
import { ensureFirmwareBuilt } from '../tools/toolchain/build.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import { commandLine, decodeLine, type DecodedLine } from '../shared/line-protocol.ts';

let firmware: Promise<string> | undefined;

/** dist/firmware.js, built if missing or stale. */
export function firmwareCode(): Promise<string> {
  firmware ??= ensureFirmwareBuilt().then((b) => readFileSync(b.path, 'utf8'));
  return firmware;
}

export class SimNode {
  readonly runtime: EspruinoRuntime;
  readonly dir: string;
  /** Everything printed, raw. */
  output = '';

  constructor(config: object, code: string, options: { devices?: SimDevices; board?: 'linux' | 'esp32'; dir?: string } & Partial<EspruinoRuntimeOptions> = {}) {
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'roomlink-fw-'));
    this.runtime = new EspruinoRuntime({
      ...options,
      storageDir: this.dir,
      board: options.board ?? 'linux',
      devices: options.devices,
      onOutput: (text) => {
        this.output += text;
      },
    });
    this.runtime.storage.write('roomlink.json', JSON.stringify(config));
    this.runtime.storage.write('.bootcde', code);
  }

  boot(): this {
    this.runtime.boot();
    return this;
  }

  /**
   * For a serial node tested without a hub: answers like one (announces itself, acknowledges
   * every numbered reading as it is printed), so the node prints its readings live instead of
   * keeping them for a hub (shared/serial-ack.ts). Call after boot().
   */
  actAsHub(): this {
    this.runtime.on('output', (text: string) => {
      for (const m of text.matchAll(/"seq":(\d+),"boot":"([a-z0-9]+)"/g)) {
        setImmediate(() => {
          if (this.runtime.running) this.runtime.run(`roomlinkAck("${m[2]}",${m[1]},${m[1]})`);
        });
      }
    });
    this.runtime.run('roomlinkHub()');
    return this;
  }

  /** Complete console lines, "\r" and the REPL's escape codes left in. */
  get lines(): string[] {
    const parts = this.output.split('\n');
    parts.pop();
    return parts.map((l) => l.replace(/\r$/, ''));
  }

  waitForLine(what: string, match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return waitFor(what, () => this.lines.find(match), timeoutMs);
  }

  dispose(): void {
    this.runtime.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// What a node printed, decoded as the hub decodes it.
export type Reading = Extract<DecodedLine, { kind: 'reading' }>['reading'];
export type Info = Extract<DecodedLine, { kind: 'info' }>['line'];

function decoded(node: SimNode): DecodedLine[] {
  return node.lines.map((l) => decodeLine(l));
}
export function readings(node: SimNode): Reading[] {
  return decoded(node).flatMap((d) => (d.kind === 'reading' ? [d.reading] : []));
}
export function infos(node: SimNode): Info[] {
  return decoded(node).flatMap((d) => (d.kind === 'info' ? [d.line] : []));
}
export function value(r: Reading, m: string): number | boolean | undefined {
  return r.values.find((v) => v.measurement === m)?.value;
}
/** Every value of measurement `m` published so far. */
export function values(node: SimNode, m: string): (number | boolean)[] {
  return readings(node).flatMap((r) => (value(r, m) === undefined ? [] : [value(r, m)!]));
}

/** Asks for info over the REPL entry point (as the hub does) until `ok` holds. */
export async function infoUntil(n: SimNode, ok: (info: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return waitFor(
    'an info line',
    () => {
      const found = infos(n)
        .map((l) => l.info)
        .find(ok);
      if (!found) n.runtime.run(commandLine({ info: true }).slice(1, -1));
      return found;
    },
    timeoutMs,
    300,
  );
}
