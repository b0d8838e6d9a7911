// The REPL an Espruino board runs on its console, on top of the host runtime. It keeps the
// rules tools depend on (measured on Espruino 2v29):
// - typed input is echoed; Enter runs it once brackets close (":" prompt while they don't);
//   the value is shown as "=<value>", then the prompt ">";
// - input starting with byte 0x10 is not echoed and its value is not shown; a prompt
//   follows only when the code printed something;
// - what a program prints while the prompt shows erases the prompt ("\r\x1b[J"), prints,
//   and redraws ">" with the input typed so far;
// - Ctrl-C: on an ESP32 it clears the input; on the Linux port the first prints
//   "Press Ctrl-C again to exit" and the second ends the interpreter;
// - input waits in a receive buffer (4 KB) while a command runs; bytes that do not fit are
//   lost, as on a UART. Each command keeps the board busy for `commandBusyMs`, so a sender
//   that does not wait for answers overflows it, like on a real board.
import { EventEmitter } from 'node:events';
import { isInputComplete } from './input-complete.ts';
import { formatReplValue } from './repl-format.ts';

export interface ReplRuntime {
  run(code: string): unknown;
  readonly running: boolean;
  on(event: 'output', listener: (text: string) => void): unknown;
  on(event: 'uncaught', listener: (error: unknown) => void): unknown;
  off(event: 'output', listener: (text: string) => void): unknown;
  off(event: 'uncaught', listener: (error: unknown) => void): unknown;
}

export interface ReplConsoleOptions {
  runtime: ReplRuntime;
  /** Sends text to whoever is connected (latin1). */
  write: (text: string) => void;
  /** 'linux': a second Ctrl-C ends the interpreter (then `onExit`). Default 'esp32'. */
  board?: 'linux' | 'esp32';
  /** Receive buffer size in bytes. Default 4096. */
  inputBufferBytes?: number;
  /** How long each command keeps the board from reading input, in ms. Default 2. */
  commandBusyMs?: number;
  onExit?: () => void;
}

const ECHO_OFF = 0x10;
const CTRL_C = 0x03;

export class ReplConsole extends EventEmitter {
  /** Bytes received while busy and lost because the receive buffer was full. */
  droppedBytes = 0;
  private rx: number[] = [];
  private busy = false;
  private input = '';
  private echo = true;
  private lastWasCr = false;
  private executing = false;
  private printedDuringCommand = false;
  private redrawPending = false;
  private ctrlCs = 0;
  private exited = false;
  private readonly bufferBytes: number;
  private readonly onOutput = (text: string) => this.programOutput(text);

  constructor(private readonly options: ReplConsoleOptions) {
    super();
    this.bufferBytes = options.inputBufferBytes ?? 4096;
    options.runtime.on('output', this.onOutput);
  }

  /** Bytes from the connected terminal or tool. */
  feed(data: Buffer | string): void {
    if (this.exited) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const byte of bytes) {
      if (this.rx.length >= this.bufferBytes) this.droppedBytes++;
      else this.rx.push(byte);
    }
    this.process();
  }

  /** Shows the prompt, as a board does after boot. */
  showPrompt(): void {
    this.options.write('>');
  }

  dispose(): void {
    this.options.runtime.off('output', this.onOutput);
  }

  private process(): void {
    while (!this.busy && this.rx.length > 0 && !this.exited) {
      const byte = this.rx.shift()!;
      // A sleeping (or stopped) interpreter reads nothing.
      if (!this.options.runtime.running) continue;
      this.handleByte(byte);
    }
  }

  private handleByte(byte: number): void {
    const wasCr = this.lastWasCr;
    this.lastWasCr = byte === 0x0d;
    if (byte === CTRL_C) {
      this.ctrlC();
      return;
    }
    if (byte === 0x0a && wasCr) return; // \r\n is one Enter
    if (byte === 0x0d || byte === 0x0a) {
      this.enter();
      return;
    }
    if (byte === ECHO_OFF && this.input.length === 0) {
      this.echo = false;
      return;
    }
    if (byte === 0x08 || byte === 0x7f) {
      if (this.input.length > 0 && !this.input.endsWith('\n')) {
        this.input = this.input.slice(0, -1);
        if (this.echo) this.options.write('\x08 \x08');
      }
      return;
    }
    this.input += String.fromCharCode(byte);
    if (this.echo) this.options.write(String.fromCharCode(byte));
  }

  private enter(): void {
    if (!isInputComplete(this.input)) {
      this.input += '\n';
      if (this.echo) this.options.write('\r\n:');
      return;
    }
    const code = this.input;
    const echo = this.echo;
    this.input = '';
    this.echo = true;
    this.execute(code, echo);
  }

  private execute(code: string, echo: boolean): void {
    const write = this.options.write;
    if (echo) write('\r\n');
    let failed = false;
    const onUncaught = () => (failed = true);
    this.options.runtime.on('uncaught', onUncaught);
    this.executing = true;
    this.printedDuringCommand = false;
    let value: unknown;
    try {
      value = code.trim() === '' ? undefined : this.options.runtime.run(code);
    } catch (err) {
      // The runtime refuses to run (asleep, stopped): the board would not answer at all.
      failed = true;
      this.emit('error', err);
    } finally {
      this.executing = false;
      this.options.runtime.off('uncaught', onUncaught);
    }
    this.emit('command', code, { echo });
    if (echo && !failed && code.trim() !== '') write(`=${formatReplValue(value)}\r\n`);
    if (echo || this.printedDuringCommand) write('>');
    // The board is busy for a moment; input meanwhile waits in the receive buffer.
    this.busy = true;
    const resume = () => {
      this.busy = false;
      this.process();
    };
    const busyMs = this.options.commandBusyMs ?? 2;
    if (busyMs > 0) setTimeout(resume, busyMs);
    else setImmediate(resume);
  }

  private ctrlC(): void {
    if (this.options.board === 'linux') {
      this.ctrlCs++;
      if (this.ctrlCs >= 2) {
        this.exited = true;
        this.emit('exit');
        this.options.onExit?.();
        return;
      }
      this.options.write(`\r\x1b[JPress Ctrl-C again to exit\r\n>${this.echo ? this.input : ''}`);
      return;
    }
    this.input = '';
    this.echo = true;
    this.options.write('\r\n>');
  }

  private programOutput(text: string): void {
    if (this.exited) return;
    if (this.executing) {
      this.printedDuringCommand = true;
      this.options.write(text);
      return;
    }
    // Erase the prompt line, print, and redraw the prompt with what was typed so far.
    this.options.write(`\r\x1b[J${text}`);
    if (this.redrawPending) return;
    this.redrawPending = true;
    setImmediate(() => {
      this.redrawPending = false;
      if (!this.exited) this.options.write(`>${this.echo ? this.input.split('\n').pop() : ''}`);
    });
  }
}
