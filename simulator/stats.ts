/** Counters the simulator keeps, the recent rate, and the summary printed at the end. */
import type { FaultKind } from './faults.ts';
import type { SimulatorOptions } from './options.ts';

export interface SimulatorStats {
  /** Telemetry messages handed to the broker: written (QoS 0) or acknowledged (QoS 1). */
  readonly sent: number;
  /** Readings inside them (a batch message carries several). */
  readonly entries: number;
  /** Publishes that failed, and connection errors we did not cause on purpose. */
  readonly errors: number;
  /** Telemetry messages per second over the last second or so. */
  readonly rate: number;
  readonly connected: number;
  readonly devices: number;
  readonly elapsedMs: number;
}

export interface SimulatorSummary {
  readonly devices: number;
  readonly seed: number;
  readonly qos: 0 | 1;
  readonly batch: number;
  readonly format: string;
  readonly durationMs: number;
  /** Reports published (one message each in most formats), including the bad payloads of --faults. */
  readonly sent: number;
  /** MQTT messages those reports took (ESPHome sends one per sensor, Tasmota adds STATE); status and announcements not counted. */
  readonly messages: number;
  readonly entries: number;
  /** Entries carrying a value pushed past a default rule. */
  readonly anomalies: number;
  readonly errors: number;
  /** Publishes still without an outcome when the simulator gave up waiting. */
  readonly unconfirmed: number;
  /** Average telemetry messages per second over the whole run. */
  readonly rate: number;
  /** Injected faults by class (reject reason, or disconnect / offline / clock_skew). */
  readonly faults: Readonly<Partial<Record<FaultKind, number>>>;
  readonly disconnects: number;
  readonly reconnects: number;
  /** Samples lost: backlog entries dropped because a buffer was full, or taken while offline by a format that keeps no backlog. */
  readonly dropped: number;
  /** Interval turns skipped because the loop fell behind (the machine could not keep up). */
  readonly lagged: number;
  readonly stoppedBy: StopCause;
}

export type StopCause = 'count' | 'duration' | 'stop';

/** Messages per second over a sliding window, from the running total sampled now and then. */
export class RateMeter {
  private readonly marks: { at: number; total: number }[] = [];

  constructor(private readonly windowMs = 1_000) {}

  mark(at: number, total: number): void {
    this.marks.push({ at, total });
    // Keep one mark older than the window so the rate always spans at least a full window.
    while (this.marks.length > 2 && this.marks[1]!.at <= at - this.windowMs) this.marks.shift();
  }

  rate(at: number, total: number): number {
    const first = this.marks[0];
    if (!first || at - first.at <= 0) return 0;
    return ((total - first.total) * 1000) / (at - first.at);
  }
}

export class Counters {
  sent = 0;
  messages = 0;
  entries = 0;
  anomalies = 0;
  errors = 0;
  disconnects = 0;
  reconnects = 0;
  readonly faults: Partial<Record<FaultKind, number>> = {};

  fault(kind: FaultKind): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }
}

export function summarize(
  options: SimulatorOptions,
  counters: Counters,
  extra: { durationMs: number; unconfirmed: number; dropped: number; lagged: number; stoppedBy: StopCause },
): SimulatorSummary {
  const seconds = extra.durationMs / 1000;
  return {
    devices: options.devices,
    seed: options.seed,
    qos: options.qos,
    batch: options.batch,
    format: options.format,
    durationMs: Math.round(extra.durationMs),
    sent: counters.sent,
    messages: counters.messages,
    entries: counters.entries,
    anomalies: counters.anomalies,
    errors: counters.errors,
    unconfirmed: extra.unconfirmed,
    rate: seconds > 0 ? Math.round((counters.sent / seconds) * 10) / 10 : 0,
    faults: { ...counters.faults },
    disconnects: counters.disconnects,
    reconnects: counters.reconnects,
    dropped: extra.dropped,
    lagged: extra.lagged,
    stoppedBy: extra.stoppedBy,
  };
}
