export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Delay before reopen attempt `attempt` (0-based): the ceiling doubles from 1 s up to 30 s and
 * the delay is drawn from its upper half, so browsers cut off by the same deploy do not all
 * come back in the same instant, yet none waits much less than the schedule says.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempt, 0), 15));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
