/**
 * One loop drives every device, so a thousand devices cost one timer, not a thousand. Either each
 * device publishes on its own interval (phases staggered so the fleet does not fire in bursts),
 * or a token bucket holds a total rate and hands turns to the devices round-robin.
 */

/** What a device did with its turn. */
export type TurnResult =
  /** Published one telemetry message: spends a token and one unit of --count. */
  | 'sent'
  /** Used its turn without a telemetry message (offline and buffering, or a status fault). */
  | 'idle'
  /** Cannot take a turn now (too much in flight); ask again later. */
  | 'busy';

export type Schedule = { readonly kind: 'interval'; readonly intervalMs: number } | { readonly kind: 'rate'; readonly perSecond: number };

export interface SchedulerOptions {
  readonly devices: number;
  readonly schedule: Schedule;
  /**
   * Total telemetry messages allowed; undefined means unlimited. It is split into fixed per-device
   * shares up front, so which device sends how many does not depend on timing and a seed replays.
   */
  readonly budget: number | undefined;
  readonly turn: (device: number) => TurnResult;
  /** Called once when the budget is spent. */
  readonly exhausted?: () => void;
  readonly now?: () => number;
}

/** Longest sleep between ticks, so that stop() and new capacity are noticed promptly. */
const MAX_SLEEP_MS = 50;
/** Time slice a tick may run before yielding to I/O (acks, socket drains, timers). */
const SLICE_MS = 20;
/** An interval device more than this many periods behind skips ahead rather than bursting. */
const MAX_LAG_PERIODS = 3;

export class Scheduler {
  private readonly now: () => number;
  private readonly due: Float64Array;
  private remaining: number;
  /** What each device may still send of the budget (Infinity without one). */
  private readonly share: Float64Array;
  private tokens = 1;
  private lastRefill = 0;
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  /** Sleeping because every device was busy: a settled publish should wake the loop at once. */
  private blocked = false;
  /** Turns an interval device skipped because it fell too far behind. */
  lagged = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.remaining = options.budget ?? Infinity;
    this.due = new Float64Array(options.devices);
    this.share = budgetShares(options.budget, options.devices);
  }

  get left(): number {
    return this.remaining;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const start = this.now();
    this.lastRefill = start;
    const { schedule, devices } = this.options;
    if (schedule.kind === 'interval') {
      for (let i = 0; i < devices; i++) this.due[i] = start + (schedule.intervalMs * i) / devices;
    }
    this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Capacity came back (a publish settled): run soon if we were waiting for it. */
  wake(): void {
    if (!this.running || !this.blocked || this.immediate) return;
    this.blocked = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.immediate = setImmediate(() => this.tick());
  }

  /** Runs one tick synchronously; exposed for tests with a fake clock. */
  tick(): void {
    this.immediate = undefined;
    this.timer = undefined;
    if (!this.running) return;
    const sleep =
      this.options.schedule.kind === 'rate'
        ? this.tickRate(this.options.schedule.perSecond)
        : this.tickInterval(this.options.schedule.intervalMs);
    if (!this.running) return;
    if (this.remaining <= 0) {
      this.stop();
      this.options.exhausted?.();
      return;
    }
    if (sleep === 0) this.immediate = setImmediate(() => this.tick());
    else this.timer = setTimeout(() => this.tick(), sleep);
  }

  private spend(device: number): void {
    this.remaining--;
    this.share[device]!--;
  }

  /** Returns how long to sleep; 0 means "more to do right away". */
  private tickRate(perSecond: number): number {
    const start = this.now();
    // A burst of at most 100 ms worth (or one message): enough to ride out timer jitter, not
    // enough to blow past the rate after a stall.
    const burst = Math.max(1, perSecond / 10);
    this.tokens = Math.min(burst, this.tokens + ((start - this.lastRefill) * perSecond) / 1000);
    this.lastRefill = start;
    const devices = this.options.devices;
    let fruitless = 0;
    let turns = 0;
    while (this.tokens >= 1 && this.remaining > 0 && fruitless < devices) {
      const device = this.cursor;
      this.cursor = (this.cursor + 1) % devices;
      if (this.share[device]! <= 0) {
        fruitless++;
        continue;
      }
      const result = this.options.turn(device);
      if (result === 'sent') {
        this.tokens -= 1;
        this.spend(device);
        fruitless = 0;
      } else fruitless++;
      if (++turns % 256 === 0 && this.now() - start > SLICE_MS) return 0;
      if (!this.running) return 0;
    }
    if (this.remaining <= 0) return 0;
    if (this.tokens >= 1) {
      // Tokens left but no device could use them: wait for a publish to settle.
      this.blocked = true;
      return MAX_SLEEP_MS;
    }
    return Math.min(MAX_SLEEP_MS, Math.max(1, ((1 - this.tokens) * 1000) / perSecond));
  }

  private tickInterval(intervalMs: number): number {
    const start = this.now();
    let next = Infinity;
    let busy = false;
    const devices = this.options.devices;
    // Resume the scan where the last time slice ended, so no device starves at high load.
    for (let k = 0; k < devices && this.remaining > 0; k++) {
      const i = (this.cursor + k) % devices;
      let due = this.due[i]!;
      if (start - due > intervalMs * MAX_LAG_PERIODS) {
        this.lagged += Math.floor((start - due) / intervalMs);
        due = start;
      }
      while (due <= start && this.share[i]! > 0) {
        const result = this.options.turn(i);
        if (result === 'busy') {
          busy = true;
          break;
        }
        if (result === 'sent') this.spend(i);
        due += intervalMs;
        if (!this.running) return 0;
      }
      // A device done with its share is never due again, so it does not keep the loop awake.
      if (this.share[i]! <= 0) due = Infinity;
      this.due[i] = due;
      if (due < next) next = due;
      if (this.now() - start > SLICE_MS) {
        this.cursor = (i + 1) % devices;
        return 0;
      }
    }
    // With a big fleet something is due every millisecond; waking at most every few ms and
    // serving all due devices at once costs a few ms of jitter instead of a scan per device.
    const floor = Math.min(5, Math.max(1, intervalMs / 10));
    if (busy) this.blocked = true;
    return Math.min(MAX_SLEEP_MS, Math.max(floor, next - this.now()));
  }
}

/** Splits a budget into per-device shares: equal, the first devices taking one more of the rest. */
export function budgetShares(budget: number | undefined, devices: number): Float64Array {
  const shares = new Float64Array(devices);
  if (budget === undefined) return shares.fill(Infinity);
  const base = Math.floor(budget / devices);
  const rest = budget % devices;
  for (let i = 0; i < devices; i++) shares[i] = base + (i < rest ? 1 : 0);
  return shares;
}
