// The real `roomlink` command as a user runs it: `node cli/bin.js <args>` as a child process,
// with what it printed on stdout and stderr kept apart, its exit code, and waits for output
// (never for time).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../hub/project-root.ts';
import { waitFor } from '../../bench/helpers/wait.ts';

export interface CliOptions {
  /** Working directory (default the project). */
  cwd?: string;
  /** Added to the environment; ROOMLINK_CONFIG and ROOMLINK_DATA_DIR are cleared unless given. */
  env?: NodeJS.ProcessEnv;
  /** The project to run (default this one): tests may run a copy. */
  root?: string;
  stdin?: 'ignore' | 'pipe';
}

export class CliRun {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly startedAt = Date.now();

  constructor(
    readonly args: string[],
    options: CliOptions = {},
  ) {
    const root = options.root ?? PROJECT_ROOT;
    // A hub or demo started by a test never takes the dashboard's default port (8080): tests
    // run side by side. A test about the dashboard passes --http itself.
    const serves = (args[0] === 'hub' || args[0] === 'demo') && !args.includes('--help');
    const http = serves && !args.some((a) => a === '--http' || a.startsWith('--http=') || a === '--no-http') ? ['--http', '127.0.0.1:0'] : [];
    this.child = spawn(process.execPath, [join(root, 'cli/bin.js'), ...args, ...http], {
      cwd: options.cwd ?? root,
      // A developer's own settings must not leak into what the test sees.
      env: { ...process.env, ROOMLINK_CONFIG: '', ROOMLINK_DATA_DIR: '', ROOMLINK_BROKER: '', ...options.env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return waitFor(`roomlink ${this.args.join(' ')} to print ${pattern}`, () => this.output.match(pattern) ?? undefined, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\n--- stdout:\n${this.stdout.slice(-3000)}\n--- stderr:\n${this.stderr.slice(-3000)}`);
    });
  }

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** For afterAll: make sure nothing is left running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Starts `roomlink <args>` and leaves it running. */
export function startCli(args: string[], options?: CliOptions): CliRun {
  return new CliRun(args, options);
}

/** Runs `roomlink <args>` to its end. */
export async function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new CliRun(args, options);
  const timer = setTimeout(() => run.kill(), options.timeoutMs ?? 60_000);
  const code = await run.exited;
  clearTimeout(timer);
  if (run.child.signalCode === 'SIGKILL') throw new Error(`roomlink ${args.join(' ')} did not finish:\n${run.output.slice(-3000)}`);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** An `out` for the CLI's functions run in-process (flashBoard): keeps what they print, as a non-TTY. */
export function captureOut() {
  let text = '';
  return {
    write: (s: string) => {
      text += s;
    },
    isTTY: false,
    get text() {
      return text;
    },
  };
}
