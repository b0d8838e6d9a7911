// Readings on their way to the broker, in order, none lost across broker outages, reboots
// and deep sleep. A message is one line: "<topic> <payload>" for MQTT, or (transport
// "serial") the reading line the hub reads, acknowledged by the hub by boot id and seq
// (shared/serial-ack.ts) once it has committed it.
//   ram  - messages that come before everything in the file (sent or not), at most 3
//          (one round of readings; each costs ~7 blocks of RAM, a line in flight from
//          the file 1)
//   file - Storage `roomlink.q`, append-only: `acked` lines delivered, then `fly` (sent,
//          awaiting PUBACK), then the rest, read in order through `reader`. Only the packet
//          ids of the lines in flight are kept in RAM; a resend after a reconnect reads the
//          lines again from the file.
// A reading goes to ram only while connected with an empty file, otherwise to the file,
// so whatever is taken offline is in flash at once. The state file `roomlink.qs`
// ({c: acked, d: ram lines}) is written when the link drops and before reboot or sleep;
// at boot it restores ram and the file position. Delivery is at least once: after a power
// cut a few messages may arrive twice, never out of order.
// Flash: an erased file's space stays taken ("trash") until Storage.compact(), and getFree()
// does not count it; so room is free + trash (Espruino compacts when a write needs it), and
// when free space runs low the trash is compacted while the node is idle (qIdle), not in
// the middle of a round of readings.
// Serial: every reading goes into the file first; the "link" is up while the hub answers,
// and readings go out in order, as over MQTT
// (a subscriber's retained value must end at the newest). Up to 8 lines are in flight and
// the hub acknowledges within tens of ms, so a backlog drains at the serial line's speed
// (some 60-100 lines/s at 115200 baud) and a live reading waits no longer than that. Lines
// in flight all come from one boot, so their ids are their seq + 1. Nothing acknowledged for
// 10 s: sent again, oldest first; nothing heard for 30 s: the hub is gone. While no hub
// answers, readings go to Storage and the node prints its info (with `queued`) every 10 s;
// a hub that reads it, or opens a port where such a node was, announces itself
// (roomlinkHub), and the node sends what it holds, oldest first.

import { mqttPublish, mqttUp, newId, streaming } from './mqtt.ts';

// Numbers and names are written out where used: each top-level constant would cost RAM
// for good. Files: `roomlink.q` (the queue), `roomlink.qs` (its state). At most 4 messages
// are in flight. 16 KB of flash stay free for everything else; erased space is compacted
// once free space at the end of Storage falls below 64 KB.
const storage = require('Storage');

interface Msg {
  l: string;
  /** Packet id once sent, 0 before. */
  i: number;
}

/** The state file `roomlink.qs`: `c` lines of the file acknowledged, `d` the lines in ram. */
interface QueueState {
  c: number;
  d: string[];
}

const ram: Msg[] = [];
/** Transport "serial": lines are printed for the hub instead of published. */
let serialQ = false;
/** The hub answered lately (serial). */
let hubUp = false;
/** getTime() of the hub's last word, of the last progress of what is in flight, and of the last call for a hub (serial). */
let heard = 0;
let moved = 0;
let asked = 0;
/** Boot id of the file lines in flight (serial), and a line held back for belonging to another. */
let flyBoot = '';
let held: string | undefined;
/** Packet ids of the file's lines in flight, in file order; 0 = acknowledged out of order. */
let fly: number[] = [];
let acked = 0;
let backlog = false;
let reader: StorageFile | undefined;
let saved = false;
/** Readings dropped because flash was full. */
export let dropped = 0;

/** Publishes a queued line ("<topic> <payload>", a file line's newline trimmed), or prints it. */
function send(line: string, id: number, dup: boolean): void {
  if (serialQ) {
    print(line.trim());
    return;
  }
  const space = line.indexOf(' ');
  mqttPublish(line.slice(0, space), line.slice(space + 1).trim(), 1, true, id, dup);
}

/** A serial line's seq + 1 (0 means unsent), and its boot id. */
function seqId(line: string): number {
  return parseInt(line.slice(line.indexOf('"seq":') + 6), 10) + 1;
}

function bootOf(line: string): string {
  const i = line.indexOf('"boot":"') + 8;
  return line.slice(i, line.indexOf('"', i));
}

function sentCount(): number {
  let sent = fly.length;
  for (let i = 0; i < ram.length; i++) if (ram[i].i) sent++;
  return sent;
}

/** Loads what a previous boot left undelivered; `serial` for the serial transport. */
export function qInit(serial: boolean): void {
  serialQ = serial;
  const state = storage.readJSON<QueueState>('roomlink.qs', true);
  if (state) {
    for (let i = 0; i < state.d.length; i++) ram.push({ l: state.d[i], i: 0 });
    acked = state.c;
    saved = true;
  }
  backlog = storage.open('roomlink.q', 'r').getLength() > 0;
  if (backlog) openReader();
}

/**
 * Reads the file from the first unacknowledged line. Lines in flight (only after a
 * reconnect) are sent again on the way, with DUP and their packet ids.
 */
function openReader(): void {
  held = undefined;
  reader = storage.open('roomlink.q', 'r');
  for (let i = 0; i < acked; i++) reader.readLine();
  for (let i = 0; i < fly.length; i++) {
    const line = reader.readLine();
    if (fly[i] && line) send(line, fly[i], true);
  }
}

/** Number of readings not yet delivered (approximate for the file part). */
export function qCount(): number {
  return ram.length + fly.length + (backlog ? 1 : 0);
}

/** Flash left for the queue: free space plus what compaction would reclaim. */
function room(): boolean {
  const stats = storage.getStats();
  return stats.freeBytes + stats.trashBytes > 16384;
}

/** Called when the node is idle: compacts Storage once free space runs low. */
export function qIdle(): void {
  const stats = storage.getStats();
  if (stats.trashBytes && stats.freeBytes < 65536) storage.compact();
}

export function qAdd(line: string): void {
  // Serial: always into Storage first. A hub can vanish without a word, and a line printed
  // to nobody must survive the power cut that may follow.
  if (!serialQ && mqttUp && !backlog && ram.length < 3) {
    ram.push({ l: line, i: 0 });
  } else if (room()) {
    storage.open('roomlink.q', 'a').write(line + '\n');
    if (!backlog) {
      backlog = true;
      openReader();
    }
  } else dropped++;
  qPump();
}

/** Sends what the window allows (not while discovery streams: it would wait in RAM). */
export function qPump(): void {
  if (serialQ ? !hubUp : !mqttUp || streaming) return;
  // Serial: acknowledgements come in batches (every 200 ms at most), so more may be in flight.
  const max = serialQ ? 8 : 4;
  let sent = sentCount();
  if (!sent) moved = getTime();
  for (let i = 0; i < ram.length && sent < max; i++) {
    if (!ram[i].i) {
      ram[i].i = serialQ ? seqId(ram[i].l) : newId();
      send(ram[i].l, ram[i].i, false);
      sent++;
    }
  }
  while (backlog && sent < max) {
    // A backlog always has its reader open (openReader).
    const line = held || reader!.readLine();
    held = undefined;
    if (serialQ && line) {
      const boot = bootOf(line);
      // One boot in flight at a time: the next boot's lines wait until these are acknowledged.
      if (fly.length && boot !== flyBoot) {
        held = line;
        break;
      }
      flyBoot = boot;
    }
    if (!line) {
      // End of the file (a reader sees later appends): once all is acknowledged, start afresh.
      if (!fly.length) {
        storage.open('roomlink.q', 'r').erase();
        backlog = false;
        reader = undefined;
        acked = 0;
      }
      break;
    }
    const id = serialQ ? seqId(line) : newId();
    fly.push(id);
    send(line, id, false);
    sent++;
  }
  if (saved && !ram.length && !backlog) {
    storage.erase('roomlink.qs');
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
    if (fly[i] === id) {
      fly[i] = 0;
      while (fly.length && !fly[0]) {
        fly.shift();
        acked++;
      }
      qPump();
      return true;
    }
  }
  return false;
}

/** After a reconnect: resend the unacknowledged with DUP and their ids, then go on. */
export function qResend(): void {
  for (let i = 0; i < ram.length; i++) if (ram[i].i) send(ram[i].l, ram[i].i, true);
  if (serialQ) {
    // From the oldest unacknowledged line of the file, as the drain goes.
    fly = [];
    moved = getTime();
    if (backlog) openReader();
  } else if (fly.length) openReader();
  qPump();
}

/**
 * The hub acknowledges the readings of boot `boot` with seq from..to (serial; the firmware's
 * roomlinkAck). The first word from a hub after silence starts the resend.
 */
export function qAckRange(boot: string, from: number, to: number): void {
  heard = getTime();
  for (let i = ram.length - 1; i >= 0; i--) {
    const id = ram[i].i;
    if (id > from && id <= to + 1 && bootOf(ram[i].l) === boot) {
      ram.splice(i, 1);
      moved = heard;
    }
  }
  if (boot === flyBoot) for (let i = 0; i < fly.length; i++) if (fly[i] > from && fly[i] <= to + 1) fly[i] = 0;
  while (fly.length && !fly[0]) {
    fly.shift();
    acked++;
    moved = heard;
  }
  qHub();
}

/** A hub is there (it announced itself, or acknowledged): send what is unacknowledged. */
export function qHub(): void {
  heard = getTime();
  if (hubUp) {
    qPump();
    return;
  }
  hubUp = true;
  qResend();
}

/**
 * Every few seconds (serial): resend what sits unacknowledged, give up on a silent hub.
 * True when readings wait for a hub that is not there: time to print the info line again.
 */
export function qTick(): boolean {
  const now = getTime();
  if (!hubUp) {
    if (now - asked < 10) return false;
    asked = now;
    return true;
  }
  if (!sentCount()) return false;
  if (now - heard > 30) {
    hubUp = false;
    qSave();
  } else if (now - moved > 10) qResend();
  return false;
}

/** Writes the state file, so ram and the file position survive a reboot. */
export function qSave(): void {
  if (!ram.length && !backlog) return;
  const lines: string[] = [];
  for (let i = 0; i < ram.length; i++) lines.push(ram[i].l);
  const state: QueueState = { c: acked, d: lines };
  storage.writeJSON('roomlink.qs', state);
  saved = true;
}

/** True when nothing is waiting for delivery. */
export function qEmpty(): boolean {
  return !ram.length && !backlog;
}
