const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/;

/**
 * Parses "500ms", "60s", "15m", "1h", "7d", "2w" into milliseconds.
 * A bare number means seconds, the unit operators type most often.
 * Returns null for anything else so callers can name the bad value themselves.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = Math.round(amount * (UNIT_MS[unit] ?? 1_000));
  return Number.isFinite(ms) ? ms : null;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
