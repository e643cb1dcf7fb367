/**
 * The alert evaluator: pure and deterministic, in event time (the readings' ts), so the live
 * path and the preview over stored history give the same transitions for the same readings.
 *
 * Threshold series (rule x device): ok -> pending (condition true, waiting for `for`) ->
 * firing -> ok once the value clears the threshold by more than `hysteresis`. A reading older
 * than the last one evaluated for its series is late and changes nothing.
 * Nodata series (rule x device): silent for `after` seconds (checked by tick(now)) -> firing ->
 * ok on the device's next telemetry.
 */
import type { Transition } from '../domain/alert.ts';
import type { TelemetryEntry } from '../domain/reading.ts';

export type { Transition } from '../domain/alert.ts';
import { z } from 'zod';
import { deviceMatcher, thresholdOf, type NodataRule, type Rule, type ThresholdRule } from '../domain/rule.ts';

export interface ThresholdState {
  phase: 'ok' | 'pending' | 'firing';
  /** Pending: when the condition began. Firing: when the alert fired. */
  since: number;
  lastTs: number;
}

export interface NodataState {
  lastTs: number;
  firing: boolean;
  since: number;
}

/** Everything needed to carry on after a restart; plain JSON. */
export interface EvaluatorState {
  readonly threshold: Record<string, ThresholdState>;
  readonly nodata: Record<string, NodataState>;
}

const instant = z.number().finite();
const evaluatorStateSchema = z.object({
  threshold: z.record(z.string(), z.object({ phase: z.enum(['ok', 'pending', 'firing']), since: instant, lastTs: instant })),
  nodata: z.record(z.string(), z.object({ lastTs: instant, firing: z.boolean(), since: instant })),
});

/** The saved state, or undefined when it is not valid JSON of that shape (start over rather than trust it). */
export function decodeEvaluatorState(body: string): EvaluatorState | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = evaluatorStateSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

const key = (ruleId: string, device: string) => `${ruleId}\u0000${device}`;
const splitKey = (k: string) => k.split('\u0000') as [string, string];

export class Evaluator {
  private rules: Rule[] = [];
  private matchers = new Map<string, (device: string) => boolean>();
  private threshold = new Map<string, ThresholdState>();
  private nodata = new Map<string, NodataState>();

  constructor(rules: readonly Rule[] = [], state?: EvaluatorState) {
    if (state) {
      this.threshold = new Map(Object.entries(state.threshold));
      this.nodata = new Map(Object.entries(state.nodata));
    }
    this.install(rules);
  }

  /**
   * Replaces the rule set. A rule whose condition changed starts over; alerts of rules that are
   * gone, disabled or changed are resolved at `now`, so nothing stays firing for a rule that
   * no longer says so.
   */
  setRules(rules: readonly Rule[], now: number): Transition[] {
    const before = new Map(this.rules.map((r) => [r.id, r]));
    const after = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    const out: Transition[] = [];
    for (const [id, old] of before) {
      const next = after.get(id);
      if (next && sameCondition(old, next)) continue;
      out.push(...this.forget(old, now, next ? 'rule changed' : 'rule removed or disabled'));
    }
    this.install(rules);
    return out;
  }

  reading(entry: TelemetryEntry): Transition[] {
    const out: Transition[] = [];
    for (const rule of this.rules) {
      if (!this.matchers.get(rule.id)!(entry.device)) continue;
      if (rule.type === 'threshold') {
        const value = entry.values[rule.metric];
        if (value !== undefined) this.evaluate(rule, entry.device, entry.ts, value, out);
      } else if (rule.metric === undefined || entry.values[rule.metric] !== undefined) {
        this.alive(rule, entry.device, entry.ts, out);
      }
    }
    return out;
  }

  /** Fires nodata alerts for devices silent for their rule's `after` as of `now`. */
  tick(now: number): Transition[] {
    const out: Transition[] = [];
    for (const rule of this.rules) {
      if (rule.type !== 'nodata') continue;
      const afterMs = rule.after * 1000;
      for (const [k, s] of this.nodata) {
        const [ruleId, device] = splitKey(k);
        if (ruleId !== rule.id || s.firing || now - s.lastTs < afterMs) continue;
        s.firing = true;
        s.since = s.lastTs + afterMs;
        out.push(
          transition('fired', rule, device, s.since, s.since, null, `${rule.name}: ${device} sent no telemetry for ${rule.after} s`),
        );
      }
    }
    return out;
  }

  /** Makes a device known to nodata rules (for example from the store at start). */
  seen(device: string, lastTs: number): void {
    for (const rule of this.rules) {
      if (rule.type !== 'nodata' || !this.matchers.get(rule.id)!(device)) continue;
      const k = key(rule.id, device);
      const s = this.nodata.get(k);
      if (!s) this.nodata.set(k, { lastTs, firing: false, since: 0 });
      else if (lastTs > s.lastTs) s.lastTs = lastTs;
    }
  }

  state(): EvaluatorState {
    return { threshold: Object.fromEntries(this.threshold), nodata: Object.fromEntries(this.nodata) };
  }

  private install(rules: readonly Rule[]): void {
    this.rules = rules.filter((r) => r.enabled);
    this.matchers = new Map(this.rules.map((r) => [r.id, deviceMatcher(r.device)]));
    const ids = new Set(this.rules.map((r) => r.id));
    for (const k of this.threshold.keys()) if (!ids.has(splitKey(k)[0])) this.threshold.delete(k);
    for (const k of this.nodata.keys()) if (!ids.has(splitKey(k)[0])) this.nodata.delete(k);
  }

  private forget(rule: Rule, now: number, why: string): Transition[] {
    const out: Transition[] = [];
    const states = rule.type === 'threshold' ? this.threshold : this.nodata;
    for (const [k, s] of states) {
      const [ruleId, device] = splitKey(k);
      if (ruleId !== rule.id) continue;
      const firing = 'phase' in s ? s.phase === 'firing' : s.firing;
      if (firing) out.push(transition('resolved', rule, device, now, s.since, null, `${rule.name}: resolved for ${device} (${why})`));
      states.delete(k);
    }
    return out;
  }

  private evaluate(rule: ThresholdRule, device: string, ts: number, value: number, out: Transition[]): void {
    const k = key(rule.id, device);
    let s = this.threshold.get(k);
    if (!s) {
      s = { phase: 'ok', since: 0, lastTs: -Infinity };
      this.threshold.set(k, s);
    }
    if (ts <= s.lastTs) return;
    s.lastTs = ts;
    const breach = breaches(rule, value);
    if (s.phase === 'firing') {
      if (clears(rule, value)) {
        out.push(transition('resolved', rule, device, ts, s.since, value, `${rule.name}: ${device} ${rule.metric} back to ${value}`));
        s.phase = 'ok';
      }
      return;
    }
    if (!breach) {
      s.phase = 'ok';
      return;
    }
    if (s.phase === 'ok') {
      s.phase = 'pending';
      s.since = ts;
    }
    if (ts - s.since >= rule.for * 1000) {
      s.phase = 'firing';
      s.since = ts;
      out.push(transition('fired', rule, device, ts, ts, value, `${rule.name}: ${device} ${rule.metric} ${value} ${describe(rule)}`));
    }
  }

  private alive(rule: NodataRule, device: string, ts: number, out: Transition[]): void {
    const k = key(rule.id, device);
    const s = this.nodata.get(k);
    if (!s) {
      this.nodata.set(k, { lastTs: ts, firing: false, since: 0 });
      return;
    }
    if (ts <= s.lastTs) return;
    s.lastTs = ts;
    if (s.firing) {
      s.firing = false;
      out.push(transition('resolved', rule, device, ts, s.since, null, `${rule.name}: ${device} reports again`));
    }
  }
}

function breaches(rule: ThresholdRule, v: number): boolean {
  if (rule.op === 'above') return v > rule.value!;
  if (rule.op === 'below') return v < rule.value!;
  return v < rule.low! || v > rule.high!;
}

/** Clearing takes more than `hysteresis` beyond the threshold, so noise around it cannot flap. */
function clears(rule: ThresholdRule, v: number): boolean {
  const h = rule.hysteresis;
  if (rule.op === 'above') return v < rule.value! - h;
  if (rule.op === 'below') return v > rule.value! + h;
  return v > rule.low! + h && v < rule.high! - h;
}

function describe(rule: ThresholdRule): string {
  return rule.op === 'outside' ? `outside ${rule.low}..${rule.high}` : `${rule.op} ${rule.value}`;
}

function transition(
  kind: Transition['kind'],
  rule: Rule,
  device: string,
  ts: number,
  startedAt: number,
  value: number | null,
  message: string,
): Transition {
  return {
    kind,
    ruleId: rule.id,
    device,
    metric: rule.metric ?? null,
    severity: rule.severity,
    ts,
    startedAt,
    value,
    threshold: rule.type === 'threshold' ? thresholdOf(rule) : null,
    message,
  };
}

function sameCondition(a: Rule, b: Rule): boolean {
  const { name: _a, severity: _sa, ...ca } = a;
  const { name: _b, severity: _sb, ...cb } = b;
  return JSON.stringify(ca) === JSON.stringify(cb);
}
