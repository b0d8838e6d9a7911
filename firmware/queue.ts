// Readings on their way to the broker, in order, none lost across broker outages, reboots
// and deep sleep. A message is one line "<topic> <payload>".
//   ram  - messages that come before everything in the file (sent or not), at most WINDOW
//   file - Storage `roomlink.q`, append-only: `acked` lines delivered, then `fly` (sent,
//          awaiting PUBACK), then the rest, read in order through `reader`.
// A reading goes to ram only while connected with an empty file, otherwise to the file,
// so whatever is taken offline is in flash at once. The state file `roomlink.qs`
// ({c: acked, d: ram lines}) is written when the link drops and before reboot or sleep;
// at boot it restores ram and the file position. Delivery is at least once: after a power
// cut a few messages may arrive twice, never out of order.
// Flash: an erased file's space stays taken ("trash") until Storage.compact(), and getFree()
// does not count it; so room is free + trash (Espruino compacts when a write needs it), and
// when free space runs low the trash is compacted while the node is idle (qIdle), not in
// the middle of a round of readings.

import { mqttPublish, mqttUp, newId } from './mqtt.ts';

const S = require('Storage');
const FILE = 'roomlink.q';
const STATE = 'roomlink.qs';
const WINDOW = 8;
/** Flash kept free for everything else. */
const RESERVE = 16384;
/** Erased space is reclaimed once free space at the end of Storage falls below this. */
const COMPACT_BELOW = 65536;

interface Msg {
  l: string;
  /** Packet id once sent, 0 before. */
  i: number;
}

let ram: Msg[] = [];
let fly: Msg[] = [];
let acked = 0;
let backlog = false;
let reader: any;
let saved = false;
/** Readings dropped because flash was full. */
export let dropped = 0;
/** Paused while a streamed publish (discovery) is being written. */
export let qPaused = false;

function send(m: Msg): void {
  const sp = m.l.indexOf(' ');
  const dup = m.i > 0;
  if (!dup) m.i = newId();
  mqttPublish(m.l.slice(0, sp), m.l.slice(sp + 1), 1, true, m.i, dup);
}

function sentCount(): number {
  let n = fly.length;
  for (let i = 0; i < ram.length; i++) if (ram[i].i) n++;
  return n;
}

/** Loads what a previous boot left undelivered. */
export function qInit(): void {
  const st = S.readJSON(STATE, true);
  if (st) {
    for (let i = 0; i < st.d.length; i++) ram.push({ l: st.d[i], i: 0 });
    acked = st.c;
    saved = true;
  }
  backlog = S.open(FILE, 'r').getLength() > 0;
  if (backlog) openReader();
}

function openReader(): void {
  reader = S.open(FILE, 'r');
  for (let i = 0; i < acked + fly.length; i++) reader.readLine();
}

/** Number of readings not yet delivered (approximate for the file part). */
export function qCount(): number {
  return ram.length + fly.length + (backlog ? 1 : 0);
}

/** Flash left for the queue: free space plus what compaction would reclaim. */
function room(): boolean {
  const st = S.getStats();
  return st.freeBytes + st.trashBytes > RESERVE;
}

/** Called when the node is idle: compacts Storage once free space runs low. */
export function qIdle(): void {
  const st = S.getStats();
  if (st.trashBytes && st.freeBytes < COMPACT_BELOW) S.compact();
}

export function qAdd(line: string): void {
  if (mqttUp && !backlog && ram.length < WINDOW) {
    ram.push({ l: line, i: 0 });
  } else if (room()) {
    S.open(FILE, 'a').write(line + '\n');
    if (!backlog) {
      backlog = true;
      openReader();
    }
  } else dropped++;
  qPump();
}

/** Sends what the window allows. */
export function qPump(): void {
  if (!mqttUp || qPaused) return;
  let n = sentCount();
  for (let i = 0; i < ram.length && n < WINDOW; i++) {
    if (!ram[i].i) {
      send(ram[i]);
      n++;
    }
  }
  while (backlog && n < WINDOW) {
    const line = reader.readLine();
    if (!line) {
      // End of the file (a reader sees later appends): once all is acknowledged, start afresh.
      if (!fly.length) {
        S.open(FILE, 'r').erase();
        backlog = false;
        reader = undefined;
        acked = 0;
      }
      break;
    }
    const m = { l: line.slice(0, line.length - 1), i: 0 };
    fly.push(m);
    send(m);
    n++;
  }
  if (saved && !ram.length && !backlog) {
    S.erase(STATE);
    saved = false;
  }
}

/** A PUBACK: true when it matched a message waiting for it. */
export function qAck(id: number): boolean {
  for (let i = 0; i < ram.length; i++) {
    if (ram[i].i === id) {
      ram.splice(i, 1);
      qPump();
      return true;
    }
  }
  for (let i = 0; i < fly.length; i++) {
    if (fly[i].i === id) {
      fly.splice(i, 1);
      acked++;
      qPump();
      return true;
    }
  }
  return false;
}

/** After a reconnect: resend the unacknowledged with DUP and their ids, then go on. */
export function qResend(): void {
  for (let i = 0; i < ram.length; i++) if (ram[i].i) send(ram[i]);
  for (let i = 0; i < fly.length; i++) send(fly[i]);
  qPump();
}

/** Paused while discovery streams; qResend() goes on afterwards. */
export function qPause(p: boolean): void {
  qPaused = p;
}

/** Writes the state file, so ram and the file position survive a reboot. */
export function qSave(): void {
  if (!ram.length && !backlog) return;
  const d: string[] = [];
  for (let i = 0; i < ram.length; i++) d.push(ram[i].l);
  S.writeJSON(STATE, { c: acked, d: d });
  saved = true;
}

/** True when nothing is waiting for delivery. */
export function qEmpty(): boolean {
  return !ram.length && !backlog;
}
