/**
 * Drains the spool to InfluxDB: the oldest rows, thousands of lines per /write, deleted from the
 * spool only once InfluxDB answered. What a failure does to the batch is decided by
 * classifyWriteError (errors.ts): transient failures and timeouts are retried with exponential
 * backoff, partial writes leave the spool (InfluxDB kept the good lines), and a permanent refusal
 * holds the spool and marks the store blocked until a rare retry succeeds.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../lib/logger.ts';
import { RateLimitedLog } from '../../lib/logger.ts';
import type { StatsRecorder } from '../stats.ts';
import { classifyWriteError, type WriteFailure } from './errors.ts';
import { seenLine } from './lines.ts';
import type { Spool, SpoolRow } from './spool.ts';
import type { InfluxHttp } from './transport.ts';
import { backoffDelay } from '../../domain/backoff.ts';

export interface ForwarderOptions {
  readonly spool: Spool;
  readonly http: InfluxHttp;
  readonly stats: StatsRecorder;
  readonly logger: Logger;
  /** Detects the server and creates the database; runs before the first write and after a 404. Throws while InfluxDB is unreachable. */
  readonly prepare: () => Promise<void>;
  readonly batchLines?: number;
  /** A batch smaller than batchLines waits this long for more rows, so a trickle still goes out in batches. */
  readonly lingerMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How often a blocked store (permanent error) tries again. */
  readonly blockedRetryMs?: number;
  /** Names this forwarder in the spool's drain lease. */
  readonly owner?: string;
  /** How long the lease lasts without renewal: longer than one write can take (request timeout + ping). */
  readonly leaseMs?: number;
  /** How often an idle forwarder looks for rows other processes appended, or for the lease. */
  readonly pollMs?: number;
  /** Called with each batch InfluxDB stored (the rollups mark its minutes dirty). */
  readonly onWritten?: (batch: readonly SpoolRow[]) => void;
}

type Waiter = { readonly target: number; readonly resolve: () => void; readonly reject: (err: Error) => void };

export class Forwarder {
  private readonly options: Required<Omit<ForwarderOptions, 'spool' | 'http' | 'stats' | 'logger' | 'prepare' | 'owner' | 'onWritten'>>;
  private readonly owner: string;
  private readonly warn: RateLimitedLog;
  private batchLines: number;
  private ready = false;
  private stopping = false;
  private draining = false;
  private failing = false;
  private lastBlockedLog = 0;
  private waiters: Waiter[] = [];
  private wakeUp: (() => void) | undefined;
  /** Ends pauses on stop(). */
  private readonly abort = new AbortController();
  /** One per request: the client adds a listener to the signal it is given and never removes it. */
  private inflight: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: ForwarderOptions) {
    this.options = {
      batchLines: deps.batchLines ?? 5_000,
      lingerMs: deps.lingerMs ?? 50,
      minBackoffMs: deps.minBackoffMs ?? 200,
      maxBackoffMs: deps.maxBackoffMs ?? 30_000,
      blockedRetryMs: deps.blockedRetryMs ?? 30_000,
      leaseMs: deps.leaseMs ?? 15_000,
      pollMs: deps.pollMs ?? 1_000,
    };
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
    this.batchLines = this.options.batchLines;
    this.warn = new RateLimitedLog(deps.logger, 10_000);
  }

  /** `ready`: the server was already prepared (the store did it while opening). */
  start(ready: boolean): void {
    this.ready ||= ready;
    this.loop ??= this.run();
  }

  /** New rows are in the spool. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Resolves when every row appended before the call has left the spool. */
  flush(timeoutMs?: number): Promise<void> {
    const target = this.deps.spool.lastId;
    if (this.drained(target)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        target,
        resolve: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          if (timer) clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`the InfluxDB spool was not drained within ${timeoutMs} ms (${this.deps.spool.rows} rows waiting)`));
        }, timeoutMs);
      }
      this.wake();
    });
  }

  /** Tries to drain what is spooled for up to graceMs, then stops; the rest stays spooled for the next start. */
  async stop(graceMs: number): Promise<void> {
    if (this.deps.spool.rows > 0 && graceMs > 0 && !this.failing) {
      this.draining = true;
      await this.flush(graceMs).catch(() => undefined);
    }
    this.stopping = true;
    this.abort.abort();
    this.inflight?.abort();
    this.wake();
    await this.loop;
    this.deps.spool.release(this.owner);
    const left = this.waiters.splice(0);
    for (const w of left) w.reject(new Error(`the InfluxDB store closed with ${this.deps.spool.rows} rows still spooled`));
  }

  private drained(target: number): boolean {
    return this.deps.spool.drainedThrough(target);
  }

  private settleWaiters(): void {
    const done = this.waiters.filter((w) => this.drained(w.target));
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => !this.drained(w.target));
    for (const w of done) w.resolve();
  }

  /** Sleeps for ms (forever when null), cut short by stop() and, if wakeable, by new rows. */
  private pause(ms: number | null, wakeable: boolean): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      if (ms !== null) timer = setTimeout(done, ms);
      if (wakeable || ms === null) this.wakeUp = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async run(): Promise<void> {
    // Failed attempts in a row; the wait before the next one grows with it (domain/backoff.ts).
    let failures = 0;
    while (!this.stopping) {
      let batch = this.deps.spool.peek(this.batchLines);
      if (batch.length === 0) {
        this.settleWaiters();
        // Polling too: another process sharing the spool file does not wake this one.
        await this.pause(this.options.pollMs, true);
        continue;
      }
      if (!this.deps.spool.lease(this.owner, this.options.leaseMs)) {
        // Another process is draining the file; its progress still settles our flush() calls.
        this.settleWaiters();
        await this.pause(this.options.pollMs, false);
        continue;
      }
      if (batch.length < this.batchLines && this.waiters.length === 0 && !this.draining && this.options.lingerMs > 0) {
        await this.pause(this.options.lingerMs, false);
        if (this.stopping) break;
        batch = this.deps.spool.peek(this.batchLines);
      }
      const failure = await this.send(batch);
      if (this.stopping) break;
      if (!failure) {
        failures = 0;
        continue;
      }
      failures = await this.recover(failure, batch, failures);
    }
  }

  /** Returns undefined when the batch left the spool (written, or refused for good). */
  private async send(batch: readonly SpoolRow[]): Promise<WriteFailure | undefined> {
    const started = performance.now();
    try {
      if (!this.ready) {
        await this.deps.prepare();
        this.ready = true;
      }
      const body = renderBatch(batch);
      if (body !== '') {
        const request = new AbortController();
        this.inflight = request;
        try {
          await this.deps.http.write(body, request.signal);
        } finally {
          this.inflight = undefined;
        }
      }
      this.deps.stats.timed(performance.now() - started);
      this.acknowledge(batch);
      let points = 0;
      for (const row of batch) points += row.points;
      this.deps.stats.readingsWritten += points;
      if (this.failing) this.deps.logger.info({ spooledRows: this.deps.spool.rows }, 'InfluxDB writes resumed');
      this.failing = false;
      this.deps.stats.blockedBy = null;
      return undefined;
    } catch (err) {
      if (this.stopping) return undefined;
      this.deps.stats.timed(performance.now() - started);
      const failure = classifyWriteError(err);
      this.deps.stats.writeError(failure.kind);
      if (failure.kind === 'partial') {
        // InfluxDB stored the lines it could; sending the batch again would be refused again.
        this.deps.stats.droppedByBackend += failure.dropped ?? 0;
        this.warn.warn(
          'influx-partial',
          { reason: failure.message, lines: batch.length },
          'InfluxDB refused part of a batch; the rest is stored',
        );
        this.acknowledge(batch);
        return undefined;
      }
      return failure;
    }
  }

  private acknowledge(batch: readonly SpoolRow[]): void {
    this.deps.onWritten?.(batch);
    this.deps.spool.ack(batch);
    this.settleWaiters();
  }

  /** Acts on a failure and waits before the next attempt; returns the failures in a row now. */
  private async recover(failure: WriteFailure, batch: readonly SpoolRow[], failures: number): Promise<number> {
    this.failing = true;
    switch (failure.kind) {
      case 'too_large':
        if (batch.length > 1) {
          this.batchLines = Math.max(1, Math.floor(batch.length / 2));
          this.deps.logger.warn({ batchLines: this.batchLines }, 'InfluxDB refused the batch size; sending smaller batches');
          return failures;
        }
        // One line too large is refused for good.
        this.deps.stats.droppedByBackend += 1;
        this.acknowledge(batch);
        return failures;
      case 'permanent': {
        this.deps.stats.blockedBy = failure.message;
        const now = Date.now();
        if (now - this.lastBlockedLog > 60_000) {
          this.lastBlockedLog = now;
          this.deps.logger.error(
            { reason: failure.message, spooledRows: this.deps.spool.rows, retryInMs: this.options.blockedRetryMs },
            'InfluxDB refuses writes; readings stay in the spool until this is fixed',
          );
        }
        await this.pause(this.options.blockedRetryMs, false);
        return failures;
      }
      case 'no_database':
        this.ready = false;
        break;
      default:
        break;
    }
    // Jittered: several ingest processes recovering at once should not hit InfluxDB in step.
    const wait =
      failure.retryAfterMs ?? backoffDelay(failures + 1, { baseMs: this.options.minBackoffMs, maxMs: this.options.maxBackoffMs });
    this.warn.warn(
      `influx-${failure.kind}`,
      { reason: failure.message, spooledRows: this.deps.spool.rows, retryInMs: wait },
      'InfluxDB write failed; retrying',
    );
    await this.pause(wait, false);
    return failures + 1;
  }
}

/** Timestamps of the telemetry lines of a batch: the last token of a line is its time (ms). */
export function* telemetryTimes(batch: readonly SpoolRow[]): Generator<number> {
  for (const row of batch) {
    if (row.device === null || row.line === '') continue;
    const ts = Number(row.line.slice(row.line.lastIndexOf(' ') + 1));
    if (Number.isSafeInteger(ts)) yield ts;
  }
}

/** The batch's lines, plus one `seen` point per device: the newest receive time, which is all lastSeen needs. */
export function renderBatch(batch: readonly SpoolRow[]): string {
  const lines: string[] = [];
  const seen = new Map<string, number>();
  for (const row of batch) {
    if (row.line !== '') lines.push(row.line);
    if (row.device !== null && row.seenAt !== null) seen.set(row.device, Math.max(seen.get(row.device) ?? row.seenAt, row.seenAt));
  }
  for (const [device, at] of seen) lines.push(seenLine(device, at));
  return lines.join('\n');
}
