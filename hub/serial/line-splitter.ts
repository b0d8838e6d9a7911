// Splits a serial byte stream into lines. The hot path of the hub: newlines are found with
// Buffer#indexOf (memchr), a line wholly inside one chunk is decoded straight from that
// chunk, and only a line split across chunks is copied, into one buffer allocated once.
// A line longer than the cap is dropped up to its newline, so a wrong baud rate (no newline
// for ever) cannot grow memory.

const LF = 0x0a;
const CR = 0x0d;

export interface LineSplitterOptions {
  /** Longest line kept, in bytes, terminator excluded. */
  maxLineBytes: number;
  /** Called with each complete line (without "\n" or "\r\n"), decoded as UTF-8. */
  onLine: (line: string) => void;
  /** Called once per line dropped for being longer than maxLineBytes. */
  onTooLong: () => void;
}

export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly onLine: (line: string) => void;
  private readonly onTooLong: () => void;
  /** Start of a line that began in an earlier chunk; holds at most maxLineBytes + 1 bytes. */
  private readonly partial: Buffer;
  private partialLength = 0;
  /** True while skipping the rest of an overlong line up to its newline. */
  private discarding = false;

  constructor(options: LineSplitterOptions) {
    this.maxLineBytes = options.maxLineBytes;
    this.onLine = options.onLine;
    this.onTooLong = options.onTooLong;
    // +1: room for a trailing "\r" that is cut off when the "\n" arrives in the next chunk.
    this.partial = Buffer.allocUnsafe(options.maxLineBytes + 1);
  }

  /** Bytes held for an unfinished line (for tests and health). */
  get pendingBytes(): number {
    return this.partialLength;
  }

  push(chunk: Buffer): void {
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const newline = chunk.indexOf(LF, start);
      if (newline < 0) {
        this.keep(chunk, start, length);
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.partialLength > 0) {
        this.finishPartial(chunk, start, newline);
      } else {
        this.emit(chunk, start, newline);
      }
      start = newline + 1;
    }
  }

  /** Forgets an unfinished line (after the port closed: what follows is a new stream). */
  reset(): void {
    this.partialLength = 0;
    this.discarding = false;
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    if (end > start && buffer[end - 1] === CR) end--;
    if (end - start > this.maxLineBytes) {
      this.onTooLong();
      return;
    }
    this.onLine(buffer.toString('utf8', start, end));
  }

  private finishPartial(chunk: Buffer, start: number, newline: number): void {
    const total = this.partialLength + (newline - start);
    if (total > this.maxLineBytes + 1) {
      this.partialLength = 0;
      this.onTooLong();
      return;
    }
    chunk.copy(this.partial, this.partialLength, start, newline);
    this.partialLength = 0;
    this.emit(this.partial, 0, total);
  }

  /** Holds the start of a line until its newline arrives, or starts discarding it. */
  private keep(chunk: Buffer, start: number, end: number): void {
    if (this.discarding) return;
    const total = this.partialLength + (end - start);
    if (total > this.maxLineBytes + 1) {
      this.partialLength = 0;
      this.discarding = true;
      this.onTooLong();
      return;
    }
    chunk.copy(this.partial, this.partialLength, start, end);
    this.partialLength = total;
  }
}
