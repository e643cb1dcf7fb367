import { globMatch } from '../../../domain/glob.ts';
import type { Rule, RuleBody, Severity, Transition } from './api.ts';

export type RuleType = Rule['type'];
export type ThresholdOp = 'above' | 'below' | 'outside';

/**
 * The editor's form: every field a rule of either type can have, so switching the type keeps
 * what was typed. Numbers are null while their input is empty.
 */
export interface RuleDraft {
  name: string;
  device: string;
  type: RuleType;
  metric: string;
  op: ThresholdOp;
  value: number | null;
  low: number | null;
  high: number | null;
  hysteresis: number | null;
  for: number | null;
  after: number | null;
  severity: Severity;
  enabled: boolean;
}

export function emptyDraft(device = '*', metric = ''): RuleDraft {
  return {
    name: '',
    device,
    type: 'threshold',
    metric,
    op: 'above',
    value: null,
    low: null,
    high: null,
    hysteresis: 0,
    for: 0,
    after: 300,
    severity: 'warning',
    enabled: true,
  };
}

export function draftFromRule(rule: Rule): RuleDraft {
  const draft = emptyDraft(rule.device, rule.metric ?? '');
  draft.name = rule.name;
  draft.severity = rule.severity;
  draft.enabled = rule.enabled;
  if (rule.type === 'threshold') {
    Object.assign(draft, {
      type: 'threshold',
      op: rule.op,
      value: rule.value ?? null,
      low: rule.low ?? null,
      high: rule.high ?? null,
      hysteresis: rule.hysteresis,
      for: rule.for,
    });
  } else {
    Object.assign(draft, { type: 'nodata', after: rule.after });
  }
  return draft;
}

const num = (n: number | null): number | undefined => (n === null || !Number.isFinite(n) ? undefined : n);

/**
 * The body the API takes. Only the fields of the chosen type (and op) are sent; a missing number
 * is left out, so the API's own validation says which field needs it.
 */
export function ruleFromDraft(d: RuleDraft): RuleBody {
  const base = { name: d.name.trim(), device: d.device.trim() || '*', severity: d.severity, enabled: d.enabled };
  if (d.type === 'nodata') {
    const metric = d.metric.trim();
    return { ...base, type: 'nodata', after: num(d.after) as number, ...(metric ? { metric } : {}) };
  }
  const limits = d.op === 'outside' ? { low: num(d.low), high: num(d.high) } : { value: num(d.value) };
  const defined = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as {
    value?: number;
    low?: number;
    high?: number;
  };
  return {
    ...base,
    type: 'threshold',
    metric: d.metric.trim(),
    op: d.op,
    ...defined,
    hysteresis: num(d.hysteresis) ?? 0,
    for: num(d.for) ?? 0,
  };
}

/** `*`, an exact id, or a glob with `*` and `?`, matched in linear time (domain/glob.ts). */
export function matchesDevice(pattern: string, device: string): boolean {
  if (pattern === '*') return true;
  if (!/[*?]/.test(pattern)) return pattern === device;
  return globMatch(pattern, device);
}

export interface ThresholdLine {
  readonly value: number;
  readonly severity: Severity;
  readonly label: string;
}

/** The horizontal lines a device's chart of `metric` gets: one per limit of each enabled rule on it. */
export function thresholdLines(rules: readonly (Rule | RuleBody)[], device: string, metric: string): ThresholdLine[] {
  const out: ThresholdLine[] = [];
  for (const rule of rules) {
    if (rule.type !== 'threshold' || !rule.enabled || rule.metric !== metric || !matchesDevice(rule.device, device)) continue;
    if (rule.op === 'outside') {
      if (rule.low !== undefined) out.push({ value: rule.low, severity: rule.severity, label: `${rule.name} (low)` });
      if (rule.high !== undefined) out.push({ value: rule.high, severity: rule.severity, label: `${rule.name} (high)` });
    } else if (rule.value !== undefined) {
      out.push({ value: rule.value, severity: rule.severity, label: rule.name });
    }
  }
  return out;
}

export interface FiringSpan {
  readonly from: number;
  /** null: still firing at the end of the previewed range. */
  readonly to: number | null;
  readonly severity: Severity;
}

/** The preview's transitions for one device, paired into the spans during which the rule fired. */
export function firingSpans(transitions: readonly Transition[], device: string): FiringSpan[] {
  const open = new Map<number, Transition>();
  const spans: FiringSpan[] = [];
  for (const t of transitions) {
    if (t.device !== device) continue;
    if (t.kind === 'fired') open.set(t.startedAt, t);
    else {
      open.delete(t.startedAt);
      spans.push({ from: t.startedAt, to: t.ts, severity: t.severity });
    }
  }
  for (const t of open.values()) spans.push({ from: t.startedAt, to: null, severity: t.severity });
  return spans.sort((a, b) => a.from - b.from);
}

const seconds = (s: number) => (s >= 3600 && s % 3600 === 0 ? `${s / 3600} h` : s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/** One line for the rules list: "temperature above 30 for 1 min (±0.5)". */
export function describeRule(rule: Rule): string {
  if (rule.type === 'nodata') return `no ${rule.metric ?? 'telemetry'} for ${seconds(rule.after)}`;
  const limit = rule.op === 'outside' ? `outside ${rule.low} – ${rule.high}` : `${rule.op} ${rule.value}`;
  const held = rule.for > 0 ? ` for ${seconds(rule.for)}` : '';
  const band = rule.hysteresis > 0 ? ` (±${rule.hysteresis})` : '';
  return `${rule.metric} ${limit}${held}${band}`;
}
