// The serial line format between nodes and the hub. One reading per line, either a JSON
// object  {"node":"kitchen-1","room":"kitchen","temperature":21.5,"seq":7}
// or key=value pairs  node=usb-co2 room=office carbon_dioxide=612
// Anything else a board prints (boot banner, REPL prompt, logs) is node output, not an error.

import { checkValue, formatValue, getMeasurement, type ReadingValue, type ValueRefusal } from './measurements.ts';
import { RESERVED_NODE_IDS, utf8Length } from './topics.ts';
import { isSlug, printable, slugProblem } from './slug.ts';
import { asciiJson } from './json.ts';

/** Longest line accepted, in bytes, terminator excluded. */
export const MAX_LINE_BYTES = 1024;

export interface MeasuredValue {
  measurement: string;
  value: ReadingValue;
}

export interface Reading {
  node: string;
  /** Absent when the line did not say; the hub may fill it from its config. */
  room?: string;
  values: MeasuredValue[];
  /** Per-node counter, for de-duplication. */
  seq?: number;
  /**
   * Set by roomlink firmware only: an id the node picks at each boot (so `seq` restarting at 0
   * after a reboot is not taken for a repeat). Its presence also tells the hub that the node
   * runs roomlink firmware and takes commands as REPL calls.
   */
  boot?: string;
  /** When it was measured, as the node knows it (seconds). */
  ts?: number;
}

export type LineRefusal =
  | 'too_long'
  | 'binary'
  | 'malformed_json'
  | 'not_object'
  | 'no_node'
  | 'invalid_node'
  | 'invalid_room'
  | 'invalid_boot'
  | 'invalid_seq'
  | 'invalid_ts'
  | 'no_values'
  | ValueRefusal;

/** A value left out of an otherwise good reading. */
export interface ValueProblem {
  measurement: string;
  reason: ValueRefusal;
  message: string;
}

/**
 * A node describing itself: {"node":"kitchen-1","room":"kitchen","info":{...}}. roomlink
 * firmware prints one at boot and after a command; the hub publishes it on the node's
 * info topic and learns from it that the node runs roomlink firmware.
 */
export interface NodeInfoLine {
  node: string;
  room?: string;
  info: { [key: string]: unknown };
}

export type DecodedLine =
  | { kind: 'reading'; reading: Reading; problems: ValueProblem[] }
  | { kind: 'info'; line: NodeInfoLine }
  | { kind: 'output'; text: string }
  | { kind: 'empty' }
  | { kind: 'refused'; reason: LineRefusal; message: string };

function refused(reason: LineRefusal, message: string): DecodedLine {
  return { kind: 'refused', reason: reason, message: message };
}

/**
 * Strips what a terminal would have overwritten: Espruino prints each line from a program
 * as ">\r\x1b[J{...}\r\n" while its REPL prompt is showing, so keep only the text after the
 * last carriage return and drop leading ANSI escape sequences. A line printed while a command
 * from the hub runs comes right after the prompt, with no carriage return (">{...}"): the
 * prompt before a JSON object is dropped too.
 */
export function cleanConsoleLine(raw: string): string {
  let line = raw;
  let end = line.length;
  while (end > 0 && (line.charAt(end - 1) === '\r' || line.charAt(end - 1) === '\n')) end--;
  if (end !== line.length) line = line.slice(0, end);
  const cr = line.lastIndexOf('\r');
  if (cr >= 0) line = line.slice(cr + 1);
  while (line.charCodeAt(0) === 27 && line.charAt(1) === '[') {
    let i = 2;
    while (i < line.length) {
      const c = line.charCodeAt(i);
      i++;
      if (c >= 64 && c <= 126) break;
    }
    line = line.slice(i);
  }
  let prompt = 0;
  while (line.charAt(prompt) === '>') prompt++;
  if (prompt > 0 && line.charAt(prompt) === '{') line = line.slice(prompt);
  return line;
}

/** Index of a control character (other than tab) or U+FFFD (a decoder's mark for bad bytes). */
function binaryIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127 || c === 0xfffd) return i;
  }
  return -1;
}

function isKeyValueLine(line: string): boolean {
  return line.indexOf('node=') === 0 || line.indexOf(' node=') > 0;
}

function hasKey(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Why a node id cannot be used (not a slug, or reserved), or undefined. */
function nodeIdProblem(node: unknown): string | undefined {
  const problem = slugProblem(node, 'node id');
  if (problem) return problem;
  return RESERVED_NODE_IDS.indexOf(node as string) >= 0 ? "node id '" + node + "' is reserved" : undefined;
}

/** Longest boot id, in characters. */
const MAX_BOOT_ID = 16;

function bootIdProblem(boot: unknown): string | undefined {
  if (typeof boot !== 'string' || boot.length === 0 || boot.length > MAX_BOOT_ID) return 'boot must be 1..' + MAX_BOOT_ID + ' characters of a-z, 0-9';
  for (let i = 0; i < boot.length; i++) {
    const c = boot.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return 'boot must be 1..' + MAX_BOOT_ID + ' characters of a-z, 0-9';
  }
  return undefined;
}

/** Checks node, room, seq, ts and boot, then every other key as a measurement. */
function readingFrom(fields: { [key: string]: unknown }, keys: string[], lenient: boolean, defaultNode: string | undefined): DecodedLine {
  const node = fields['node'] === undefined ? defaultNode : fields['node'];
  if (node === undefined) {
    return refused('no_node', 'reading names no node: add node=<id> to the line, or set the node of its port in the hub settings (serial.ports[].node)');
  }
  const nodeProblem = nodeIdProblem(node);
  if (nodeProblem) return refused('invalid_node', nodeProblem);
  const reading: Reading = { node: node as string, values: [] };
  if (hasKey(fields, 'room')) {
    const roomProblem = slugProblem(fields['room'], 'room');
    if (roomProblem) return refused('invalid_room', roomProblem);
    reading.room = fields['room'] as string;
  }
  if (hasKey(fields, 'seq')) {
    let seq = fields['seq'];
    if (lenient && typeof seq === 'string') seq = seq.length > 0 && seq.length < 16 ? Number(seq) : NaN;
    if (typeof seq !== 'number' || !(seq >= 0 && seq <= 4294967295) || Math.floor(seq) !== seq) {
      return refused('invalid_seq', 'seq must be an integer 0..4294967295');
    }
    reading.seq = seq;
  }
  if (hasKey(fields, 'ts')) {
    let ts = fields['ts'];
    if (lenient && typeof ts === 'string') ts = ts.length > 0 && ts.length < 24 ? Number(ts) : NaN;
    if (typeof ts !== 'number' || !(ts >= 0 && ts < 1e13)) return refused('invalid_ts', 'ts must be a non-negative number');
    reading.ts = ts;
  }
  if (hasKey(fields, 'boot')) {
    const bootProblem = bootIdProblem(fields['boot']);
    if (bootProblem) return refused('invalid_boot', bootProblem);
    reading.boot = fields['boot'] as string;
  }
  const problems: ValueProblem[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'node' || key === 'room' || key === 'seq' || key === 'ts' || key === 'boot') continue;
    const check = checkValue(key, fields[key], lenient);
    if (check.ok) reading.values.push({ measurement: key, value: check.value });
    else problems.push({ measurement: isSlug(key) ? key : printable(key, 32), reason: check.reason, message: check.message });
  }
  if (reading.values.length === 0) {
    if (problems.length > 0) return refused(problems[0].reason, problems[0].message);
    return refused('no_values', 'reading from ' + reading.node + ' has no measurements');
  }
  return { kind: 'reading', reading: reading, problems: problems };
}

function infoFrom(fields: { [key: string]: unknown }, info: unknown): DecodedLine {
  const nodeProblem = nodeIdProblem(fields['node']);
  if (nodeProblem) return refused('invalid_node', nodeProblem);
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return refused('not_object', 'info must be an object');
  const line: NodeInfoLine = { node: fields['node'] as string, info: info as { [key: string]: unknown } };
  if (fields['room'] !== undefined) {
    const roomProblem = slugProblem(fields['room'], 'room');
    if (roomProblem) return refused('invalid_room', roomProblem);
    line.room = fields['room'] as string;
  }
  return { kind: 'info', line: line };
}

/** True when a key=value pair of the line names a measurement (`temperature=21.5`). */
function namesMeasurement(line: string): boolean {
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq > 0 && getMeasurement(parts[i].slice(0, eq)) !== undefined) return true;
  }
  return false;
}

function decodeKeyValue(line: string, defaultNode: string | undefined): DecodedLine {
  const fields: { [key: string]: unknown } = {};
  const keys: string[] = [];
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { kind: 'output', text: line };
    const key = part.slice(0, eq);
    if (hasKey(fields, key)) continue;
    fields[key] = part.slice(eq + 1);
    keys.push(key);
  }
  return readingFrom(fields, keys, true, defaultNode);
}

/**
 * Decodes one line (terminator already removed). Never throws. Reports why a line was
 * refused; values that fail validation are dropped from a reading and listed in `problems`
 * while the rest of it is kept. `defaultNode` names the node for lines that do not (a
 * plain USB gadget whose port the hub settings name).
 */
export function decodeLine(raw: string, maxBytes?: number, defaultNode?: string): DecodedLine {
  const limit = maxBytes || MAX_LINE_BYTES;
  if (raw.length > limit || utf8Length(raw) > limit) {
    return refused('too_long', 'line is longer than ' + limit + ' bytes');
  }
  const line = cleanConsoleLine(raw);
  const bad = binaryIndex(line);
  if (bad >= 0) return refused('binary', 'line holds a control or undecodable byte at position ' + (bad + 1));
  let start = 0;
  while (line.charAt(start) === ' ' || line.charAt(start) === '\t') start++;
  if (start === line.length) return { kind: 'empty' };
  const first = line.charAt(start);
  if (first === '{') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (_) {
      return refused('malformed_json', 'line starts like JSON but does not parse');
    }
    if (typeof parsed !== 'object' || parsed === null) return refused('not_object', 'line is JSON but not an object');
    const info = (parsed as { [key: string]: unknown })['info'];
    if (info !== undefined) return infoFrom(parsed as { [key: string]: unknown }, info);
    return readingFrom(parsed as { [key: string]: unknown }, Object.keys(parsed as object), false, defaultNode);
  }
  if (first === '[') {
    let isJson = true;
    try {
      JSON.parse(line);
    } catch (_) {
      isJson = false;
    }
    return isJson ? refused('not_object', 'line is JSON but not an object') : { kind: 'output', text: line };
  }
  // A gadget whose port names its node may leave node= out of its key=value lines; one whose
  // port does not is refused as no_node (decodeKeyValue keeps prose with a '=' as output).
  const rest = line.slice(start);
  if (isKeyValueLine(line) || (line.indexOf('=') > 0 && (defaultNode !== undefined || namesMeasurement(rest)))) return decodeKeyValue(rest, defaultNode);
  return { kind: 'output', text: line };
}

/** One line (without terminator) for a reading, as a roomlink node prints it. */
export function encodeReading(reading: Reading): string {
  let line = '{"node":"' + reading.node + '"';
  if (reading.room) line += ',"room":"' + reading.room + '"';
  for (let i = 0; i < reading.values.length; i++) {
    const v = reading.values[i];
    const m = getMeasurement(v.measurement);
    const text = m && m.kind === 'binary' ? (v.value ? 'true' : 'false') : formatValue(v.measurement, v.value);
    line += ',"' + v.measurement + '":' + text;
  }
  if (reading.seq !== undefined) line += ',"seq":' + reading.seq;
  if (reading.ts !== undefined) line += ',"ts":' + reading.ts;
  if (reading.boot !== undefined) line += ',"boot":"' + reading.boot + '"';
  return line + '}';
}

/**
 * The global function roomlink firmware exposes on its REPL for commands from the hub:
 * the hub writes "\x10" + COMMAND_ENTRY + "(<json>)\n" (0x10: execute without echo).
 */
export const COMMAND_ENTRY = 'roomlinkCommand';

/**
 * The REPL line that delivers a command object to roomlink firmware. The JSON is re-encoded
 * here (ASCII only, so U+2028/U+2029 cannot end the JS line early), so nothing but data
 * reaches the board's interpreter.
 */
export function commandLine(command: { [key: string]: unknown }): string {
  return '\u0010' + COMMAND_ENTRY + '(' + asciiJson(command) + ')\n';
}
