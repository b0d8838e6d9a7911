// "building the firmware… done in 3.1 s": a step that takes seconds, said at once and
// finished with the time it took.

export interface Step {
  done(note?: string): void;
  failed(): void;
}

export function startStep(label: string, stream: NodeJS.WriteStream = process.stderr): Step {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  // The firmware build keeps the event loop busy, so no counter could tick meanwhile: say it
  // at once, then finish the same line (a terminal) or add one (piped) with the time it took.
  const tty = stream.isTTY === true;
  stream.write(tty ? `${label}…` : `${label}…\n`);
  const end = (text: string) => stream.write(tty ? `\r${label}… ${text}\x1b[K\n` : `${label}: ${text}\n`);
  return {
    done: (note) => end(`done in ${seconds()}${note ? `, ${note}` : ''}`),
    failed: () => end(`failed after ${seconds()}`),
  };
}

/** ensureFirmwareBuilt's onBuild, reporting the build as a step; call finish() afterwards. */
export function firmwareBuildProgress(prefix: string, stream: NodeJS.WriteStream = process.stderr) {
  let step: Step | undefined;
  return {
    onBuild: (why: string) => {
      step = startStep(`${prefix}building the firmware (${why})`, stream);
    },
    finish: (ok: boolean) => {
      if (ok) step?.done();
      else step?.failed();
      step = undefined;
    },
  };
}
