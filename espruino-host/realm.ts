// The program's realm: a fresh vm context and its own constructors. Values handed to the
// program are built with these, so `x instanceof Array`, `.push`, missing built-ins and
// thrown errors behave like the program's own values, not the host's.
import vm from 'node:vm';

type Ctor<T = unknown> = new (...args: any[]) => T;

export class Realm {
  readonly context: vm.Context;
  readonly global: Record<string, any>;
  private readonly ctors: Record<string, Ctor<any>>;

  constructor() {
    // codeGeneration stays on: Espruino has eval and Function.
    this.context = vm.createContext({}, { name: 'espruino' });
    this.global = vm.runInContext('this', this.context);
    this.ctors = {};
    for (const name of ['Object', 'Array', 'Error', 'TypeError', 'SyntaxError', 'ReferenceError', 'Uint8Array']) {
      this.ctors[name] = this.global[name];
    }
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
