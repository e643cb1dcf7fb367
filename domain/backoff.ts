/**
 * The one retry schedule (ingest's store retries, the InfluxDB forwarder, the alert webhook, the
 * dashboard's reloads and stream reopens): a ceiling that doubles per failure from `baseMs` up to
 * `maxMs`, and a delay drawn from the ceiling's upper half ("equal jitter"). The jitter keeps
 * many clients cut off by the same outage from coming back in the same instant; the lower bound
 * keeps each near its schedule. Pure (no timers, no node imports), so the dashboard shares it.
 */
export interface BackoffPolicy {
  /** The ceiling after the first failure. */
  readonly baseMs: number;
  /** The ceiling never grows past this. */
  readonly maxMs: number;
}

/** The ceiling after `failures` failures in a row (1 or more; less counts as 1). */
export function backoffCeiling(failures: number, policy: BackoffPolicy): number {
  const doublings = Math.min(Math.max(0, Math.floor(failures) - 1), 40);
  return Math.max(0, Math.min(policy.maxMs, policy.baseMs * 2 ** doublings));
}

/**
 * The wait before the next attempt after `failures` failures in a row: in [ceiling/2, ceiling].
 * `random` returns [0, 1) like Math.random (tests pass a fixed one).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(failures, policy);
  return Math.round(ceiling / 2 + (Math.min(Math.max(random(), 0), 1) * ceiling) / 2);
}
