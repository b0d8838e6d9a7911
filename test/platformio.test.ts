// platformio.ini cannot run here (no PlatformIO, no board): parse it and check what a
// wrong line would break on real hardware: the envs, monitor speed, the esptool offsets
// per chip, that every file it writes is documented, and the `roomlink flash` step.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../tools/toolchain/build.ts';

type Ini = Map<string, Map<string, string>>;

/** PlatformIO's INI dialect: [sections], key = value, ; and # comments, indented continuation lines. */
function parseIni(text: string): Ini {
  const sections: Ini = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[;#]/.test(raw) || raw.trim() === '') continue;
    const section = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      lastKey = undefined;
      continue;
    }
    if (!current) throw new Error(`key outside a section: ${raw}`);
    if (/^\s/.test(raw) && lastKey) {
      current.set(lastKey, `${current.get(lastKey)}\n${raw.trim()}`);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(raw);
    if (!kv) throw new Error(`not key = value: ${raw}`);
    lastKey = kv[1]!;
    current.set(lastKey, kv[2]!.replace(/\s+;.*$/, ''));
  }
  return sections;
}

const TEXT = readFileSync(join(PROJECT_ROOT, 'platformio.ini'), 'utf8');
const INI = parseIni(TEXT);

/** A setting of an env, falling back to [env] like PlatformIO does. */
function setting(env: string, key: string): string | undefined {
  return INI.get(`env:${env}`)?.get(key) ?? INI.get('env')?.get(key);
}

/** `0xADDR "path"` pairs of an esptool write_flash command, in order. */
function flashWrites(command: string): Array<{ offset: number; file: string }> {
  const writes: Array<{ offset: number; file: string }> = [];
  const args = command.slice(command.indexOf('write_flash'));
  for (const m of args.matchAll(/(0x[0-9a-fA-F]+)\s+"?\$PROJECT_DIR\/([^"\s]+)"?/g)) writes.push({ offset: Number(m[1]), file: m[2]! });
  return writes;
}

const CHIPS = [
  {
    env: 'esp32dev',
    chip: 'esp32',
    writes: [
      [0x1000, 'espruino/esp32/bootloader.bin'],
      [0x8000, 'espruino/esp32/partitions_espruino.bin'],
      [0x10000, 'espruino/esp32/espruino_esp32.bin'],
    ],
  },
  {
    env: 'esp32-c3-devkitm-1',
    chip: 'esp32c3',
    writes: [
      [0x0, 'espruino/esp32c3/bootloader.bin'],
      [0x8000, 'espruino/esp32c3/partition-table.bin'],
      [0x10000, 'espruino/esp32c3/espruino_esp32c3.bin'],
    ],
  },
  {
    env: 'esp32-s3-devkitc-1',
    chip: 'esp32s3',
    writes: [
      [0x0, 'espruino/esp32s3/bootloader.bin'],
      [0x8000, 'espruino/esp32s3/partition-table.bin'],
      [0x10000, 'espruino/esp32s3/espruino_esp32s3.bin'],
    ],
  },
] as const;

describe('platformio.ini', () => {
  it('has the three board environments, each on the espressif32 platform at 115200 baud for the monitor', () => {
    for (const { env } of CHIPS) {
      expect(INI.has(`env:${env}`), env).toBe(true);
      expect(setting(env, 'board')).toBe(env);
      expect(setting(env, 'platform')).toBe('espressif32');
      expect(setting(env, 'monitor_speed')).toBe('115200');
    }
  });

  for (const { env, chip, writes } of CHIPS) {
    it(`${env}: a custom upload step writes the Espruino release files with esptool at the right offsets`, () => {
      expect(setting(env, 'upload_protocol')).toBe('custom');
      const command = setting(env, 'upload_command')!;
      expect(command).toContain('esptool.py');
      expect(command).toMatch(new RegExp(`--chip ${chip}\\b`));
      expect(command).toContain('$UPLOAD_PORT');
      expect(flashWrites(command).map((w) => [w.offset, w.file])).toEqual(writes);
    });
  }

  it('documents every interpreter file it writes (they are not shipped), with its offset', () => {
    const documented = TEXT.split('\n')
      .filter((l) => l.startsWith(';'))
      .join('\n');
    for (const { writes } of CHIPS) {
      for (const [offset, file] of writes) {
        expect(documented).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}\\s+written at 0x${offset.toString(16)}\\b`, 'i'));
        // Not shipped: the repository must not carry them.
        expect(existsSync(join(PROJECT_ROOT, file))).toBe(false);
      }
    }
    expect(documented).toContain('https://www.espruino.com/Download');
  });

  it('has an app step that runs `roomlink flash` on the upload port with the configured node config', () => {
    const command = setting('roomlink', 'upload_command')!;
    expect(command).toMatch(/cli\/bin\.js"? flash --target "?\$UPLOAD_PORT"? --config /);
    expect(existsSync(join(PROJECT_ROOT, 'cli/bin.js'))).toBe(true);
    const configRef = /\$\{roomlink\.config\}/.exec(command);
    expect(configRef).not.toBeNull();
    expect(INI.get('roomlink')?.get('config')).toMatch(/\.json$/);
    expect(setting('roomlink', 'upload_protocol')).toBe('custom');
  });
});
