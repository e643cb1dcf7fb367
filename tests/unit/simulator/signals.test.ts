import { describe, expect, it } from 'vitest';
import { Rng, STREAMS } from '../../../simulator/prng.ts';
import { DEFAULT_RULES, DeviceSignals, episodeStartProbability, PROFILES, type SignalOptions } from '../../../simulator/signals.ts';

const ALL = ['temperature', 'humidity', 'pressure', 'co2', 'battery', 'voltage', 'light', 'rpm'];

function run(options: Partial<SignalOptions>, samples: number) {
  const signals = new DeviceSignals({ seed: 1, deviceIndex: 0, metrics: ALL, intervalMs: 1000, anomalies: 0, ...options });
  return Array.from({ length: samples }, () => signals.next());
}

const trips = (metric: string, value: number) =>
  DEFAULT_RULES.some((r) => r.metric === metric && (r.op === 'above' ? value > r.value : value < r.value));

describe('seeded randomness', () => {
  it('repeats a stream for the same seed, device and stream, and differs otherwise', () => {
    const draw = (rng: Rng) => Array.from({ length: 50 }, () => rng.next());
    expect(draw(Rng.for(42, 3, STREAMS.signal))).toEqual(draw(Rng.for(42, 3, STREAMS.signal)));
    expect(draw(Rng.for(42, 3, STREAMS.signal))).not.toEqual(draw(Rng.for(43, 3, STREAMS.signal)));
    expect(draw(Rng.for(42, 3, STREAMS.signal))).not.toEqual(draw(Rng.for(42, 4, STREAMS.signal)));
    expect(draw(Rng.for(42, 3, STREAMS.signal))).not.toEqual(draw(Rng.for(42, 3, STREAMS.fault)));
  });

  it('draws uniform numbers in [0, 1) and normals with mean 0 and spread 1', () => {
    const rng = new Rng(7);
    const u = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(0.5, 1);
    const n = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
  });
});

describe('device signals', () => {
  it('replay the same values for the same seed and device, and differ for another seed or device', () => {
    const values = (o: Partial<SignalOptions>) => run(o, 500).map((s) => s.values);
    expect(values({ seed: 42 })).toEqual(values({ seed: 42 }));
    expect(values({ seed: 42 })).not.toEqual(values({ seed: 43 }));
    expect(values({ seed: 42, deviceIndex: 0 })).not.toEqual(values({ seed: 42, deviceIndex: 1 }));
  });

  it('keep the quiet readings identical whether or not anomalies are on', () => {
    const quiet = run({ seed: 9 }, 2_000);
    const noisy = run({ seed: 9, anomalies: 0.2 }, 2_000);
    let compared = 0;
    noisy.forEach((sample, i) => {
      for (const metric of ALL) {
        if (sample.anomaly === metric) continue;
        expect(sample.values[metric]).toBe(quiet[i]!.values[metric]);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(10_000);
  });

  it('stay within sensible ranges and never trip a default rule without an anomaly, over days of samples', () => {
    const seen = new Map(ALL.map((m) => [m, { min: Infinity, max: -Infinity, trips: 0, bad: 0 }]));
    for (let device = 0; device < 10; device++) {
      // One sample a minute for four days: several daily cycles and plenty of drift.
      for (const sample of run({ seed: 5, deviceIndex: device, intervalMs: 60_000 }, 4 * 1440)) {
        for (const metric of ALL) {
          const value = sample.values[metric]!;
          const s = seen.get(metric)!;
          if (!Number.isFinite(value)) s.bad++;
          if (trips(metric, value)) s.trips++;
          s.min = Math.min(s.min, value);
          s.max = Math.max(s.max, value);
        }
      }
    }
    for (const metric of ALL) {
      const s = seen.get(metric)!;
      const [low, high] = (PROFILES[metric] ?? { normal: [0, 100] as const }).normal;
      expect({ metric, bad: s.bad, trips: s.trips }).toEqual({ metric, bad: 0, trips: 0 });
      expect(s.min).toBeGreaterThanOrEqual(low);
      expect(s.max).toBeLessThanOrEqual(high);
      // A live signal, not a constant pinned to one end of its range.
      expect(s.max - s.min).toBeGreaterThan((high - low) * 0.01);
    }
  });

  it('follow a daily cycle: afternoons warmer than nights, dark at night, CO2 up in office hours', () => {
    const byHour = new Map<number, { t: number[]; light: number[]; co2: number[] }>();
    for (let device = 0; device < 20; device++) {
      const signals = new DeviceSignals({ seed: 3, deviceIndex: device, metrics: ALL, intervalMs: 600_000, anomalies: 0 });
      // The signal clock starts at a seed-derived hour; recover the hour from the sample index.
      for (let i = 0; i < 6 * 24 * 6; i++) {
        const s = signals.next();
        const slot = i % (6 * 24);
        const bucket = byHour.get(slot) ?? { t: [], light: [], co2: [] };
        bucket.t.push(s.values['temperature']!);
        bucket.light.push(s.values['light']!);
        bucket.co2.push(s.values['co2']!);
        byHour.set(slot, bucket);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const temps = [...byHour.values()].map((b) => mean(b.t));
    const lights = [...byHour.values()].map((b) => mean(b.light));
    // Over a day the fleet's mean temperature swings by degrees, and there are hours of darkness.
    expect(Math.max(...temps) - Math.min(...temps)).toBeGreaterThan(3);
    expect(lights.filter((l) => l < 5).length).toBeGreaterThan(6 * 6);
    expect(Math.max(...lights)).toBeGreaterThan(200);
  });

  it('drains the battery slowly and recharges it before it gets low', () => {
    const levels = run({ seed: 11, metrics: ['battery'], intervalMs: 60_000 }, 10 * 1440).map((s) => s.values['battery']!);
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(15);
    const steps = levels.slice(1).map((v, i) => Math.abs(v - levels[i]!));
    expect(Math.max(...steps)).toBeLessThan(1.5);
  });

  it('honours the anomaly rate roughly, with values past the default rule, in episodes', () => {
    for (const rate of [0.01, 0.05, 0.2]) {
      let anomalous = 0;
      let total = 0;
      let episodes = 0;
      let notTripping = 0;
      for (let device = 0; device < 20; device++) {
        let previous: string | undefined;
        for (const sample of run({ seed: 21, deviceIndex: device, anomalies: rate }, 5_000)) {
          total++;
          if (sample.anomaly) {
            anomalous++;
            if (!trips(sample.anomaly, sample.values[sample.anomaly]!)) notTripping++;
            if (!previous) episodes++;
          }
          previous = sample.anomaly;
        }
      }
      expect(notTripping).toBe(0);
      const share = anomalous / total;
      expect(share).toBeGreaterThan(rate * 0.8);
      expect(share).toBeLessThan(rate * 1.2);
      // Episodes last several samples, so rules with a "for" duration fire too.
      expect(anomalous / episodes).toBeGreaterThan(3);
    }
  });

  it('makes every sample anomalous at rate 1 and none at rate 0', () => {
    expect(run({ anomalies: 1 }, 200).every((s) => s.anomaly !== undefined)).toBe(true);
    expect(run({ anomalies: 0 }, 2_000).some((s) => s.anomaly !== undefined)).toBe(false);
    expect(episodeStartProbability(0)).toBe(0);
  });

  it('has a default rule and an anomaly range beyond it for every metric that can misbehave', () => {
    for (const rule of DEFAULT_RULES) {
      const profile = PROFILES[rule.metric];
      expect(profile?.anomaly).toBeDefined();
      const [low, high] = profile!.anomaly!;
      expect(rule.op === 'above' ? low > rule.value : high < rule.value).toBe(true);
      const [nLow, nHigh] = profile!.normal;
      expect(rule.op === 'above' ? nHigh < rule.value : nLow > rule.value).toBe(true);
    }
  });
});
