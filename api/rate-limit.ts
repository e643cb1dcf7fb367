/**
 * Counts failed operator-token attempts per client address in a sliding window; past the limit
 * the address is refused (429) until its oldest failure leaves the window, so the token cannot
 * be guessed at network speed.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until this address may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.limit) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    if (!this.failures.has(key) && this.failures.size >= this.maxKeys) this.prune();
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, times] of this.failures) if (times.every((t) => t <= cutoff)) this.failures.delete(key);
    // Still full: forget the oldest entries rather than grow without bound.
    for (const key of this.failures.keys()) {
      if (this.failures.size < this.maxKeys) break;
      this.failures.delete(key);
    }
  }
}

/**
 * Requests per client in a sliding window (expensive reads such as rule previews): past the
 * limit the client waits until its oldest request leaves the window.
 */
export class RequestLimiter {
  private readonly inner: FailureLimiter;

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.inner = new FailureLimiter(limit, windowMs, now);
  }

  /** 0 and counts the request when it may run now; otherwise the seconds to wait. */
  take(key: string): number {
    const wait = this.inner.retryAfter(key);
    if (wait === 0) this.inner.fail(key);
    return wait;
  }
}

/**
 * At most `running` jobs at once and `waiting` queued behind them: heavy work shares the event
 * loop with everything else, so it is admitted a little at a time and refused past the queue.
 */
export class WorkGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly running: number,
    private readonly waiting: number,
  ) {}

  /** Runs `job` when a slot is free; undefined (not run) when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T | undefined> {
    if (this.active >= this.running) {
      if (this.queue.length >= this.waiting) return undefined;
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await job();
    } finally {
      // The slot passes straight to the next waiter, so `active` counts it throughout.
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
