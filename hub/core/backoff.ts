// The one retry schedule of the hub (broker reconnects, refused logins, serial ports that
// cannot be opened): doubling from `minMs`, capped at `maxMs`.

/** The delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, minMs: number, maxMs: number): number {
  // The exponent is capped so that 2 ** n stays finite however long the failure lasts.
  return Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
}
