// The hub as a child process (`node cli/bin.js hub --config FILE`), as a user runs it: its
// log collected, waited on by pattern, stopped by signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../bench/helpers/wait.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface HubProcess {
  readonly child: ChildProcess;
  readonly log: string;
  readonly exited: Promise<number | null>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<true>;
  /** Resident memory in MB, from /proc. */
  rssMb(): number;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export function startHubProcess(configFile: string, extraArgs: string[] = []): HubProcess {
  // Never the dashboard's default port (8080): tests run side by side.
  const http = extraArgs.some((a) => a.startsWith('--http') || a === '--no-http') ? [] : ['--http', '127.0.0.1:0'];
  const child: ChildProcess = spawn(process.execPath, ['cli/bin.js', 'hub', '--config', configFile, ...http, ...extraArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROOMLINK_CONFIG: '' },
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    get log() {
      return log;
    },
    exited,
    waitForLog(pattern: RegExp, timeoutMs = 20_000) {
      return waitFor(
        `hub log ${pattern}`,
        () => {
          if (child.exitCode !== null) throw new Error(`hub exited ${child.exitCode}: ${log.slice(-2000)}`);
          return pattern.test(log);
        },
        timeoutMs,
      );
    },
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    },
    async stop(signal: NodeJS.Signals): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
