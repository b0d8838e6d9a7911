// Upload progress: a bar redrawn in place on a terminal, plain lines (every 25%) when
// the output is a file or a pipe (CI logs, tests), so logs stay readable.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Ends the bar (newline on a TTY). */
  finish(): void;
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function createProgress(stream: ProgressStream, label: string): Progress {
  if (stream.isTTY) {
    let lastDrawn = '';
    let started = false;
    return {
      update(done, total) {
        started = true;
        const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - label.length - 30));
        const fraction = total === 0 ? 1 : done / total;
        const filled = Math.round(fraction * width);
        const line = `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)
          .toString()
          .padStart(3)}% ${kb(done)}/${kb(total)}`;
        if (line !== lastDrawn) stream.write(`${line}\x1b[K`);
        lastDrawn = line;
      },
      finish() {
        if (started) stream.write('\n');
      },
    };
  }
  let nextStep = 0;
  return {
    update(done, total) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent < nextStep) return;
      stream.write(`${label}: ${percent}% (${kb(done)} of ${kb(total)})\n`);
      nextStep = Math.floor(percent / 25) * 25 + 25;
    },
    finish() {},
  };
}
