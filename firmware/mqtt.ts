// A compact MQTT 3.1.1 client over Espruino's `net`: one connection, clean session off,
// Last Will, keepalive with a liveness check, QoS 0/1 publish, one subscription, incoming
// QoS 1 acknowledged, reconnect with backoff. Packets are binary strings (one char = one
// byte); everything the firmware sends is ASCII, so string length = byte length.
// Unacknowledged QoS 1 messages are owned by the caller (queue.ts), which resends them
// through mqttPublish(..., dup) after a reconnect.

export interface MqttSettings {
  host: string;
  port: number;
  id: string;
  user?: string;
  pass?: string;
  keepalive: number;
  will: string;
  sub: string;
  /** Connected and CONNACKed. */
  up: () => void;
  down: () => void;
  msg: (topic: string, payload: string) => void;
  ack: (id: number) => void;
}

let o: MqttSettings;
let sock: any;
/** CONNACK received: publishing is allowed. */
export let mqttUp = false;
let inbuf = '';
let lastRx = 0;
let lastTx = 0;
let backoff = 1;
let retry: any;
let nextId = 0;
/** While a streamed publish is being written, other packets wait here. */
let held = '';
let streamGet: ((i: number) => string | undefined) | undefined;
let streamI = 0;
let streamDone: (() => void) | undefined;

function chr(n: number): string {
  return String.fromCharCode(n);
}

function str16(s: string): string {
  return chr(s.length >> 8) + chr(s.length & 255) + s;
}

/** Fixed header: type/flags byte and the remaining length as a varint. */
function head(b: number, len: number): string {
  let h = chr(b);
  do {
    const d = len & 127;
    len = len >> 7;
    h += chr(len ? d | 128 : d);
  } while (len);
  return h;
}

function write(data: string): void {
  if (streamGet) {
    held += data;
    return;
  }
  if (!sock) return;
  try {
    sock.write(data);
    lastTx = getTime();
  } catch (e) {
    drop();
  }
}

/** Closes the link abruptly (the broker then publishes the Last Will) and reconnects. */
export function drop(): void {
  const s = sock;
  closed(s);
  if (s) {
    try {
      s.end();
    } catch (e) {}
  }
}

function closed(s: any): void {
  if (s !== sock || !s) return;
  sock = undefined;
  inbuf = '';
  held = '';
  streamGet = undefined;
  const was = mqttUp;
  mqttUp = false;
  if (was) o.down();
  schedule();
}

function schedule(): void {
  if (retry || !o) return;
  retry = setTimeout(function () {
    retry = undefined;
    connect();
  }, backoff * 1000);
  backoff = Math.min(backoff * 2, 30);
}

function connect(): void {
  if (sock) return;
  let flags = 0x2c; // will flag, will QoS 1, will retain; clean session off
  let tail = str16(o.will) + str16('offline');
  if (o.user) {
    flags |= 0x80;
    tail += str16(o.user);
    if (o.pass) {
      flags |= 0x40;
      tail += str16(o.pass);
    }
  }
  const body = str16('MQTT') + chr(4) + chr(flags) + chr(o.keepalive >> 8) + chr(o.keepalive & 255) + str16(o.id) + tail;
  let s: any;
  try {
    // Throws at once when nothing listens; blocks while connecting on ESP32.
    s = require('net').connect({ host: o.host, port: o.port }, function () {
      if (s !== sock) return;
      lastRx = getTime();
      write(head(0x10, body.length) + body);
    });
  } catch (e) {
    schedule();
    return;
  }
  sock = s;
  lastRx = lastTx = getTime();
  s.on('data', function (d: string) {
    if (s !== sock) return;
    lastRx = getTime();
    inbuf += d;
    parse();
  });
  s.on('drain', streamNext);
  const gone = function () {
    closed(s);
  };
  s.on('close', gone);
  s.on('end', gone);
  s.on('error', gone);
}

function parse(): void {
  while (inbuf.length > 1) {
    let len = 0;
    let mul = 1;
    let i = 1;
    let c: number;
    do {
      if (i >= inbuf.length) return;
      c = inbuf.charCodeAt(i++);
      len += (c & 127) * mul;
      mul *= 128;
    } while (c & 128);
    if (inbuf.length < i + len) return;
    const type = inbuf.charCodeAt(0);
    const body = inbuf.substr(i, len);
    inbuf = inbuf.slice(i + len);
    packet(type, body);
    if (!sock) return;
  }
}

function packet(type: number, b: string): void {
  const t = type >> 4;
  if (t === 2) {
    // CONNACK
    const rc = b.charCodeAt(1);
    if (rc) {
      print('roomlink: broker refused the connection (' + (rc === 4 || rc === 5 ? 'not authorised: check mqtt.username/password' : 'code ' + rc) + ')');
      drop();
      return;
    }
    backoff = 1;
    mqttUp = true;
    const id = newId();
    const sb = chr(id >> 8) + chr(id & 255) + str16(o.sub) + chr(1);
    write(head(0x82, sb.length) + sb);
    o.up();
  } else if (t === 3) {
    // PUBLISH from the broker
    const qos = (type >> 1) & 3;
    const tl = (b.charCodeAt(0) << 8) | b.charCodeAt(1);
    let p = 2 + tl;
    if (qos) {
      write(head(0x40, 2) + b.substr(p, 2));
      p += 2;
    }
    o.msg(b.substr(2, tl), b.slice(p));
  } else if (t === 4) {
    o.ack((b.charCodeAt(0) << 8) | b.charCodeAt(1));
  }
}

/** Starts connecting; reconnects by itself until mqttStop(). */
export function mqttStart(settings: MqttSettings): void {
  o = settings;
  connect();
}

/** Called every few seconds: keepalive ping, and a dead link is dropped. */
export function mqttTick(): void {
  if (!sock) return;
  const now = getTime();
  const k = o.keepalive;
  if (now - lastRx > k * 1.5 + 5) drop();
  else if (mqttUp && now - lastTx >= k / 2) write(head(0xc0, 0));
}

export function newId(): number {
  nextId = nextId >= 65535 ? 1 : nextId + 1;
  return nextId;
}

/** PUBLISH; with qos 1 give the packet id (from newId(), kept for a resend with dup). */
export function mqttPublish(topic: string, payload: string, qos: number, retain: boolean, id?: number, dup?: boolean): void {
  let v = str16(topic);
  if (qos) v += chr(id! >> 8) + chr(id! & 255);
  write(head(0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0), v.length + payload.length) + v + payload);
}

/**
 * A retained QoS 0 PUBLISH whose payload is produced piece by piece by get(0), get(1), ...
 * until undefined: the length is computed first, then pieces are written one at a time as
 * the socket drains, so the whole payload is never held. done() runs when it is written.
 */
export function mqttStream(topic: string, get: (i: number) => string | undefined, done: () => void): void {
  let len = 0;
  let piece: string | undefined;
  for (let i = 0; (piece = get(i)) !== undefined; i++) len += piece.length;
  write(head(0x31, 2 + topic.length + len) + str16(topic));
  streamGet = get;
  streamI = 0;
  streamDone = done;
  streamNext();
}

function streamNext(): void {
  if (!streamGet || !sock) return;
  const piece = streamGet(streamI++);
  if (piece === undefined) {
    streamGet = undefined;
    const rest = held;
    held = '';
    if (rest) write(rest);
    if (streamDone) streamDone();
    return;
  }
  try {
    sock.write(piece);
    lastTx = getTime();
  } catch (e) {
    drop();
    return;
  }
  // Espruino emits 'drain' once its send buffer is empty; the timer is a fallback.
  setTimeout(streamNext, 20);
}

/** Sends DISCONNECT (no Last Will) and stops reconnecting. */
export function mqttStop(): void {
  if (retry) clearTimeout(retry);
  retry = undefined;
  const s = sock;
  write(head(0xe0, 0));
  o = undefined as any;
  sock = undefined;
  mqttUp = false;
  if (s) {
    try {
      s.end();
    } catch (e) {}
  }
}
