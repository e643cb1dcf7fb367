/**
 * The end of a run: every scenario's tables and a summary of the targets on stdout, and the whole
 * run (machine, command, figures) as JSON under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness/spawn.ts';
import { machineLine, type Machine } from './machine.ts';
import type { ScenarioResult, TargetCheck } from './scenarios/types.ts';
import { formatMarkdown, formatTable, verdict, type Table } from './table.ts';

export interface RunReport {
  readonly startedAt: string;
  readonly seconds: number;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly results: readonly ScenarioResult[];
  /** Scenarios that threw, with the reason: the run goes on without them. */
  readonly failures: readonly { readonly name: string; readonly error: string }[];
}

export function targetsTable(targets: readonly TargetCheck[]): Table {
  return {
    title: 'Targets',
    headers: ['scenario', 'what', 'target', 'measured', 'verdict'],
    rows: targets.map((t) => [t.scenario, t.what, t.target, t.measured, verdict(t.met)]),
  };
}

export function renderText(report: RunReport): string {
  const out = [`Vigil benchmarks (${report.quick ? 'quick' : 'full'}): ${report.command}`, machineLine(report.machine), ''];
  for (const result of report.results) {
    for (const table of result.tables) out.push(formatTable(table), '');
    for (const note of result.notes) out.push(`  ${note}`);
    if (result.notes.length) out.push('');
  }
  out.push(formatTable(targetsTable(report.results.flatMap((r) => r.targets))), '');
  for (const f of report.failures) out.push(`FAILED ${f.name}: ${f.error}`);
  out.push(`took ${Math.round(report.seconds)} s`);
  return out.join('\n');
}

/** The same figures as Markdown, for pasting into docs/benchmarks.md. */
export function renderMarkdown(report: RunReport): string {
  const out = [`Command: \`${report.command}\`; ${machineLine(report.machine)}; ${report.startedAt}.`, ''];
  for (const result of report.results) {
    out.push(`### ${result.title}`, '');
    for (const table of result.tables) out.push(formatMarkdown(table), '');
    for (const note of result.notes) out.push(`- ${note}`);
    if (result.notes.length) out.push('');
  }
  out.push(formatMarkdown(targetsTable(report.results.flatMap((r) => r.targets))), '');
  return out.join('\n');
}

/** Writes bench/results/bench-<time>-<quick|full>.json (gitignored); returns its path. */
export function writeReport(report: RunReport): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = join(dir, `bench-${stamp}-${report.quick ? 'quick' : 'full'}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return `${base}.json`;
}
