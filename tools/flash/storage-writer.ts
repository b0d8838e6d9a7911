// Writes one file into the board's Storage the way Espruino's own tools do:
// require("Storage").write(name, chunk, offset, total) in chunks, one line per chunk. Each
// chunk's answer carries E.CRC32 of the data as the board decoded it, and the whole file is
// checked at the end (length and E.CRC32 of Storage.read). Retrying is safe because Storage
// accepts the same bytes again at the same offset ("File already written with different
// data" otherwise, measured on 2v29); a file that went wrong is started over at offset 0,
// which replaces it.
import { crc32 } from '../../espruino-host/crc.ts';
import { encodeChunks } from './chunk-encoding.ts';
import { FlashError } from './errors.ts';
import { BoardError, type ReplClient } from './repl-client.ts';

export type WriteProgress = (done: number, total: number) => void;

export interface StorageWriteOptions {
  /** Max characters of one chunk's expression; bounds each line well under the 4 KB input buffer. */
  chunkBudget?: number;
  /** Attempts per chunk, and per file. */
  attempts?: number;
  /** Ack timeout per chunk (flash erases and Storage compaction can take seconds on an ESP32). */
  chunkTimeoutMs?: number;
  onProgress?: WriteProgress;
  /** Called when something is retried, with a one-line reason. */
  onRetry?: (reason: string) => void;
}

export const DEFAULT_CHUNK_BUDGET = 1536;

export interface FileCheck {
  length: number;
  crc: number;
}

/** Length and E.CRC32 of a Storage file as the board sees it; length -1 when it does not exist. */
export async function checkStorageFile(repl: ReplClient, name: string): Promise<FileCheck> {
  const [length, crc] = await repl.call<[number, number]>(
    `(function(s){return s===undefined?[-1,0]:[s.length,E.CRC32(s)]})(require("Storage").read(${JSON.stringify(name)}))`,
    { what: `verifying ${name}`, timeoutMs: 15_000 },
  );
  return { length, crc: crc >>> 0 };
}

export async function writeStorageFile(repl: ReplClient, name: string, bytes: Uint8Array, options: StorageWriteOptions = {}): Promise<FileCheck> {
  const attempts = options.attempts ?? 3;
  const chunks = encodeChunks(bytes, options.chunkBudget ?? DEFAULT_CHUNK_BUDGET);
  const expected: FileCheck = { length: bytes.length, crc: crc32(bytes) };
  const fileName = JSON.stringify(name);
  let lastProblem = '';
  for (let fileAttempt = 1; fileAttempt <= attempts; fileAttempt++) {
    if (fileAttempt > 1) options.onRetry?.(`${lastProblem}; writing ${name} again from the start`);
    let restart = false;
    options.onProgress?.(0, bytes.length);
    for (const chunk of chunks) {
      const hostCrc = crc32(bytes.subarray(chunk.offset, chunk.offset + chunk.length));
      // Offset 0 with the total size creates (or replaces) the file; later chunks fill it in.
      const code = `(function(d){require("Storage").write(${fileName},d,${chunk.offset},${bytes.length});return E.CRC32(d)})(${chunk.expression})`;
      let boardCrc: number | undefined;
      for (let chunkAttempt = 1; chunkAttempt <= attempts && boardCrc === undefined; chunkAttempt++) {
        try {
          boardCrc = (await repl.call<number>(code, { what: `writing ${name} at byte ${chunk.offset}`, timeoutMs: options.chunkTimeoutMs ?? 15_000 })) >>> 0;
        } catch (err) {
          if (err instanceof BoardError) throw storageError(name, err.message);
          if (!(err instanceof FlashError) || err.code !== 'timeout' || chunkAttempt === attempts) throw err;
          // The line or its answer got lost: get a clean prompt and send the same chunk again.
          options.onRetry?.(`no answer for ${name} at byte ${chunk.offset}; sending that chunk again`);
          await repl.getPrompt(undefined, `writing ${name} at byte ${chunk.offset}`);
        }
      }
      if (boardCrc !== hostCrc) {
        lastProblem = `chunk at byte ${chunk.offset} of ${name} arrived damaged (CRC ${boardCrc} on the board, ${hostCrc} sent)`;
        restart = true;
        break;
      }
      options.onProgress?.(chunk.offset + chunk.length, bytes.length);
    }
    if (bytes.length === 0) {
      await repl.call(`require("Storage").write(${fileName},"")`, { what: `writing ${name}` });
    }
    if (restart) continue;
    const found = await checkStorageFile(repl, name);
    if (found.length === expected.length && found.crc === expected.crc) return found;
    lastProblem = `${name} on the board has ${found.length} bytes with CRC ${found.crc}, expected ${expected.length} bytes with CRC ${expected.crc}`;
  }
  throw new FlashError(
    'checksum-mismatch',
    `checksum mismatch: ${lastProblem} (after ${attempts} attempts)`,
    'a noisy cable or a failing flash chip: try another USB cable or port, or `--wipe`',
  );
}

function storageError(name: string, message: string): FlashError {
  if (/not enough|no free|out of|full|too big|unable to find or create/i.test(message)) {
    return new FlashError('storage-full', `out of Storage space writing ${name}: ${message}`, 'run again with --wipe to erase Storage first');
  }
  return new FlashError('board-error', `the board refused to write ${name}: ${message}`);
}
