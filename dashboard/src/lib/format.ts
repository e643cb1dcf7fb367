/**
 * A reading as shown on a card: plain digits with a dot (no grouping, no locale), at most three
 * decimals, so what the screen shows is what the device sent and what tests can compare.
 */
export function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return value.toPrecision(4);
  return String(Math.round(value * 1000) / 1000);
}
