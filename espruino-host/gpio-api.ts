// The program's GPIO globals over SimPins: D0..D39, Pin(), digitalRead/Write, pinMode,
// getPinMode, analogRead/Write, digitalPulse, setWatch/clearWatch. Watches belong to the
// running program and vanish with it (reboot, deep sleep).
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';
import { PIN_COUNT, type PinMode, type SimPins, type Watch } from './pins.ts';

const MODES: readonly PinMode[] = ['input', 'input_pullup', 'input_pulldown', 'output', 'opendrain', 'af_output', 'analog', 'auto'];

/** A pin given as a number, a pin value or a name like "D5"; throws the program's error when invalid. */
export function pinNumber(realm: Realm, pin: unknown): number {
  const n = typeof pin === 'string' && /^D\d+$/.test(pin) ? Number(pin.slice(1)) : Number(pin);
  if (!Number.isInteger(n) || n < 0 || n >= PIN_COUNT) throw realm.error('Error', 'Invalid pin');
  return n;
}

export function installGpio(
  realm: Realm,
  loop: EventLoop,
  pins: SimPins,
): {
  /** Backs the prelude's Number.prototype pin methods (D2.read(), D2.set() ...). */
  pinMethod(op: string, pin: unknown, value?: unknown): unknown;
} {
  const g = realm.global;
  const pin = (p: unknown) => pinNumber(realm, p);
  let nextWatchId = 1;

  for (let i = 0; i < PIN_COUNT; i++) g[`D${i}`] = i;
  g.Pin = (value: unknown) => pin(value);

  const digitalWrite = (p: unknown, value: unknown) => {
    loop.guard();
    pins.writeDigital(pin(p), value ? 1 : 0);
  };
  const digitalRead = (p: unknown) => {
    loop.guard();
    return pins.readDigital(pin(p));
  };
  g.digitalWrite = digitalWrite;
  g.digitalRead = digitalRead;
  const pinMode = (p: unknown, mode?: unknown) => {
    loop.guard();
    const m = (mode === undefined ? 'auto' : String(mode)) as PinMode;
    if (!MODES.includes(m)) throw realm.error('Error', `Unknown pin mode "${m}"`);
    pins.setModeInternal(pin(p), m);
  };
  g.pinMode = pinMode;
  const getPinMode = (p: unknown) => pins.modeOf(pin(p)) ?? 'input';
  g.getPinMode = getPinMode;
  g.analogRead = (p: unknown) => {
    loop.guard();
    return pins.readAnalog(pin(p));
  };
  g.analogWrite = (p: unknown, value: unknown) => {
    loop.guard();
    // PWM: recorded as high when the duty cycle is above half.
    pins.writeDigital(pin(p), Number(value) > 0.5 ? 1 : 0);
  };
  g.digitalPulse = (p: unknown, value: unknown, time: unknown) => {
    loop.guard();
    const n = pin(p);
    const level: 0 | 1 = value ? 1 : 0;
    const times = Array.isArray(time) ? time.map(Number) : [Number(time)];
    // Alternating levels for each duration, then back; runs in the background as on Espruino.
    let current = level;
    let elapsed = 0;
    pins.writeDigital(n, current);
    for (const ms of times) {
      elapsed += Math.max(0, ms);
      current = current ? 0 : 1;
      const next = current;
      const handle = setTimeout(() => {
        release();
        if (loop.isAlive) pins.writeDigital(n, next);
      }, elapsed);
      const release = loop.own(() => clearTimeout(handle));
    }
  };

  g.setWatch = (fn: unknown, p: unknown, options?: unknown) => {
    loop.guard();
    if (typeof fn !== 'function') throw realm.error('Error', 'Function or String not supplied!');
    const n = pin(p);
    let repeat = false;
    let debounceMs = 0;
    let edge: Watch['edge'] = 'both';
    if (options && typeof options === 'object') {
      const o = options as { repeat?: unknown; debounce?: unknown; edge?: unknown };
      repeat = Boolean(o.repeat);
      debounceMs = Math.max(0, Number(o.debounce) || 0);
      if (o.edge === 'rising' || o.edge === 1) edge = 'rising';
      else if (o.edge === 'falling' || o.edge === -1) edge = 'falling';
      else if (o.edge === undefined || o.edge === 'both' || o.edge === 0) edge = 'both';
      else throw realm.error('TypeError', "'edge' in setWatch should be a string - either 'rising', 'falling' or 'both'");
    } else repeat = Boolean(options);
    const id = nextWatchId++;
    const watch: Watch = {
      id,
      pin: n,
      edge,
      repeat,
      debounceMs,
      lastTime: undefined,
      reportedState: pins.currentLevel(n),
      pending: undefined,
      fire: (state, time, lastTime) => {
        const event = realm.object({ state: Boolean(state), time, lastTime: lastTime ?? time, pin: n });
        loop.queue(fn, [event]);
      },
    };
    pins.watches.add(watch);
    const release = loop.own(() => pins.removeWatch(watch));
    watch.fire = ((fire) => (state: number, time: number, lastTime: number | undefined) => {
      if (!watch.repeat) release();
      fire(state, time, lastTime);
    })(watch.fire);
    return id;
  };
  g.clearWatch = (id?: unknown) => {
    for (const watch of [...pins.watches]) {
      if (id === undefined || watch.id === Number(id)) pins.removeWatch(watch);
    }
  };

  return {
    pinMethod(op, p, value) {
      switch (op) {
        case 'read':
          return digitalRead(p);
        case 'write':
          return digitalWrite(p, value);
        case 'toggle': {
          const n = pin(p);
          const next = pins.readDigital(n) ? 0 : 1;
          digitalWrite(n, next);
          return next === 1;
        }
        case 'mode':
          return pinMode(p, value);
        case 'getMode':
          return getPinMode(p);
        default:
          return undefined;
      }
    },
  };
}
