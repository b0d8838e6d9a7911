// The program's realm: a fresh vm context and its own constructors. Values handed to the
// program are built with these, so `x instanceof Array`, `.push`, missing built-ins and
// thrown errors behave like the program's own values, not the host's.
import vm from 'node:vm';

type Ctor<T = unknown> = new (...args: unknown[]) => T;

/** The program's global object: the built-ins the host reads, and whatever the host and the program put on it. */
export type RealmGlobal = { Math: Math; JSON: JSON; [name: string]: unknown };

export class Realm {
  readonly context: vm.Context;
  readonly global: RealmGlobal;
  private readonly ctors: Record<string, Ctor>;

  constructor() {
    // codeGeneration stays on: Espruino has eval and Function.
    this.context = vm.createContext({}, { name: 'espruino' });
    this.global = vm.runInContext('this', this.context);
    this.ctors = {};
    for (const name of ['Object', 'Array', 'Error', 'TypeError', 'SyntaxError', 'ReferenceError', 'Uint8Array']) {
      this.ctors[name] = this.global[name] as Ctor;
    }
    this.global.Math.random = () => this.random();
  }

  // Espruino's Math.random() (src/jsutils.c: rand(), multiply-with-carry) starts from the same
  // fixed seed at every power-up, on an ESP32 too: each boot sees the same numbers until
  // E.srand(). Checked against the Linux build: 0.93255273858, 0.70772355841, ...
  private randW = 0xdeadbeef;
  private randZ = 0xcafebabe;

  /** Math.random() as Espruino computes it. */
  random(): number {
    this.randZ = (36969 * (this.randZ & 65535) + (this.randZ >>> 16)) >>> 0;
    this.randW = (18000 * (this.randW & 65535) + (this.randW >>> 16)) >>> 0;
    return (((this.randZ << 16) + this.randW) & 0x7fffffff) / 0x80000000;
  }

  /** E.srand(seed). */
  seedRandom(seed: number): void {
    const s = seed >>> 0;
    this.randW = ((s & 0xffff) | (s << 16)) >>> 0;
    this.randZ = ((s & 0xffff0000) | (s >>> 16)) >>> 0;
  }

  /** Runs source in the context; `filename` shows in stack traces. */
  evaluate(code: string, filename = 'espruino'): unknown {
    return vm.runInContext(code, this.context, { filename });
  }

  array<T>(items: Iterable<T>): T[] {
    const out = new this.ctors.Array!() as T[];
    for (const item of items) out.push(item);
    return out;
  }

  object<T extends object>(props: T): T {
    return Object.assign(new this.ctors.Object!() as T, props);
  }

  bytes(data: ArrayLike<number>): Uint8Array {
    const out = new this.ctors.Uint8Array!(data.length) as Uint8Array;
    out.set(data);
    return out;
  }

  /** Plain data (JSON-shaped) copied into the program's realm. */
  data<T>(value: T): T {
    return value === undefined ? value : (this.global.JSON.parse(JSON.stringify(value)) as T);
  }

  /** An error of the program's realm; InternalError is the prelude's. */
  error(kind: 'Error' | 'TypeError' | 'InternalError', message: string): Error {
    const ctor = (kind === 'InternalError' ? this.global.InternalError : this.ctors[kind]) as Ctor<Error>;
    return new ctor(message);
  }
}
