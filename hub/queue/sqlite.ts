// better-sqlite3 ships no type declarations (and @types/better-sqlite3 is not installed):
// this names the part of its API the queue uses, so the rest of the hub stays typed.
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
}

export interface Statement<Params extends unknown[], Row = unknown> {
  run(...params: Params): RunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
}

export interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): void;
  prepare<Params extends unknown[] = [], Row = unknown>(source: string): Statement<Params, Row>;
  /** Wraps `fn` so each call runs inside one transaction. */
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  close(): void;
}

type DatabaseConstructor = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDatabase;

export const Database = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
