// A compact MQTT 3.1.1 client over Espruino's `net`: one connection, clean session off,
// Last Will, keepalive with a liveness check, QoS 0/1 publish, subscriptions at QoS 1,
// incoming QoS 1 acknowledged, reconnect with backoff. Packets are binary strings (one char =
// one byte); everything the firmware sends is ASCII, so string length = byte length.
// Unacknowledged QoS 1 messages are owned by the caller (queue.ts), which resends them
// through mqttPublish(..., dup) after a reconnect.
//
// What comes from the broker is checked as MQTT 3.1.1 §4.8 asks: a packet of a type or with
// flags the server may not send to this client, a length field of more than 4 bytes or one
// that does not fit the packet, a second CONNACK, QoS 2 (never granted: we subscribe at
// QoS 1) close the connection; reconnecting then resends what is unacknowledged with DUP.
// Only complete valid packets count as signs of life. Backoff (1, 2, 4 ... 30 s) resets only
// once a connection has stayed up 30 s or a PUBACK arrived, and a PUBACK that does not come
// within min(keepalive, 30) s drops the connection too.

/**
 * What of a socket from require('net').connect this client uses. Declared here, not in
 * espruino.d.ts, because the tests type-check this module under Node as well.
 */
interface Socket {
  on(event: 'data', fn: (data: string) => void): void;
  on(event: 'drain' | 'close', fn: () => void): void;
  removeAllListeners(event: string): void;
  write(data: string): void;
  end(): void;
}

export interface MqttSettings {
  host: string;
  port: number;
  id: string;
  user?: string;
  pass?: string;
  keepalive: number;
  will: string;
  /** Topic filters subscribed (QoS 1, one SUBSCRIBE) after every CONNACK. */
  subs: string[];
  /** Connected and CONNACKed; `session` = the broker kept this client's session (and so its retained messages). */
  up: (session: number) => void;
  down: () => void;
  /** A PUBLISH from the broker; `retain` set means a retained message sent on subscribing. */
  msg: (topic: string, payload: string, retain: boolean) => void;
  /** A PUBACK; returns whether it matched a message waiting for it. */
  ack: (id: number) => boolean;
}

// RAM is what limits the node (issue 13: at most 1,000 Espruino blocks), and every
// top-level function or variable costs blocks for as long as the program runs, so this
// module keeps few of them: numbers are written out, small steps are inlined.

/** Undefined only after mqttStop(), when no socket or retry is left to use it (hence the `!`s). */
let mqtt: MqttSettings | undefined;
let sock: Socket | undefined;
/** CONNACK received: publishing is allowed. */
export let mqttUp = false;
let inbuf = '';
let lastRx = 0;
let lastTx = 0;
let backoff = 1;
let retry: ReturnType<typeof setTimeout> | undefined;
let nextId = 0;
/** When the current connection was accepted (CONNACK). */
let upAt = 0;
/** QoS 1 publishes on this connection not yet acknowledged, and when the last PUBACK (or the first of them) came. */
let unacked = 0;
let ackAt = 0;
/** Packet id of this connection's SUBSCRIBE. */
let subId = 0;
/** Bytes of an oversized PUBLISH still to be discarded. */
let skip = 0;
/** The pieces of a streamed publish (discovery) being written; other packets wait in `held`. */
export let streaming: ((i: number) => string | undefined) | undefined;
let held = '';
let streamI = 0;
let streamDone: (() => void) | undefined;
/** The fallback timer for the stream's next piece (one at a time: see streamNext). */
let streamTimer: ReturnType<typeof setTimeout> | undefined;

function str16(text: string): string {
  return String.fromCharCode(text.length >> 8, text.length & 255) + text;
}

/** Fixed header: type/flags byte and the remaining length as a varint. */
function head(first: number, len: number): string {
  let header = String.fromCharCode(first);
  do {
    const digit = len & 127;
    len = len >> 7;
    header += String.fromCharCode(len ? digit | 128 : digit);
  } while (len);
  return header;
}

function write(data: string): void {
  if (streaming) {
    held += data;
    return;
  }
  if (!sock) return;
  try {
    sock.write(data);
    lastTx = getTime();
  } catch (_) {
    drop();
  }
}

/**
 * Closes the link abruptly (the broker then publishes the Last Will) and reconnects; with
 * `socket`, only if that is still the current socket (its 'close' event).
 */
export function drop(socket?: Socket): void {
  const was = sock;
  if (!was || (socket && socket !== was)) return;
  sock = undefined;
  inbuf = held = '';
  skip = unacked = 0;
  streaming = streamDone = undefined;
  try {
    was.end();
  } catch (_) {}
  if (mqttUp) {
    mqttUp = false;
    mqtt!.down();
  }
  schedule();
}

/** A broker that breaks the protocol: say what, close (§4.8), reconnect. */
function bad(what: string): void {
  print('roomlink: ' + what + ' from the broker, reconnecting');
  drop();
}

function schedule(): void {
  if (retry || !mqtt) return;
  retry = setTimeout(function () {
    retry = undefined;
    connect();
  }, backoff * 1000);
  backoff = Math.min(backoff * 2, 30);
}

function connect(): void {
  if (sock) return;
  let socket: Socket;
  // On ESP32 connect blocks until the broker answers or lwIP gives up: the watchdog gets its
  // full time, and a host that made us wait is retried only at the longest backoff.
  E.kickWatchdog();
  const startedAt = getTime();
  try {
    // Throws at once when nothing listens.
    socket = require('net').connect({ host: mqtt!.host, port: mqtt!.port }, function () {
      if (socket !== sock) return;
      lastRx = getTime();
      // CONNECT, built here so that nothing of it stays referenced by the socket's handlers.
      let flags = 0x2c; // will flag, will QoS 1, will retain; clean session off
      let tail = str16(mqtt!.will) + str16('offline');
      if (mqtt!.user) {
        flags |= 0x80;
        tail += str16(mqtt!.user);
        if (mqtt!.pass) {
          flags |= 0x40;
          tail += str16(mqtt!.pass);
        }
      }
      const body = str16('MQTT') + String.fromCharCode(4, flags, mqtt!.keepalive >> 8, mqtt!.keepalive & 255) + str16(mqtt!.id) + tail;
      write(head(0x10, body.length) + body);
      // Espruino keeps the connect listener for the socket's life (9 blocks): it is done.
      socket.removeAllListeners('connect');
    });
  } catch (_) {
    if (getTime() - startedAt > 2) backoff = 30;
    schedule();
    return;
  }
  sock = socket;
  lastRx = lastTx = getTime();
  socket.on('data', function (data: string) {
    if (socket !== sock) return;
    inbuf += data;
    parse();
  });
  socket.on('drain', streamNext);
  // Espruino sockets always end with 'close' (after 'end' or an error).
  socket.on('close', function () {
    drop(socket);
  });
}

/**
 * Takes the complete packets out of `inbuf`. Each header is checked as soon as it is in,
 * so junk is refused at once instead of being waited for: a packet of a type or with
 * flags a server may not send to this client now, a length field of more than 4 bytes, or
 * a length that does not fit the packet closes the connection.
 */
function parse(): void {
  while (sock) {
    if (skip) {
      const skipped = Math.min(skip, inbuf.length);
      skip -= skipped;
      inbuf = inbuf.substr(skipped);
      if (skip) return;
    }
    if (inbuf.length < 2) return;
    let len = 0;
    let mul = 1;
    let i = 1;
    let lengthByte: number;
    do {
      if (i > 4) {
        bad('length field longer than 4 bytes');
        return;
      }
      if (i >= inbuf.length) return;
      lengthByte = inbuf.charCodeAt(i++);
      len += (lengthByte & 127) * mul;
      mul *= 128;
    } while (lengthByte & 128);
    const type = inbuf.charCodeAt(0);
    const packetType = type >> 4;
    let why = '';
    if (packetType === 3) {
      // PUBLISH: QoS 3 is malformed, QoS 2 never granted (we subscribe at QoS 1).
      if ((type & 6) === 6) why = 'QoS 3 PUBLISH';
      else if (type & 4) why = 'QoS 2 PUBLISH';
      else if (type & 8 && !(type & 2)) why = 'DUP on a QoS 0 PUBLISH';
      else if (!mqttUp) why = 'PUBLISH before CONNACK';
    } else if (type === 0x20) why = mqttUp ? 'second CONNACK' : len === 2 ? '' : 'CONNACK of length ' + len;
    else if (!mqttUp) why = 'packet type ' + packetType + ' before CONNACK';
    else if (type === 0x40) why = len === 2 ? '' : 'PUBACK of length ' + len;
    else if (type === 0x90) why = len === 2 + mqtt!.subs.length ? '' : 'SUBACK of length ' + len;
    else if (type === 0xd0) why = len ? 'PINGRESP of length ' + len : '';
    else why = 'packet type ' + packetType + ' flags ' + (type & 15);
    if (why) {
      bad(why);
      return;
    }
    if (len > 512) {
      // Too long to hold (commands and births are short): acknowledge it, then skip it.
      if (inbuf.length < i + 4) return;
      const at = i + 2 + ((inbuf.charCodeAt(i) << 8) | inbuf.charCodeAt(i + 1));
      if (at + 2 > 512) {
        bad('topic too long');
        return;
      }
      if (type & 2) {
        if (inbuf.length < at + 2) return;
        write(head(0x40, 2) + inbuf.substr(at, 2));
      }
      lastRx = getTime();
      skip = i + len;
      continue;
    }
    if (inbuf.length < i + len) return;
    const body = inbuf.substr(i, len);
    inbuf = inbuf.substr(i + len);
    // A complete valid packet: the only sign of life that counts.
    const now = getTime();
    lastRx = now;
    if (packetType === 2) {
      // CONNACK: acknowledge flags (only "session present" may be set), return code.
      const returnCode = body.charCodeAt(1);
      if (body.charCodeAt(0) > 1) {
        bad('CONNACK flags ' + body.charCodeAt(0));
        return;
      }
      if (returnCode) {
        print(
          'roomlink: broker refused the connection (' +
            (returnCode === 4 || returnCode === 5 ? 'not authorised: check mqtt.username/password' : 'code ' + returnCode) +
            ')',
        );
        drop();
        return;
      }
      mqttUp = true;
      upAt = ackAt = now;
      subId = newId();
      let subscribe = String.fromCharCode(subId >> 8, subId & 255);
      for (let j = 0; j < mqtt!.subs.length; j++) subscribe += str16(mqtt!.subs[j]) + '\x01';
      write(head(0x82, subscribe.length) + subscribe);
      mqtt!.up(body.charCodeAt(0));
    } else if (packetType === 3) {
      // PUBLISH from the broker (QoS 0 or 1).
      const topicLength = (body.charCodeAt(0) << 8) | body.charCodeAt(1);
      let payloadAt = 2 + topicLength;
      if (payloadAt + (type & 2) > body.length) {
        bad('PUBLISH shorter than its topic');
        return;
      }
      if (type & 2) {
        write(head(0x40, 2) + body.substr(payloadAt, 2));
        payloadAt += 2;
      }
      mqtt!.msg(body.substr(2, topicLength), body.substr(payloadAt), !!(type & 1));
    } else if (packetType === 4) {
      if (mqtt!.ack((body.charCodeAt(0) << 8) | body.charCodeAt(1)) && unacked) {
        unacked--;
        ackAt = now;
        backoff = 1;
      }
    } else if (packetType === 9) {
      // SUBACK: one return code per topic filter; 0x80 = refused.
      if (((body.charCodeAt(0) << 8) | body.charCodeAt(1)) !== subId) {
        bad('SUBACK for another packet id');
        return;
      }
      for (let j = 0; j < mqtt!.subs.length; j++) {
        const returnCode = body.charCodeAt(2 + j);
        if (returnCode === 0x80) print('roomlink: broker refused the subscription to ' + mqtt!.subs[j]);
        else if (returnCode > 2) {
          bad('SUBACK code ' + returnCode);
          return;
        }
      }
    }
  }
}

/** Starts connecting; reconnects by itself until mqttStop(). */
export function mqttStart(settings: MqttSettings): void {
  mqtt = settings;
  connect();
}

/** Called every few seconds: keepalive ping, and a dead link is dropped. */
export function mqttTick(): void {
  if (!sock) return;
  const now = getTime();
  const keepalive = mqtt!.keepalive;
  if (mqttUp && now - upAt >= 30) backoff = 1;
  if (now - lastRx > keepalive * 1.5 + 5) drop();
  else if (unacked && now - ackAt > Math.min(keepalive, 30)) bad('no PUBACK for ' + Math.round(now - ackAt) + ' s');
  else if (mqttUp && now - lastTx >= keepalive / 2) write(head(0xc0, 0));
}

export function newId(): number {
  nextId = nextId >= 65535 ? 1 : nextId + 1;
  return nextId;
}

/** PUBLISH; with qos 1 give the packet id (from newId(), kept for a resend with dup). */
export function mqttPublish(topic: string, payload: string, qos: number, retain: boolean, id?: number, dup?: boolean): void {
  let header = str16(topic);
  if (qos) {
    header += String.fromCharCode(id! >> 8, id! & 255);
    if (!unacked++) ackAt = getTime();
  }
  write(head(0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0), header.length + payload.length) + header + payload);
}

/**
 * A retained QoS 0 PUBLISH whose payload is produced piece by piece by get(0), get(1), ...
 * until undefined: the length is computed first, then pieces are written one at a time as
 * the socket drains, so the whole payload is never held. done() runs when it is written.
 */
export function mqttStream(topic: string, get: (i: number) => string | undefined, done: () => void): void {
  let len = 0;
  for (let i = 0; ; i++) {
    const piece = get(i);
    if (piece === undefined) break;
    len += piece.length;
  }
  write(head(0x31, 2 + topic.length + len) + str16(topic));
  // A write to a socket that has just closed drops the link: the next connect streams again.
  if (!sock) return;
  streaming = get;
  streamI = 0;
  streamDone = done;
  // The first piece waits for the header and whatever else this turn wrote (SUBSCRIBE,
  // `online`) to leave: written now, they would all sit in the socket's buffer together.
  streamTimer = setTimeout(streamNext, 150);
}

function streamNext(): void {
  // Called by the socket's 'drain' or by the fallback timer: whichever comes first sends
  // the next piece, and the other is cancelled, so only one piece is ever on its way.
  if (streamTimer) clearTimeout(streamTimer);
  streamTimer = undefined;
  if (!streaming || !sock) return;
  const piece = streaming(streamI++);
  if (piece === undefined) {
    const done = streamDone;
    // Let go of the producer and done(): their closures hold the whole discovery spec
    // (~55 blocks) until the next stream otherwise.
    streaming = streamDone = undefined;
    const rest = held;
    held = '';
    if (rest) write(rest);
    if (done) done();
    return;
  }
  try {
    sock.write(piece);
    lastTx = getTime();
  } catch (_) {
    drop();
    return;
  }
  // Espruino emits 'drain' once its send buffer is empty; the timer is a fallback. At 20 ms
  // it filled the socket's buffer faster than it emptied on the interpreter (67 blocks of
  // unsent discovery at the boot peak); 150 ms lets each piece leave first.
  streamTimer = setTimeout(streamNext, 150);
}

/**
 * Sends DISCONNECT (no Last Will), stops reconnecting, and calls `done` once the socket has
 * closed, so the DISCONNECT has left (Espruino sends from its idle loop), or after 2 s.
 */
export function mqttStop(done: () => void): void {
  if (retry) clearTimeout(retry);
  retry = undefined;
  const socket = sock;
  write(head(0xe0, 0));
  mqtt = undefined;
  sock = undefined;
  mqttUp = false;
  if (!socket) {
    done();
    return;
  }
  let fin = false;
  const end = function () {
    if (fin) return;
    fin = true;
    clearTimeout(fallback);
    done();
  };
  const fallback = setTimeout(end, 2000);
  socket.on('close', end);
  try {
    socket.end();
  } catch (_) {
    end();
  }
}
