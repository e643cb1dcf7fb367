/**
 * Plain-text tables for the terminal and Markdown tables for the docs, from the same rows. Pure.
 */

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table: what a figure means, what was skipped and why. */
  readonly notes?: readonly string[];
}

/** Numbers right-aligned (they line up by magnitude), text left-aligned. */
const NUMERIC = /^[-+~≈<>]?[\d.,]+\s*(%|ms|s|MB|KB|x|\/s|k\/s)?$/;

export function formatTable(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (NUMERIC.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [table.title, line(table.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

export function formatMarkdown(table: Table): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  const out = [
    `**${table.title}**`,
    '',
    `| ${table.headers.map(escapeCell).join(' | ')} |`,
    `|${table.headers.map(() => '---').join('|')}|`,
    ...table.rows.map((r) => `| ${table.headers.map((_, i) => escapeCell(r[i] ?? '')).join(' | ')} |`),
  ];
  if (table.notes?.length) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

/** 12345.6 -> "12,346"; NaN/undefined -> "–". */
export function num(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${num(value, value < 10 ? 1 : 0)} ms`;
}

export function mb(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  return `${num(bytes / 1_048_576, 1)} MB`;
}

export function times(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${num(value, value < 10 ? 2 : 1)}x`;
}

/** "met", "MISSED" or "–" (no target, or not measured) for the target column. */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? '–' : met ? 'met' : 'MISSED';
}
