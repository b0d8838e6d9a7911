// aedes-persistence-level ships no types; this is the part roomlink uses.
declare module 'aedes-persistence-level' {
  import type { AbstractLevel } from 'abstract-level';

  export interface LevelPersistence {
    /** Closes the underlying database after pending writes. */
    destroy(): Promise<void>;
  }

  // Any abstract-level database, whatever its formats and encodings: values are written with per-call buffer encoding.
  export default function aedesPersistenceLevel<Format, Key, Value>(db: AbstractLevel<Format, Key, Value>): LevelPersistence;
}
