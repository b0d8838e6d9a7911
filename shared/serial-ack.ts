// Acknowledgements from the hub to a roomlink node on USB serial, so that nothing is lost
// over USB either. Both sides speak it; it runs on Espruino too.
//
// A roomlink node keeps each reading it prints in its Storage queue until the hub says it
// has it. A reading line carries the node's boot id (a fresh one at each boot) and its
// sequence number in that boot: {"node":"k","temperature":21.5,"seq":17,"boot":"x7k2q9"}.
// Once the hub has committed readings to its durable queue it acknowledges them, by boot and
// inclusive sequence range, in one echo-off REPL line:
//   \x10roomlinkAck("x7k2q9",0,63);roomlinkAck("x7k2q9",70,70)\n
// When it opens a port where roomlink firmware ran before it announces itself:
//   \x10roomlinkHub()\n
// and the node sends what is still unacknowledged, oldest first. A node that hears nothing
// for a while sends it again anyway; the hub recognises repeats by (node, boot, seq), drops
// them and acknowledges them again.

/** Global function the firmware exposes for acknowledgements: roomlinkAck(boot, from, to). */
export const ACK_ENTRY = 'roomlinkAck';
/** Global function the firmware exposes for the hub's announcement: roomlinkHub(). */
export const HUB_ENTRY = 'roomlinkHub';
/** Ranges per acknowledgement line: keeps each REPL line short (well under 256 bytes). */
export const ACK_RANGES_PER_LINE = 4;

export interface SeqRange {
  boot: string;
  /** First and last sequence number acknowledged, inclusive. */
  from: number;
  to: number;
}

/** One REPL line acknowledging up to ACK_RANGES_PER_LINE ranges. */
export function ackLine(ranges: SeqRange[]): string {
  let calls = '';
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    calls += (i > 0 ? ';' : '') + ACK_ENTRY + '("' + r.boot + '",' + r.from + ',' + r.to + ')';
  }
  return '\u0010' + calls + '\n';
}

/** The line the hub writes when it opens a port with roomlink firmware behind it. */
export function hubHelloLine(): string {
  return '\u0010' + HUB_ENTRY + '()\n';
}
