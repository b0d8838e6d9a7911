// The roomlink CLI: one file per command under commands/, loaded only when used so that
// `roomlink --help` stays instant.

import type { FlagSpec, PositionalRule } from '../hub/config/args.ts';

export interface Command {
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
  /** Its flags, as the one parser (parseCommandLine) reads them; `--help` and the tests' checks of hints and README snippets use the same table. */
  flags: readonly FlagSpec[];
  /** The arguments it takes besides flags. */
  positionals?: PositionalRule;
}

/** Each command with its one line for `roomlink --help` (kept here so --help loads no command). */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
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

/**
 * Prints a user mistake the same way for every command — a command line it cannot parse,
 * unusable settings, a file it cannot use — and returns exit code 2; undefined for anything
 * else (a bug, which keeps its stack trace).
 */
export async function reportError(command: string, err: unknown): Promise<number | undefined> {
  const name = (err as Error | undefined)?.name;
  if (name !== 'UsageError' && name !== 'SettingsError' && name !== 'FileError') return undefined;
  const [{ UsageError }, { SettingsError, FileError }] = await Promise.all([import('../hub/config/args.ts'), import('../hub/config/errors.ts')]);
  const prefix = `roomlink ${command}`;
  if (err instanceof UsageError) {
    process.stderr.write(`${err.problems.map((p) => `${prefix}: ${p}\n`).join('')}Run \`roomlink ${command} --help\` for the options.\n`);
    return 2;
  }
  if (err instanceof SettingsError) {
    process.stderr.write(`${prefix}: ${err.message}\n\nRun \`roomlink ${command} --help\` for the options.\n`);
    return 2;
  }
  if (err instanceof FileError) {
    process.stderr.write(
      err.message
        .split('\n')
        .map((line) => `${prefix}: ${line}\n`)
        .join('') + (err.hint ? `hint: ${err.hint}\n` : ''),
    );
    return 2;
  }
  return undefined;
}

/** What building firmware needs; devDependencies, so a hub-only install leaves them out. */
export const TOOLCHAIN_PACKAGES = ['typescript', 'terser', 'acorn', 'acorn-walk', 'astring'] as const;

/** The package a failed import could not find ("Cannot find package 'x'"), if that is what failed. */
export function missingPackage(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return undefined;
  const name = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/'.][^/']*)/.exec(e.message ?? '')?.[1];
  return name;
}

/**
 * A command that needs a package this install left out (a hub-only install, `npm ci
 * --omit=dev`, has no firmware toolchain): one clear message and exit 1, not a stack trace.
 */
export function reportMissingPackage(command: string, err: unknown, root: string): number | undefined {
  const name = missingPackage(err);
  if (name === undefined) return undefined;
  const toolchain = (TOOLCHAIN_PACKAGES as readonly string[]).includes(name);
  const what = toolchain
    ? `needs the firmware toolchain (${TOOLCHAIN_PACKAGES.join(', ')}), which is not installed here`
    : `needs the package ${name}, which is not installed here`;
  process.stderr.write(
    `roomlink ${command}: ${what}. A hub-only install (npm ci --omit=dev) has only what the hub needs.\n` +
      `hint: run \`npm install\` in ${root} for the full install (firmware build, flash, sim, demo, bench, tests)\n`,
  );
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...more] = argv;
  // `roomlink help watch` is `roomlink watch --help`.
  const [name, ...rest] = first === 'help' && more.length > 0 ? [more[0]!, '--help'] : argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../shared/version.ts');
    console.log(VERSION);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const { suggest } = await import('../hub/config/errors.ts');
    const hint = suggest(name, Object.keys(COMMANDS));
    const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
    console.error(`roomlink: ${what}${hint ? ` (did you mean ${hint}?)` : ''}\n\n${usage()}`);
    return 2;
  }
  try {
    const { command } = await entry.load();
    return await command.run(rest);
  } catch (err) {
    const code = (await reportError(name, err)) ?? reportMissingPackage(name, err, (await import('../hub/project-root.ts')).PROJECT_ROOT);
    if (code === undefined) throw err;
    return code;
  }
}
