/**
 * The alert rule model (SPEC "Alerts"), validated by one schema for the API, the store and the
 * evaluator. Errors name the field, so a 400 can say what to fix.
 */
import { z } from 'zod';
import { globMatch } from './glob.ts';
import { METRIC_NAME } from './reading.ts';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `*`, an exact id, or a glob with `*` and `?` over the device id alphabet. */
const DEVICE_PATTERN = /^(\*|[A-Za-z0-9*?][A-Za-z0-9_.:*?-]{0,63})$/;

const common = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1-64 letters, digits, _ or -')
    .optional(),
  name: z.string().trim().min(1, 'name must not be empty').max(200, 'name must be at most 200 characters'),
  device: z.string().regex(DEVICE_PATTERN, 'device must be "*", a device id or a glob such as "sim-*"').default('*'),
  severity: z.enum(SEVERITIES, { message: 'severity must be info, warning or critical' }).default('warning'),
  enabled: z.boolean({ message: 'enabled must be true or false' }).default(true),
};

const seconds = (name: string, max: number) =>
  z
    .number({ message: `${name} must be a number of seconds` })
    .finite()
    .min(0, `${name} must not be negative`)
    .max(max, `${name} must be at most ${max} s`);

const finite = (name: string) => z.number({ message: `${name} must be a number` }).finite();

const thresholdRule = z
  .object({
    ...common,
    type: z.literal('threshold'),
    metric: z.string().regex(METRIC_NAME, 'metric must be a metric name such as temperature'),
    op: z.enum(['above', 'below', 'outside'], { message: 'op must be above, below or outside' }),
    value: finite('value').optional(),
    low: finite('low').optional(),
    high: finite('high').optional(),
    hysteresis: z.number({ message: 'hysteresis must be a number' }).finite().min(0, 'hysteresis must not be negative').default(0),
    for: seconds('for', 7 * 86_400).default(0),
  })
  .superRefine((rule, ctx) => {
    if (rule.op === 'outside') {
      if (rule.low === undefined) ctx.addIssue({ code: 'custom', path: ['low'], message: 'low is required for op "outside"' });
      if (rule.high === undefined) ctx.addIssue({ code: 'custom', path: ['high'], message: 'high is required for op "outside"' });
      if (rule.low !== undefined && rule.high !== undefined && rule.low >= rule.high) {
        ctx.addIssue({ code: 'custom', path: ['high'], message: 'high must be greater than low' });
      } else if (rule.low !== undefined && rule.high !== undefined && rule.hysteresis * 2 >= rule.high - rule.low) {
        // Otherwise the band a firing alert must return into would be empty, and it could never resolve.
        ctx.addIssue({ code: 'custom', path: ['hysteresis'], message: 'hysteresis must be less than half of high - low' });
      }
    } else if (rule.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `value is required for op "${rule.op}"` });
    }
  });

const nodataRule = z.object({
  ...common,
  type: z.literal('nodata'),
  /** Optional: silence of one metric; absent means any telemetry counts as a sign of life. */
  metric: z.string().regex(METRIC_NAME, 'metric must be a metric name such as temperature').optional(),
  after: seconds('after', 30 * 86_400).refine((s) => s >= 1, 'after must be at least 1 s'),
});

export const ruleInputSchema = z.discriminatedUnion('type', [thresholdRule, nodataRule], {
  error: (issue) => (issue.code === 'invalid_union' ? 'type must be "threshold" or "nodata"' : undefined),
});

export type RuleInput = z.input<typeof ruleInputSchema>;
type ParsedRule = z.output<typeof ruleInputSchema>;
export type ThresholdRule = Extract<ParsedRule, { type: 'threshold' }> & { readonly id: string };
export type NodataRule = Extract<ParsedRule, { type: 'nodata' }> & { readonly id: string };
export type Rule = ThresholdRule | NodataRule;

export type RuleParse = { ok: true; rule: Omit<Rule, 'id'> & { id?: string } } | { ok: false; field: string; message: string };

/** Validates a rule as sent by an operator; the first problem names its field. */
export function parseRule(input: unknown): RuleParse {
  const parsed = ruleInputSchema.safeParse(input);
  if (parsed.success) return { ok: true, rule: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'type';
  return { ok: false, field, message: issue.message };
}

/** Linear-time (domain/glob.ts): a glob is never turned into a backtracking regex. */
export function deviceMatcher(pattern: string): (device: string) => boolean {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) return (device) => device === pattern;
  return (device) => globMatch(pattern, device);
}

/** The threshold a firing alert reports (and the dashboard draws). */
export function thresholdOf(rule: ThresholdRule): number | [number, number] {
  return rule.op === 'outside' ? [rule.low!, rule.high!] : rule.value!;
}
