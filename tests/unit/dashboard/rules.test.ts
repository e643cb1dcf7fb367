import { describe, expect, it } from 'vitest';
import type { Rule, Transition } from '../../../dashboard/src/lib/api.ts';
import {
  describeRule,
  draftFromRule,
  emptyDraft,
  firingSpans,
  matchesDevice,
  ruleFromDraft,
  thresholdLines,
} from '../../../dashboard/src/lib/rules.ts';
import { parseRule } from '../../../domain/rule.ts';

const hot: Rule = {
  id: 'r1',
  name: 'Hot',
  device: 'sim-*',
  type: 'threshold',
  metric: 'temperature',
  op: 'above',
  value: 30,
  hysteresis: 0.5,
  for: 60,
  severity: 'critical',
  enabled: true,
};
const band: Rule = {
  id: 'r2',
  name: 'Band',
  device: '*',
  type: 'threshold',
  metric: 'temperature',
  op: 'outside',
  low: 10,
  high: 20,
  hysteresis: 0,
  for: 0,
  severity: 'info',
  enabled: true,
};
const silent: Rule = { id: 'r3', name: 'Quiet', device: 'gw-1', type: 'nodata', after: 300, severity: 'warning', enabled: true };

describe('rule drafts', () => {
  it('round-trips a rule of each kind through the form, into what the API validates', () => {
    for (const rule of [hot, band, silent]) {
      const { id, ...body } = rule;
      void id;
      expect(ruleFromDraft(draftFromRule(rule))).toEqual(body);
      expect(parseRule(ruleFromDraft(draftFromRule(rule)))).toMatchObject({ ok: true });
    }
  });

  it('sends only the fields of the chosen type and op, leaving missing numbers for the API to name', () => {
    const draft = { ...emptyDraft('boiler-1', 'temperature'), name: ' Warm ', low: 5, high: 9 };
    expect(ruleFromDraft(draft)).toEqual({
      name: 'Warm',
      device: 'boiler-1',
      severity: 'warning',
      enabled: true,
      type: 'threshold',
      metric: 'temperature',
      op: 'above',
      hysteresis: 0,
      for: 0,
    });
    expect(parseRule(ruleFromDraft(draft))).toMatchObject({ ok: false, field: 'value' });
    expect(ruleFromDraft({ ...draft, op: 'outside' })).toMatchObject({ low: 5, high: 9 });
    expect(ruleFromDraft({ ...draft, op: 'outside' })).not.toHaveProperty('value');
    expect(ruleFromDraft({ ...draft, type: 'nodata', metric: '', after: 60 })).toEqual({
      name: 'Warm',
      device: 'boiler-1',
      severity: 'warning',
      enabled: true,
      type: 'nodata',
      after: 60,
    });
    expect(ruleFromDraft({ ...draft, device: '  ' }).device).toBe('*');
  });
});

describe('rules on charts', () => {
  it('matches devices like the server does', () => {
    expect(matchesDevice('*', 'x')).toBe(true);
    expect(matchesDevice('sim-*', 'sim-001')).toBe(true);
    expect(matchesDevice('sim-*', 'xsim-001')).toBe(false);
    expect(matchesDevice('gw.?', 'gw.1')).toBe(true);
    expect(matchesDevice('gw.?', 'gwx1')).toBe(false);
    expect(matchesDevice('gw-1', 'gw-1')).toBe(true);
    expect(matchesDevice('gw-1', 'gw-10')).toBe(false);
  });

  it('draws a line per limit of each enabled threshold rule on the device and metric', () => {
    const rules = [hot, band, silent, { ...hot, id: 'off', enabled: false }, { ...hot, id: 'hum', metric: 'humidity' }];
    expect(thresholdLines(rules, 'sim-001', 'temperature')).toEqual([
      { value: 30, severity: 'critical', label: 'Hot' },
      { value: 10, severity: 'info', label: 'Band (low)' },
      { value: 20, severity: 'info', label: 'Band (high)' },
    ]);
    expect(thresholdLines(rules, 'gw-1', 'temperature').map((l) => l.value)).toEqual([10, 20]);
  });

  it("pairs a preview's transitions into firing spans, one device at a time", () => {
    const t = (kind: 'fired' | 'resolved', device: string, startedAt: number, ts: number): Transition => ({
      kind,
      ruleId: 'preview',
      device,
      metric: 'temperature',
      severity: 'warning',
      ts,
      startedAt,
      value: 1,
      threshold: 30,
      message: '',
    });
    const transitions = [t('fired', 'a', 10, 10), t('fired', 'b', 12, 12), t('resolved', 'a', 10, 20), t('fired', 'a', 30, 30)];
    expect(firingSpans(transitions, 'a')).toEqual([
      { from: 10, to: 20, severity: 'warning' },
      { from: 30, to: null, severity: 'warning' },
    ]);
    expect(firingSpans(transitions, 'b')).toEqual([{ from: 12, to: null, severity: 'warning' }]);
  });

  it('describes a rule in one line', () => {
    expect(describeRule(hot)).toBe('temperature above 30 for 1 min (±0.5)');
    expect(describeRule(band)).toBe('temperature outside 10 – 20');
    expect(describeRule(silent)).toBe('no telemetry for 5 min');
    expect(describeRule({ ...silent, metric: 'level', after: 7200 })).toBe('no level for 2 h');
  });
});
