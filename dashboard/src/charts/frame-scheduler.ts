/**
 * One queue of chart redraws for the whole page, run a few per animation frame. Twelve charts
 * whose time axes all slide at the same moment would otherwise redraw in one frame, a task of
 * 100 ms or more on a slow machine (issue 17); spread over frames, no frame holds the main thread
 * for long. New data goes before slides (`urgent`), so a reading is drawn in the next frame.
 * Plain TypeScript with the frame source injected, so it is tested without a browser.
 */

export interface FrameHost {
  requestFrame(run: () => void): number;
  cancelFrame(id: number): void;
  /** A monotonic clock in ms (performance.now). */
  now(): number;
}

/** Redraw work per frame: at least one job runs, then more while the frame has used less than this. */
export const FRAME_BUDGET_MS = 8;

type Job = () => void;

export class FrameScheduler {
  readonly #host: FrameHost;
  readonly #budgetMs: number;
  /** Insertion order is run order; a job is in at most one of them. */
  readonly #urgent = new Set<Job>();
  readonly #later = new Set<Job>();
  #frame = 0;

  constructor(host: FrameHost, budgetMs = FRAME_BUDGET_MS) {
    this.#host = host;
    this.#budgetMs = budgetMs;
  }

  /** Queues `job` once (again while queued: kept in its place, or moved up if now urgent). */
  schedule(job: Job, urgent: boolean): void {
    if (urgent && this.#later.delete(job)) this.#urgent.add(job);
    else if (!this.#urgent.has(job)) (urgent ? this.#urgent : this.#later).add(job);
    if (this.#frame === 0) this.#frame = this.#host.requestFrame(() => this.#run());
  }

  cancel(job: Job): void {
    this.#urgent.delete(job);
    this.#later.delete(job);
    if (this.pending === 0 && this.#frame !== 0) {
      this.#host.cancelFrame(this.#frame);
      this.#frame = 0;
    }
  }

  get pending(): number {
    return this.#urgent.size + this.#later.size;
  }

  #run(): void {
    this.#frame = 0;
    const started = this.#host.now();
    do {
      const job = next(this.#urgent) ?? next(this.#later);
      if (!job) break;
      job();
    } while (this.#host.now() - started < this.#budgetMs);
    if (this.pending > 0) this.#frame = this.#host.requestFrame(() => this.#run());
  }
}

function next(jobs: Set<Job>): Job | undefined {
  for (const job of jobs) {
    jobs.delete(job);
    return job;
  }
  return undefined;
}

/** The page's one scheduler, on the browser's animation frames. */
export const frames = new FrameScheduler({
  requestFrame: (run) => requestAnimationFrame(run),
  cancelFrame: (id) => cancelAnimationFrame(id),
  now: () => performance.now(),
});
