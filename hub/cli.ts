// The roomlink CLI: one file per command under commands/, loaded only when used so that
// `roomlink --help` stays instant.

export interface Command {
  /** One line for `roomlink --help`. */
  summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  demo: { summary: 'live readings from two simulated rooms (what npm start runs)', load: () => import('./commands/demo.ts') },
  hub: { summary: 'bridge USB-serial sensor nodes to an MQTT broker', load: () => import('./commands/hub.ts') },
  broker: { summary: 'run the embedded MQTT broker on its own', load: () => import('./commands/broker.ts') },
  ports: { summary: 'list serial ports and the boards detected on them', load: () => import('./commands/ports.ts') },
  build: { summary: 'build dist/firmware.js for Espruino from firmware/ and shared/', load: () => import('./commands/build.ts') },
  watch: { summary: 'print readings as they arrive, with units and nodes', load: () => import('./commands/watch.ts') },
  sim: { summary: 'run dist/firmware.js in the host runtime as a simulated node', load: () => import('./commands/sim.ts') },
  flash: { summary: 'write the firmware and a node config onto an Espruino board (USB or tcp://)', load: () => import('./commands/flash.ts') },
  console: { summary: "a terminal to a board's Espruino REPL (Ctrl-] quits)", load: () => import('./commands/console.ts') },
  config: { summary: 'write an example node config (init) or check one (check)', load: () => import('./commands/config.ts') },
  bench: { summary: 'benchmarks: the hub against the bridges a user would use instead', load: () => import('./commands/bench.ts') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'roomlink: room sensors onto MQTT',
    '',
    'Usage: roomlink <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `roomlink <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../shared/version.ts');
    console.log(VERSION);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`roomlink: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const { command } = await entry.load();
  return command.run(rest);
}
