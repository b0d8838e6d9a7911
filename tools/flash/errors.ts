// Every way a flash can fail, each with a cause the user can act on. The CLI prints the
// message (and hint) and exits non-zero; tests match on `code`.

export type FlashErrorCode =
  | 'invalid-config'
  | 'firmware-missing'
  | 'no-such-port'
  | 'port-busy'
  | 'permission-denied'
  | 'connect-failed'
  | 'no-prompt'
  | 'not-espruino'
  | 'old-espruino'
  | 'timeout'
  | 'connection-lost'
  | 'checksum-mismatch'
  | 'storage-full'
  | 'board-error'
  | 'not-running'
  | 'not-online';

export class FlashError extends Error {
  constructor(
    readonly code: FlashErrorCode,
    message: string,
    /** What to try next, one line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'FlashError';
  }
}
