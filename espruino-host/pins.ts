// GPIO: host-side levels (what the outside world drives onto input pins, what the program
// drives out) and the program's digitalRead/Write, pinMode, analogRead, digitalPulse and
// setWatch. Pins are numbers (on Espruino `typeof D2 === 'number'` and `D2 === 2`).
// setWatch callbacks get {state, time, lastTime} in seconds; `lastTime` is the time of the
// previous reported edge of that watch. `debounce` (ms): a level must hold that long to be
// reported, so a shorter bounce is never seen. Devices can inject edges with exact
// timestamps (injectEdges), as Espruino's watch interrupts timestamp them in hardware.
import { EventEmitter } from 'node:events';

export const PIN_COUNT = 40;

export type PinMode = 'input' | 'input_pullup' | 'input_pulldown' | 'output' | 'opendrain' | 'af_output' | 'analog' | 'auto';

export interface PinEdge {
  /** Seconds on the program's clock (getTime()). */
  time: number;
  level: 0 | 1;
}

interface Watch {
  id: number;
  pin: number;
  edge: 'rising' | 'falling' | 'both';
  repeat: boolean;
  debounceMs: number;
  lastTime: number | undefined;
  reportedState: number;
  pending: NodeJS.Timeout | undefined;
  fire(state: number, time: number, lastTime: number | undefined): void;
}

/** The electrical state of the board's pins; survives reboots (the outside world does). */
export class SimPins extends EventEmitter {
  private readonly inputs = new Map<number, 0 | 1>();
  private readonly analog = new Map<number, number>();
  private readonly outputs = new Map<number, 0 | 1>();
  private readonly modes = new Map<number, PinMode>();
  private readonly history = new Map<number, PinEdge[]>();
  /** @internal watches of the running program */
  readonly watches = new Set<Watch>();

  constructor(private readonly clock: () => number) {
    super();
  }

  /** Drives an input pin from outside (a button, PIR, reed switch); fires matching watches. */
  setDigital(pin: number, level: 0 | 1 | boolean): void {
    const value: 0 | 1 = level ? 1 : 0;
    const before = this.levelOf(pin);
    this.inputs.set(pin, value);
    if (before !== value) this.edge(pin, value, this.clock());
  }

  /** Sets the voltage on an analog pin as a fraction of full scale (0..1), what analogRead returns. */
  setAnalog(pin: number, fraction: number): void {
    this.analog.set(pin, Math.min(1, Math.max(0, fraction)));
  }

  /** The level the program drives on an output pin (undefined if it never wrote it). */
  readOutput(pin: number): 0 | 1 | undefined {
    return this.outputs.get(pin);
  }

  /** Every level the program wrote to a pin since boot, with times (seconds) — e.g. to check an LED blinked. */
  outputHistory(pin: number): PinEdge[] {
    return [...(this.history.get(pin) ?? [])];
  }

  modeOf(pin: number): PinMode | undefined {
    return this.modes.get(pin);
  }

  /** Delivers edges with exact timestamps to the pin's watches (a device answering on the pin). */
  injectEdges(pin: number, edges: PinEdge[]): void {
    for (const e of edges) {
      this.inputs.set(pin, e.level);
      this.edge(pin, e.level, e.time);
    }
  }

  /** @internal Program side. */
  readDigital(pin: number): 0 | 1 {
    const mode = this.modes.get(pin);
    if ((mode === 'output' || mode === 'opendrain') && this.outputs.has(pin)) return this.outputs.get(pin)!;
    return this.levelOf(pin);
  }

  /** @internal */
  readAnalog(pin: number): number {
    return this.analog.get(pin) ?? 0;
  }

  /** @internal */
  writeDigital(pin: number, level: 0 | 1): void {
    if (this.modes.get(pin) === undefined || this.modes.get(pin) === 'auto' || this.modes.get(pin)?.startsWith('input')) {
      this.setModeInternal(pin, 'output');
    }
    this.outputs.set(pin, level);
    const list = this.history.get(pin) ?? [];
    list.push({ time: this.clock(), level });
    this.history.set(pin, list);
    this.emit('write', pin, level);
  }

  /** @internal */
  setModeInternal(pin: number, mode: PinMode): void {
    const before = this.modes.get(pin);
    this.modes.set(pin, mode);
    if (before !== mode) this.emit('mode', pin, mode, before);
  }

  /** @internal A reboot resets GPIO to inputs; the outside world's levels stay. */
  resetOutputs(): void {
    this.outputs.clear();
    this.modes.clear();
    this.history.clear();
  }

  private levelOf(pin: number): 0 | 1 {
    if (this.inputs.has(pin)) return this.inputs.get(pin)!;
    return this.modes.get(pin) === 'input_pullup' ? 1 : 0;
  }

  private edge(pin: number, level: 0 | 1, time: number): void {
    for (const watch of [...this.watches]) {
      if (watch.pin !== pin) continue;
      if (watch.debounceMs > 0) {
        // Report only once the level has held for the debounce time.
        if (watch.pending) clearTimeout(watch.pending);
        watch.pending = setTimeout(() => {
          watch.pending = undefined;
          const now = this.levelOf(pin);
          if (now !== watch.reportedState) this.report(watch, now, time);
        }, watch.debounceMs);
      } else {
        this.report(watch, level, time);
      }
    }
  }

  private report(watch: Watch, state: number, time: number): void {
    watch.reportedState = state;
    if (watch.edge === 'rising' && state !== 1) return;
    if (watch.edge === 'falling' && state !== 0) return;
    const lastTime = watch.lastTime;
    watch.lastTime = time;
    if (!watch.repeat) this.removeWatch(watch);
    watch.fire(state, time, lastTime);
  }

  /** @internal */
  removeWatch(watch: Watch): void {
    if (watch.pending) clearTimeout(watch.pending);
    this.watches.delete(watch);
  }

  /** @internal */
  currentLevel(pin: number): 0 | 1 {
    return this.levelOf(pin);
  }
}

export type { Watch };
