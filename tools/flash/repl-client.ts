// Talks to Espruino's REPL the way upload tools do (all measured on Espruino 2v29):
// - every line we send starts with byte 0x10, so the board neither echoes it (no secret is
//   echoed back) nor prints its `=result`; it prints only what the code prints;
// - each call prints its answer behind a marker, \x06<id> for a value and \x15<id> for an
//   error, so answers are found among whatever the running program prints, and the
//   marker never appears in the text we send (it is an escape there, a raw byte in the reply);
// - one line in flight at a time: the next line goes only after the answer, so the board's
//   input buffer (4 KB on an ESP32; bytes beyond it are lost) never holds more than one line.
// Getting a clean prompt never sends Ctrl-C to a board that answers, since on Espruino's
// Linux port a second Ctrl-C at an idle prompt ends the interpreter.
import { FlashError } from './errors.ts';
import type { Transport } from './transport.ts';

const ACK = '\x06';
const NAK = '\x15';
const ECHO_OFF = '\x10';
/** Kept for error messages: the last this many characters the board printed. */
const TRANSCRIPT_CHARS = 4000;

export interface CallOptions {
  timeoutMs?: number;
  /** What the call does, for timeout messages ("writing .bootcde"). */
  what?: string;
}

export class BoardError extends Error {}

export class ReplClient {
  /** Output not yet consumed, latin1. `base` is the absolute offset of buffer[0]. */
  private buffer = '';
  private base = 0;
  private transcript = '';
  private readonly wakeups = new Set<() => void>();
  private closeError: Error | undefined;
  private isClosed = false;
  private nextId = 1;
  private readonly session = Math.random().toString(36).slice(2, 6);
  private ctrlCSent = false;
  /** Called with every piece of output (the console command, verbose logs). */
  onOutput: ((text: string) => void) | undefined;

  constructor(readonly transport: Transport) {
    transport.onData((text) => {
      this.buffer += text;
      this.transcript = (this.transcript + text).slice(-TRANSCRIPT_CHARS);
      this.onOutput?.(text);
      this.wake();
    });
    transport.onClose((err) => {
      this.isClosed = true;
      this.closeError = err;
      this.wake();
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Recent output, for diagnostics (callers redact secrets before printing). */
  get recentOutput(): string {
    return this.transcript;
  }

  /** Absolute position of the end of what has been received so far. */
  get position(): number {
    return this.base + this.buffer.length;
  }

  /** Output received since absolute position `from`. */
  since(from: number): string {
    return this.buffer.slice(Math.max(0, from - this.base));
  }

  /** Drops output before `position` (keeps memory flat during long uploads). */
  private forget(position: number): void {
    const cut = position - this.base;
    if (cut <= 0) return;
    this.buffer = this.buffer.slice(cut);
    this.base = position;
  }

  private wake(): void {
    for (const w of [...this.wakeups]) w();
  }

  /**
   * Resolves with match(textSince(from)) once it is defined; rejects with 'connection-lost'
   * when the transport closes and with 'timeout' after `timeoutMs`.
   */
  waitFor<T>(from: number, match: (text: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.wakeups.delete(check);
        if (timer) clearTimeout(timer);
      };
      const check = () => {
        const found = match(this.since(from));
        if (found !== undefined) {
          done();
          return resolve(found);
        }
        if (this.isClosed) {
          done();
          const why = this.closeError ? ` (${this.closeError.message})` : '';
          reject(
            new FlashError(
              'connection-lost',
              `the connection to ${this.transport.label} was lost while ${what}${why}`,
              'check the cable or network, then run the same command again: it starts over and completes',
            ),
          );
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new FlashError('timeout', `no answer from the board within ${(timeoutMs / 1000).toFixed(1)} s while ${what}`));
      }, timeoutMs);
      this.wakeups.add(check);
      check();
    });
  }

  async write(text: string, what = 'sending to the board'): Promise<void> {
    const lost = (why: string) =>
      new FlashError(
        'connection-lost',
        `the connection to ${this.transport.label} was lost while ${what} (${why})`,
        'check the cable or network, then run the same command again: it starts over and completes',
      );
    if (this.isClosed) throw lost(this.closeError?.message ?? 'closed');
    try {
      await this.transport.write(text);
    } catch (err) {
      throw lost((err as Error).message);
    }
  }

  /** True when the output since a probe shows a prompt: ">" at a line start. */
  private static hasPrompt(text: string): boolean {
    return /(^|\n)>/.test(text);
  }

  /**
   * Gets the REPL to an idle prompt. Escalates only as far as needed: a newline; then a
   * lone `"` (an unfinished string ends any half-sent multi-line input, e.g. left behind by an
   * interrupted upload); then, once per session, Ctrl-C (a program hogging the interpreter).
   */
  async getPrompt(timeoutMs = 1500, what = 'waiting for the prompt'): Promise<void> {
    const steps: Array<{ send: string; ctrlC?: boolean }> = [{ send: '\n' }, { send: '"\n' }, { send: '\x03', ctrlC: true }];
    let heard = '';
    for (const step of steps) {
      if (step.ctrlC && this.ctrlCSent) continue;
      const from = this.position;
      if (step.ctrlC) {
        this.ctrlCSent = true;
        await this.write(step.send, what);
        await this.sleepOrOutput(300);
        await this.write('\n', what);
      } else {
        await this.write(step.send, what);
      }
      try {
        await this.waitFor(from, (text) => (ReplClient.hasPrompt(text) ? true : undefined), timeoutMs, what);
        // Let the rest of the answer (a syntax error, a redrawn prompt) arrive before the next line.
        await this.quiet(100, 1000);
        this.forget(this.position);
        return;
      } catch (err) {
        if (!(err instanceof FlashError) || err.code !== 'timeout') throw err;
        heard += this.since(from);
      }
    }
    if (heard.replace(/[\r\n]/g, '').length > 0) {
      throw new FlashError(
        'not-espruino',
        `${this.transport.label} answered, but not with an Espruino prompt (got ${describeBytes(heard)})`,
        'is this the right port and is Espruino flashed on the board? Check with `roomlink console`',
      );
    }
    throw new FlashError(
      'no-prompt',
      `no prompt from ${this.transport.label}: nothing answered a newline, a quote or Ctrl-C`,
      'is Espruino flashed, is the baud rate right (115200), is a battery node in deep sleep (press reset)?',
    );
  }

  /** Resolves after `ms` of silence, or after `maxMs` in any case. */
  private async quiet(ms: number, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const at = this.position;
      await new Promise((r) => setTimeout(r, ms));
      if (this.position === at || Date.now() > deadline || this.isClosed) return;
    }
  }

  private sleepOrOutput(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeups.delete(w);
        resolve();
      }, ms);
      const w = () => {
        clearTimeout(t);
        this.wakeups.delete(w);
        resolve();
      };
      this.wakeups.add(w);
    });
  }

  /**
   * Evaluates `expression` on the board (echo off) and resolves with its JSON value.
   * An exception on the board rejects with BoardError(message).
   */
  async call<T = unknown>(expression: string, options: CallOptions = {}): Promise<T> {
    const id = `${this.session}${this.nextId++}`;
    const line = `${ECHO_OFF}try{print("\\x06${id} "+JSON.stringify(${expression}))}catch(e){print("\\x15${id} "+e)}\n`;
    const from = this.position;
    await this.write(line, options.what);
    const pattern = new RegExp(`([${ACK}${NAK}])${id} ([^\\r\\n]*)\\r?\\n`);
    const reply = await this.waitFor(from, (text) => pattern.exec(text) ?? undefined, options.timeoutMs ?? 5000, options.what ?? 'waiting for an answer');
    this.forget(from + reply.index + reply[0].length);
    if (reply[1] === NAK) throw new BoardError(reply[2]!);
    const json = reply[2]!;
    return (json === 'undefined' || json === '' ? undefined : JSON.parse(json)) as T;
  }

  /** Sends a statement without waiting for anything (load(), reset()). */
  async send(statement: string): Promise<number> {
    const from = this.position;
    await this.write(`${ECHO_OFF}${statement}\n`);
    return from;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** A short printable description of bytes that are not what we expected. */
export function describeBytes(text: string): string {
  const shown = text.slice(0, 60).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${text.length} bytes: "${shown}${text.length > 60 ? '…' : ''}"`;
}
