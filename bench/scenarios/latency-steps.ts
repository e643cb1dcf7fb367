/**
 * The latency scenario's rate step-up (issue 18: "at the highest rate the machine ingests without
 * queueing"): the same 100 clients, each taking the whole stream, at rising rates, stopping at the
 * first step where something queued. The verdict per step is pure: tests/unit/bench/latency-steps.test.ts.
 */
import type { LatencySummary } from '../stats.ts';

/** Readings/s tried in order; the step-up stops at the first one that queues. */
export const STEP_RATES = [1_000, 2_000, 3_000, 5_000, 7_000, 10_000, 14_000, 20_000] as const;

/**
 * Ingest forwards in batches every 20 ms, and a quiet pipeline's p99 is tens of ms: a step whose
 * tail passes this, or passes QUEUE_FACTOR times the first step's, is one where readings waited
 * in a queue (the broker's, ingest's or a socket's) rather than in the batching.
 */
export const QUEUE_MS = 100;
export const QUEUE_FACTOR = 4;
/** The simulator must have offered this share of the asked rate, or the machine, not Vigil, set it. */
export const OFFERED_SHARE = 0.97;

export interface StepFigures {
  readonly rate: number;
  /** Readings/s the simulator actually published. */
  readonly offered: number;
  readonly latency: LatencySummary;
  /** Publish to the batch ingest forwarded (ingest's share), when a tap timed it. */
  readonly forwarded: LatencySummary | undefined;
  readonly perClientMin: number;
  readonly expected: number;
  readonly dropped: number;
}

export type StepVerdict = { readonly queued: false } | { readonly queued: true; readonly why: string };

/** Whether readings queued at this step; `baselineP99` is the first step's p99. */
export function stepVerdict(step: StepFigures, baselineP99: number | undefined): StepVerdict {
  if (step.offered < step.rate * OFFERED_SHARE)
    return { queued: true, why: `the simulator offered only ${Math.round(step.offered)}/s of ${step.rate}/s` };
  if (step.dropped > 0) return { queued: true, why: `${step.dropped} clients dropped` };
  if (step.perClientMin < step.expected) return { queued: true, why: `a client got ${step.perClientMin} of ${step.expected} readings` };
  if (step.forwarded && step.forwarded.p99 > QUEUE_MS)
    return { queued: true, why: `ingest's share p99 ${step.forwarded.p99.toFixed(1)} ms > ${QUEUE_MS} ms` };
  const limit = Math.max(QUEUE_MS, QUEUE_FACTOR * (baselineP99 ?? 0));
  if (step.latency.p99 > limit) return { queued: true, why: `p99 ${step.latency.p99.toFixed(1)} ms > ${limit.toFixed(0)} ms` };
  return { queued: false };
}

/** The highest rate before the first step that queued (undefined when even the first did). */
export function highestUnqueued(steps: readonly { readonly rate: number; readonly verdict: StepVerdict }[]): number | undefined {
  let best: number | undefined;
  for (const s of steps) {
    if (s.verdict.queued) break;
    best = s.rate;
  }
  return best;
}
