// require("Storage") as the program sees it, with the semantics measured on Espruino 2v29:
//  - read of a missing file is undefined; read(name, offset, length) with length 0 reads to
//    the end, an offset past the end gives "".
//  - write(name, data) replaces (zero length throws); write(name, data, 0, size) creates a
//    file of `size` bytes of 0xFF and writes data at 0; write(name, data, offset>0) programs
//    bytes into the existing file: it must exist, the range must fit and still be erased
//    (0xFF), else "Unable to find or create file" / "Too much data for file size" /
//    "File already written with different data".
//  - list(string) matches names containing the string, list(regexp) tests it; StorageFile
//    chunks show as "name\x01"; list(x, {sf:false}) hides them, {sf:true} lists only them.
//  - open(name, "r"|"w"|"a"): chunked append-only files; chunks are pre-erased (0xFF) and a
//    file's data ends at the first 0xFF; read/readLine return undefined at the end.
import { storageBytes, binaryStringOfBytes, bytesOfBinaryString } from './binary.ts';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { MAX_NAME_LENGTH, StorageError, truncateName, type SimStorage } from './storage.ts';

/** ESP32: a flash page (4096) minus the file header. */
export const STORAGEFILE_CHUNK_BYTES = 4096 - 32;

function fail(realm: Realm, err: unknown): never {
  if (err instanceof StorageError) throw realm.error('Error', err.message);
  throw err;
}

function fileName(name: unknown): string {
  return truncateName(String(name));
}

/**
 * Wraps a host function the program calls: it runs only while the board is up, and host
 * errors reach the program as Espruino's errors.
 */
function guardedFor(realm: Realm, loop: EventLoop) {
  return <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      loop.guard();
      try {
        return fn(...args);
      } catch (err) {
        fail(realm, err);
      }
    };
}

export function createStorageModule(realm: Realm, storage: SimStorage, loop: EventLoop): object {
  const guarded = guardedFor(realm, loop);

  const read = (name: unknown, offset?: unknown, length?: unknown): string | undefined => {
    const bytes = storage.read(fileName(name));
    if (!bytes) return undefined;
    const start = Math.max(0, Number(offset) || 0);
    const count = Number(length) || 0;
    return binaryStringOfBytes(bytes.subarray(start, count > 0 ? start + count : bytes.length));
  };

  const write = (name: unknown, data: unknown, offset?: unknown, size?: unknown): boolean => {
    const key = fileName(name);
    const bytes = storageBytes(data);
    const at = Number(offset) || 0;
    if (at > 0) {
      const existing = storage.read(key);
      if (!existing) throw new StorageError('Unable to find or create file');
      if (at + bytes.length > existing.length) throw new StorageError('Too much data for file size');
      for (let i = 0; i < bytes.length; i++) {
        if (existing[at + i] !== 0xff) throw new StorageError('File already written with different data');
      }
      storage.patch(key, at, bytes);
      return true;
    }
    if (size !== undefined) {
      const total = Number(size) || 0;
      if (total <= 0) throw new StorageError("Can't create zero length file");
      const file = new Uint8Array(total).fill(0xff);
      file.set(bytes.subarray(0, total));
      storage.write(key, file);
      if (bytes.length > total) throw new StorageError('Too much data for file size');
      return true;
    }
    if (bytes.length === 0) throw new StorageError("Can't create zero length file");
    const existing = storage.read(key);
    // Same contents: Espruino leaves the flash (and the list order) alone.
    if (existing && Buffer.compare(existing, Buffer.from(bytes)) === 0) return true;
    storage.write(key, bytes);
    return true;
  };

  const matches = (name: string, filter: unknown): boolean => {
    if (filter === undefined || filter === null) return true;
    if (typeof filter === 'string') return name.includes(filter);
    if (typeof (filter as RegExp).test === 'function') {
      (filter as RegExp).lastIndex = 0;
      return (filter as RegExp).test(name);
    }
    return name.includes(String(filter));
  };

  const list = (filter?: unknown, options?: { sf?: boolean }): string[] => {
    const chunks = new Set(storage.storageFileChunks());
    let names = storage.list();
    if (options && options.sf === false) names = names.filter((n) => !chunks.has(n));
    else if (options && options.sf === true) {
      names = [...new Set(names.filter((n) => chunks.has(n)).map((n) => n.slice(0, -1)))];
    }
    return realm.array(names.filter((n) => matches(n, filter)));
  };

  const open = (name: unknown, mode: unknown): object => {
    const m = String(mode);
    if (m !== 'r' && m !== 'w' && m !== 'a') throw realm.error('Error', `Invalid mode "${m}"`);
    return createStorageFile(realm, storage, loop, truncateName(String(name), MAX_NAME_LENGTH - 1), m);
  };

  return realm.object({
    read: guarded(read),
    readJSON: guarded((name: unknown, noExceptions?: unknown) => {
      const text = read(name);
      if (text === undefined) return undefined;
      try {
        return realm.global.JSON.parse(text);
      } catch (err) {
        if (noExceptions) return undefined;
        throw err;
      }
    }),
    readArrayBuffer: guarded((name: unknown) => {
      const bytes = storage.read(fileName(name));
      return bytes ? realm.bytes(bytes).buffer : undefined;
    }),
    write: guarded(write),
    writeJSON: guarded((name: unknown, data: unknown) => write(name, realm.global.JSON.stringify(data))),
    erase: guarded((name: unknown) => {
      storage.erase(fileName(name));
    }),
    eraseAll: guarded(() => storage.eraseAll()),
    list: guarded(list),
    getFree: guarded(() => storage.getFree()),
    getStats: guarded(() => realm.object(storage.stats())),
    compact: guarded(() => storage.compact()),
    open: guarded(open),
  });
}

/** One StorageFile: its data is the concatenation of chunks `name\x01`, `name\x02`, ... up to the first 0xFF. */
function createStorageFile(realm: Realm, storage: SimStorage, loop: EventLoop, name: string, mode: 'r' | 'w' | 'a'): object {
  const chunkName = (n: number) => name + String.fromCharCode(n);
  const dataOf = (n: number): Uint8Array | undefined => {
    const bytes = storage.read(chunkName(n));
    if (!bytes) return undefined;
    const end = bytes.indexOf(0xff);
    return end < 0 ? bytes : bytes.subarray(0, end);
  };
  const eraseAll = () => {
    for (let n = 1; n < 256 && storage.exists(chunkName(n)); n++) storage.erase(chunkName(n));
  };
  const contents = (): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (let n = 1; n < 256; n++) {
      const part = dataOf(n);
      if (!part) break;
      parts.push(part);
    }
    return Buffer.concat(parts);
  };

  if (mode === 'w') eraseAll();
  let readPosition = 0;

  const append = (text: string) => {
    let bytes = bytesOfBinaryString(text);
    // 0xFF marks the end of data in flash: anything after it is lost, as on a board.
    const ff = bytes.indexOf(0xff);
    if (ff >= 0) bytes = bytes.subarray(0, ff);
    let n = 1;
    while (storage.exists(chunkName(n + 1))) n++;
    while (bytes.length > 0) {
      let used = dataOf(n)?.length;
      if (used === undefined) {
        const blank = new Uint8Array(STORAGEFILE_CHUNK_BYTES).fill(0xff);
        storage.write(chunkName(n), blank, { storageFile: true });
        used = 0;
      }
      const room = STORAGEFILE_CHUNK_BYTES - used;
      if (room <= 0) {
        n++;
        continue;
      }
      storage.patch(chunkName(n), used, bytes.subarray(0, room));
      bytes = bytes.subarray(room);
      if (bytes.length > 0) n++;
    }
  };

  const guarded = guardedFor(realm, loop);

  return realm.object({
    name,
    mode,
    write: guarded((data: unknown) => {
      if (mode === 'r') throw new StorageError("Can't write in read mode");
      append(typeof data === 'string' ? data : binaryStringOfBytes(storageBytes(data)));
    }),
    read: guarded((length: unknown) => {
      const all = contents();
      if (readPosition >= all.length) return undefined;
      const count = Math.max(1, Number(length) || 0);
      const out = all.subarray(readPosition, readPosition + count);
      readPosition += out.length;
      return binaryStringOfBytes(out);
    }),
    readLine: guarded(() => {
      const all = contents();
      if (readPosition >= all.length) return undefined;
      const newline = all.indexOf(0x0a, readPosition);
      const end = newline < 0 ? all.length : newline + 1;
      const out = all.subarray(readPosition, end);
      readPosition = end;
      return binaryStringOfBytes(out);
    }),
    getLength: guarded(() => contents().length),
    erase: guarded(() => eraseAll()),
  });
}
