import { backoffDelay as sharedDelay } from '../../../domain/backoff.ts';

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Delay before reopen attempt `attempt` (0-based): the ceiling doubles from 1 s up to 30 s and
 * the delay is drawn from its upper half (domain/backoff.ts, the schedule the server side uses
 * too), so browsers cut off by the same deploy do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return sharedDelay(attempt + 1, { baseMs: BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS }, random);
}
