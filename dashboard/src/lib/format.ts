/**
 * A reading as shown everywhere (cards, chart values, axis numbers, tooltips): one format per
 * locale, the browser's decimal separator but no digit grouping, at most three decimals, so what
 * the screen shows is what the device sent, the same way in every place.
 */
const formats = new Map<string, { plain: Intl.NumberFormat; decimal: string }>();

function formatFor(locale: string | undefined) {
  const key = locale ?? '';
  let format = formats.get(key);
  if (!format) {
    const plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 3, useGrouping: false });
    const decimal = plain.formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    formats.set(key, (format = { plain, decimal }));
  }
  return format;
}

export function formatValue(value: number | undefined, locale?: string): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const format = formatFor(locale);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return value.toPrecision(4).replace('.', format.decimal);
  return format.plain.format(value);
}
