// Lets a few log lines per key through each window and counts the rest, so a flood of
// bad input cannot flood the log. Suppressed lines are still counted in health.

export interface RateLimitOptions {
  /** Lines allowed per key per window. Default 5. */
  burst?: number;
  /** Window length in ms. Default 10000. */
  windowMs?: number;
  now?: () => number;
}

export class RateLimit {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, { start: number; used: number; suppressed: number }>();

  constructor(options: RateLimitOptions = {}) {
    this.burst = options.burst ?? 5;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether a line for `key` may be logged now. `suppressed` is how many were held back in
   * the window that just ended (worth saying once in the next line), else 0.
   */
  allow(key: string): { ok: boolean; suppressed: number } {
    const now = this.now();
    let w = this.windows.get(key);
    let suppressed = 0;
    if (!w || now - w.start >= this.windowMs) {
      suppressed = w?.suppressed ?? 0;
      w = { start: now, used: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.used < this.burst) {
      w.used++;
      return { ok: true, suppressed };
    }
    w.suppressed++;
    return { ok: false, suppressed: 0 };
  }
}
