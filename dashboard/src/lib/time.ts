/** "3 s ago", "5 min ago", "2 h ago", "4 d ago"; a time slightly ahead of ours (clock skew) reads "just now". */
export function relativeTime(ts: number | null, now: number): string {
  if (ts === null) return 'never';
  const s = Math.floor((now - ts) / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** The zone times are shown in: the browser's (undefined), or UTC when the operator asks for it. */
let displayZone: 'UTC' | undefined;
// Built when first used: each costs the page milliseconds of ICU set-up at start, and most pages
// need one or two of them.
const FORMATS = {
  clock: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  clockSeconds: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  day: { month: 'short', day: 'numeric' },
  full: { dateStyle: 'medium', timeStyle: 'medium' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
let built: Partial<Record<keyof typeof FORMATS, Intl.DateTimeFormat>> = {};
function format(name: keyof typeof FORMATS): Intl.DateTimeFormat {
  built[name] ??= new Intl.DateTimeFormat(undefined, { ...FORMATS[name], timeZone: displayZone });
  return built[name];
}

/** Shows every time (axes, tooltips, clock times) in UTC, or again in the browser's zone. */
export function setUtc(utc: boolean): void {
  displayZone = utc ? 'UTC' : undefined;
  built = {};
}

/** The name of the zone times are shown in, e.g. "Europe/Berlin" or "UTC". */
export function zoneName(): string {
  return displayZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "14:05": when something happened today, in the browser's zone. */
export function clockTime(ts: number): string {
  return format('clock').format(ts);
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/**
 * Axis ticks on round local times (every 5 min, every 3 h, at midnight…) rather than on round
 * numbers of milliseconds, which is what a linear axis over epoch ms would give.
 */
export function timeTicks(from: number, to: number, maxTicks: number, zoneOffsetMs = localOffset(from)): { step: number; ticks: number[] } {
  const span = Math.max(1, to - from);
  const limit = Math.max(1, maxTicks);
  const step = TICK_STEPS.find((s) => span / s <= limit) ?? Math.ceil(span / limit / DAY) * DAY;
  const ticks: number[] = [];
  // Round in local wall-clock time: local = utc - offset.
  for (let t = Math.ceil((from - zoneOffsetMs) / step) * step + zoneOffsetMs; t <= to; t += step) ticks.push(t);
  return { step, ticks };
}

function localOffset(ts: number): number {
  return displayZone === 'UTC' ? 0 : new Date(ts).getTimezoneOffset() * MINUTE;
}

/** A tick label as precise as the tick spacing needs. */
export function axisLabel(ts: number, stepMs: number): string {
  if (stepMs < MINUTE) return format('clockSeconds').format(ts);
  if (stepMs < DAY) return format('clock').format(ts);
  return format('day').format(ts);
}

export function fullTime(ts: number): string {
  return format('full').format(ts);
}
