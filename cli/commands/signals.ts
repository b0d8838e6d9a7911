// Ctrl-C, `kill` and a closed terminal, caught from the moment a command starts: until a
// listener exists Node's default is to die on the spot, skipping every cleanup (a temporary
// folder with passwords in it, a queue not flushed). So listen first, start up, then wait.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface StopSignal {
  /** Resolves with the first signal received (maybe one that came during start-up). */
  received: Promise<NodeJS.Signals>;
  /** Stops listening: a further signal has Node's default effect again. */
  dispose(): void;
}

export function listenForStop(): StopSignal {
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const on = (signal: NodeJS.Signals) => resolve(signal);
  for (const signal of SIGNALS) process.on(signal, on);
  return {
    received,
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, on);
    },
  };
}
