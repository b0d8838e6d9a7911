// aedes-persistence-level ships no types; this is the part roomlink uses.
declare module 'aedes-persistence-level' {
  import type { AbstractLevel } from 'abstract-level';

  export interface LevelPersistence {
    /** Closes the underlying database after pending writes. */
    destroy(): Promise<void>;
  }

  // Any abstract-level database; values are written with per-call buffer encoding.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export default function aedesPersistenceLevel(db: AbstractLevel<any, any, any>): LevelPersistence;
}
