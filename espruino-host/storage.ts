// The flash Storage area, kept as one host file per Storage file in a directory, so it
// survives reboot() and a new runtime on the same directory, and tests can look inside.
// Accounting follows Espruino's flash layout (checked on 2v29): every file costs a 32-byte
// header plus its size rounded up to 4 bytes; erased and replaced files become "trash" that
// still takes space until compact(); files are listed in the order they were written.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryStringOfBytes, bytesOfBinaryString } from './binary.ts';

/** ESP32 Espruino's Storage partition. */
export const ESP32_STORAGE_BYTES = 896 * 1024;
/** Longer names are silently cut to this. */
export const MAX_NAME_LENGTH = 28;
const HEADER_BYTES = 32;
/** Holds the order and flags; '#' never appears in an encoded name, so it cannot collide. */
const INDEX_FILE = '#index.json';

interface IndexEntry {
  name: string;
  /** A chunk of a StorageFile (open()): hidden from list(undefined, {sf: false}). */
  storageFile?: boolean;
}

interface Index {
  files: IndexEntry[];
  trashBytes: number;
  trashCount: number;
}

export interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

export class StorageError extends Error {}

export function truncateName(name: string, max = MAX_NAME_LENGTH): string {
  return name.length > max ? name.slice(0, max) : name;
}

/** Storage names are binary strings; on disk every byte outside [A-Za-z0-9._-] becomes %XX. */
function diskName(name: string): string {
  let out = '';
  for (const byte of bytesOfBinaryString(name)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) || (ch === '.' && !/^\.*$/.test(name)) ? ch : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

function costOf(size: number): number {
  return HEADER_BYTES + Math.ceil(size / 4) * 4;
}

export class SimStorage {
  constructor(
    readonly dir: string,
    readonly capacity = ESP32_STORAGE_BYTES,
  ) {
    // A board's flash holds roomlink.json with the WiFi and MQTT passwords: owner only.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private loadIndex(): Index {
    const path = join(this.dir, INDEX_FILE);
    if (!existsSync(path)) return { files: [], trashBytes: 0, trashCount: 0 };
    return JSON.parse(readFileSync(path, 'utf8')) as Index;
  }

  private saveIndex(index: Index): void {
    // Write-then-rename: a crash never leaves a half-written index.
    const path = join(this.dir, INDEX_FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(index), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** Names in flash order, StorageFile chunks (`name\x01`...) included. */
  list(): string[] {
    return this.loadIndex().files.map((f) => f.name);
  }

  /** Names of StorageFile chunks. */
  storageFileChunks(): string[] {
    return this.loadIndex()
      .files.filter((f) => f.storageFile)
      .map((f) => f.name);
  }

  exists(name: string): boolean {
    return this.loadIndex().files.some((f) => f.name === truncateName(name));
  }

  read(name: string): Buffer | undefined {
    const key = truncateName(name);
    if (!this.loadIndex().files.some((f) => f.name === key)) return undefined;
    return readFileSync(join(this.dir, diskName(key)));
  }

  /** A file's contents as a binary string (what the program's Storage.read returns). */
  readBinary(name: string): string | undefined {
    const bytes = this.read(name);
    return bytes && binaryStringOfBytes(bytes);
  }

  /** Creates or replaces a file; a string is taken as a binary string (one byte per char). */
  write(name: string, data: string | Uint8Array, options: { storageFile?: boolean } = {}): void {
    const key = truncateName(name);
    const bytes = typeof data === 'string' ? bytesOfBinaryString(data) : data;
    const index = this.loadIndex();
    const at = index.files.findIndex((f) => f.name === key);
    const oldSize = at >= 0 ? this.sizeOf(key) : 0;
    const need = costOf(bytes.length);
    if (need > this.freeOf(index)) {
      // Espruino compacts when it runs out of room, then gives up.
      index.trashBytes = 0;
      index.trashCount = 0;
      if (need > this.freeOf(index)) throw new StorageError('Unable to find or create file');
    }
    if (at >= 0) {
      index.files.splice(at, 1);
      index.trashBytes += costOf(oldSize);
      index.trashCount++;
    }
    index.files.push({ name: key, ...(options.storageFile ? { storageFile: true } : {}) });
    writeFileSync(join(this.dir, diskName(key)), bytes, { mode: 0o600 });
    this.saveIndex(index);
  }

  /** Writes bytes into an existing file in place (flash programming: no size change). */
  patch(name: string, offset: number, bytes: Uint8Array): void {
    const key = truncateName(name);
    const current = this.read(key);
    if (!current) throw new StorageError('Unable to find or create file');
    current.set(bytes, offset);
    writeFileSync(join(this.dir, diskName(key)), current, { mode: 0o600 });
  }

  erase(name: string): void {
    const key = truncateName(name);
    const index = this.loadIndex();
    const at = index.files.findIndex((f) => f.name === key);
    if (at < 0) return;
    const size = this.sizeOf(key);
    index.files.splice(at, 1);
    index.trashBytes += costOf(size);
    index.trashCount++;
    rmSync(join(this.dir, diskName(key)), { force: true });
    this.saveIndex(index);
  }

  eraseAll(): void {
    for (const entry of this.loadIndex().files) rmSync(join(this.dir, diskName(entry.name)), { force: true });
    this.saveIndex({ files: [], trashBytes: 0, trashCount: 0 });
  }

  compact(): void {
    const index = this.loadIndex();
    index.trashBytes = 0;
    index.trashCount = 0;
    this.saveIndex(index);
  }

  private sizeOf(key: string): number {
    return readFileSync(join(this.dir, diskName(key))).length;
  }

  private freeOf(index: Index): number {
    let used = index.trashBytes;
    for (const entry of index.files) used += costOf(this.sizeOf(entry.name));
    return this.capacity - used;
  }

  getFree(): number {
    return this.freeOf(this.loadIndex());
  }

  stats(): StorageStats {
    const index = this.loadIndex();
    const fileBytes = index.files.reduce((sum, f) => sum + costOf(this.sizeOf(f.name)), 0);
    return {
      totalBytes: this.capacity,
      freeBytes: this.capacity - fileBytes - index.trashBytes,
      fileBytes,
      fileCount: index.files.length,
      trashBytes: index.trashBytes,
      trashCount: index.trashCount,
    };
  }
}
