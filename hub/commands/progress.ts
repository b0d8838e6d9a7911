// "building the firmware… 3 s": a step that takes seconds, said at once. On a terminal the
// seconds count up in place; piped, one line when it starts and one when it is done.

export interface Step {
  done(note?: string): void;
  failed(): void;
}

export function startStep(label: string, stream: NodeJS.WriteStream = process.stderr): Step {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const tty = stream.isTTY === true;
  let timer: NodeJS.Timeout | undefined;
  if (tty) {
    const draw = () => stream.write(`\r${label}… ${Math.floor((Date.now() - started) / 1000)} s`);
    draw();
    timer = setInterval(draw, 1000);
    timer.unref();
  } else {
    stream.write(`${label}…\n`);
  }
  const end = (text: string) => {
    clearInterval(timer);
    stream.write(tty ? `\r${label}… ${text}\x1b[K\n` : `${label}: ${text}\n`);
  };
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
