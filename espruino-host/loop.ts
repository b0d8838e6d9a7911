// The program's event loop: timers, queued tasks (event deliveries, promise reactions) and
// host callbacks all run through `invoke`, which reports uncaught errors the Espruino way
// ("Uncaught <error>", then the program keeps running). Killing the loop (deep sleep,
// reboot, stop) clears everything it owns, and a killed loop never runs anything again,
// even callbacks already in flight on the host.

/** Thrown through the program's stack when it must stop now (deep sleep, reboot, load). */
export class ProgramHalt extends Error {
  constructor(readonly reason: 'deepSleep' | 'reboot' | 'stop') {
    super(`program halted: ${reason}`);
  }
}

export interface LoopHooks {
  /** Prints "Uncaught ..." for the error and tells the host. */
  uncaught(error: unknown): void;
}

interface Timer {
  handle: NodeJS.Timeout;
  repeat: boolean;
}

export class EventLoop {
  private alive = true;
  private readonly timers = new Map<number, Timer>();
  private nextTimerId = 1;
  private readonly tasks: Array<() => void> = [];
  private draining: NodeJS.Immediate | undefined;
  private readonly disposers = new Set<() => void>();

  constructor(private readonly hooks: LoopHooks) {}

  get isAlive(): boolean {
    return this.alive;
  }

  /** Throws ProgramHalt when the program must not run any more (it is asleep or gone). */
  guard(): void {
    if (!this.alive) throw new ProgramHalt('stop');
  }

  /** Runs program code; uncaught errors are reported, halts are swallowed. */
  invoke(fn: unknown, thisArg: unknown, args: unknown[]): unknown {
    if (!this.alive) return undefined;
    try {
      if (typeof fn === 'function') return fn.apply(thisArg, args);
      return undefined;
    } catch (err) {
      if (err instanceof ProgramHalt || !this.alive) return undefined;
      this.hooks.uncaught(err);
      return undefined;
    }
  }

  /** Queues `fn(...args)` as its own task, after the current one. */
  queue(fn: unknown, args: unknown[] = []): void {
    if (!this.alive) return;
    this.tasks.push(() => this.invoke(fn, undefined, args));
    if (!this.draining) this.draining = setImmediate(() => this.drain());
  }

  private drain(): void {
    this.draining = undefined;
    // Tasks queued while draining wait for the next turn, so timers and I/O interleave.
    const batch = this.tasks.splice(0, this.tasks.length);
    for (const task of batch) {
      if (!this.alive) return;
      task();
    }
    if (this.tasks.length > 0 && this.alive && !this.draining) this.draining = setImmediate(() => this.drain());
  }

  setTimer(fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
    this.guard();
    const id = this.nextTimerId++;
    const delay = Math.max(0, Number(ms) || 0);
    if (repeat) {
      this.timers.set(id, { handle: setInterval(() => this.invoke(fn, undefined, args), Math.max(1, delay)), repeat });
      return id;
    }
    // Node's timers count from the event loop's cached millisecond and fire up to 1 ms early
    // by Date.now(), the clock the simulated parts keep their busy times by; Espruino's never
    // fire early, and an SCD41 asked 499 ms after "stop" rightly refuses. Wait out the rest.
    const due = Date.now() + delay;
    const run = () => {
      const left = due - Date.now();
      const timer = this.timers.get(id);
      if (left > 0 && timer) {
        timer.handle = setTimeout(run, left);
        return;
      }
      this.timers.delete(id);
      this.invoke(fn, undefined, args);
    };
    this.timers.set(id, { handle: setTimeout(run, delay), repeat });
    return id;
  }

  /** clearTimeout()/clearInterval() without an id clears every timer, as on Espruino. */
  clearTimer(id: unknown): void {
    if (id === undefined) {
      for (const key of [...this.timers.keys()]) this.clearTimer(key);
      return;
    }
    const timer = this.timers.get(Number(id));
    if (!timer) return;
    if (timer.repeat) clearInterval(timer.handle);
    else clearTimeout(timer.handle);
    this.timers.delete(Number(id));
  }

  get timerCount(): number {
    return this.timers.size;
  }

  /** Registers host-side cleanup (sockets, watches, watchdog) for when the loop dies. */
  own(dispose: () => void): () => void {
    this.disposers.add(dispose);
    return () => this.disposers.delete(dispose);
  }

  /** Stops everything for good. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.clearTimer(undefined);
    this.tasks.length = 0;
    if (this.draining) clearImmediate(this.draining);
    this.draining = undefined;
    for (const dispose of [...this.disposers]) {
      try {
        dispose();
      } catch {
        /* cleanup of a dead program: nothing to report to */
      }
    }
    this.disposers.clear();
  }
}
