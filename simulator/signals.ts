/**
 * Per-metric signal models: a daily cycle, a slow mean-reverting drift, noise, and a normal range
 * that stays clear of the default alert rules, so that only injected anomalies trip them.
 *
 * Time here is the device's own sample clock (sample index x interval, from a seed-derived hour
 * of day), not the wall clock: that is what makes a seed replay the same values at any hour.
 */
import { Rng, STREAMS } from './prng.ts';

/** The alert rules an operator is assumed to start with; anomalies are built to trip them. */
export interface DefaultRule {
  readonly name: string;
  readonly metric: string;
  readonly op: 'above' | 'below';
  readonly value: number;
  readonly severity: 'warning' | 'critical';
}

export const DEFAULT_RULES: readonly DefaultRule[] = [
  { name: 'Overheating', metric: 'temperature', op: 'above', value: 40, severity: 'critical' },
  { name: 'Humidity high', metric: 'humidity', op: 'above', value: 90, severity: 'warning' },
  { name: 'CO2 high', metric: 'co2', op: 'above', value: 1500, severity: 'warning' },
  { name: 'Pressure low', metric: 'pressure', op: 'below', value: 950, severity: 'warning' },
  { name: 'Battery low', metric: 'battery', op: 'below', value: 10, severity: 'critical' },
  { name: 'Brownout', metric: 'voltage', op: 'below', value: 3.0, severity: 'critical' },
];

type Range = readonly [number, number];

interface Profile {
  readonly unit: string;
  readonly decimals: number;
  /** Normal readings are clamped here: always on the quiet side of the metric's default rule. */
  readonly normal: Range;
  /** Anomalous readings land here: beyond the default rule's threshold. */
  readonly anomaly?: Range;
  readonly noise: number;
  /** Per-device parameters drawn once; the result gives the noiseless value at a time. */
  create(rng: Rng): (hourOfDay: number, dtHours: number) => number;
}

/** Ornstein-Uhlenbeck drift with a stationary spread `std` and a time constant `tauHours`. */
function drift(rng: Rng, std: number, tauHours: number): (dtHours: number) => number {
  let x = rng.normal() * std;
  return (dtHours) => {
    const keep = Math.exp(-dtHours / tauHours);
    x = x * keep + std * Math.sqrt(1 - keep * keep) * rng.normal();
    return x;
  };
}

/** 1 at `peakHour`, -1 twelve hours later. */
const daily = (hour: number, peakHour: number) => Math.cos((2 * Math.PI * (hour - peakHour)) / 24);

/** Office occupancy: 0 at night, a smooth bump from 08:00 to 18:00. */
const occupancy = (hour: number) => (hour >= 8 && hour <= 18 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 8)) / 10) : 0);

export const PROFILES: Readonly<Record<string, Profile>> = {
  temperature: {
    unit: '°C',
    decimals: 2,
    normal: [-10, 36],
    anomaly: [41, 55],
    noise: 0.1,
    create(rng) {
      const base = rng.range(17, 24);
      const amplitude = rng.range(2, 5);
      const slow = drift(rng, 1.5, 6);
      return (hour, dt) => base + amplitude * daily(hour, 15) + slow(dt);
    },
  },
  humidity: {
    unit: '%',
    decimals: 1,
    normal: [10, 85],
    anomaly: [91, 99],
    noise: 0.5,
    create(rng) {
      const base = rng.range(35, 60);
      const amplitude = rng.range(5, 10);
      const slow = drift(rng, 4, 4);
      // Relative humidity peaks at dawn, when the air is coolest.
      return (hour, dt) => base + amplitude * daily(hour, 5) + slow(dt);
    },
  },
  pressure: {
    unit: 'hPa',
    decimals: 1,
    normal: [960, 1050],
    anomaly: [925, 945],
    noise: 0.1,
    create(rng) {
      const base = rng.range(1005, 1022);
      const weather = drift(rng, 6, 24);
      // The atmospheric tide: two small highs a day, near 10:00 and 22:00.
      return (hour, dt) => base + 0.8 * Math.cos((2 * Math.PI * (hour - 10)) / 12) + weather(dt);
    },
  },
  co2: {
    unit: 'ppm',
    decimals: 0,
    normal: [380, 1400],
    anomaly: [1800, 4000],
    noise: 8,
    create(rng) {
      const outdoor = rng.range(420, 500);
      const people = rng.range(250, 700);
      const slow = drift(rng, 40, 1);
      return (hour, dt) => outdoor + people * occupancy(hour) + slow(dt);
    },
  },
  battery: {
    unit: '%',
    decimals: 1,
    normal: [15, 100],
    anomaly: [2, 9],
    noise: 0.05,
    create(rng) {
      let level = rng.range(40, 100);
      const drainPerHour = rng.range(0.5, 2);
      let charging = false;
      // Drains until 20 %, then a charger brings it back to 100 %: a sawtooth that never trips "below 10".
      return (_hour, dt) => {
        level += charging ? 25 * dt : -drainPerHour * dt;
        if (level <= 20) charging = true;
        if (level >= 100) {
          level = 100;
          charging = false;
        }
        return level;
      };
    },
  },
  voltage: {
    unit: 'V',
    decimals: 3,
    normal: [3.2, 3.4],
    anomaly: [2.6, 2.9],
    noise: 0.005,
    create(rng) {
      const nominal = rng.range(3.27, 3.33);
      const slow = drift(rng, 0.02, 2);
      return (_hour, dt) => nominal + slow(dt);
    },
  },
  light: {
    unit: 'lx',
    decimals: 0,
    normal: [0, 2_000],
    noise: 2,
    create(rng) {
      const peak = rng.range(300, 900);
      const clouds = drift(rng, 0.2, 3);
      return (hour, dt) => {
        const sun = Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));
        return peak * sun * Math.min(1, Math.max(0.2, 0.8 + clouds(dt)));
      };
    },
  },
};

/** Any other valid metric name: a 0-100 signal with the same ingredients and no default rule. */
const GENERIC: Profile = {
  unit: '',
  decimals: 2,
  normal: [0, 100],
  noise: 0.5,
  create(rng) {
    const base = rng.range(20, 80);
    const amplitude = rng.range(0, 10);
    const peakHour = rng.range(0, 24);
    const slow = drift(rng, 5, 3);
    return (hour, dt) => base + amplitude * daily(hour, peakHour) + slow(dt);
  },
};

export function profileOf(metric: string): Profile {
  return Object.hasOwn(PROFILES, metric) ? PROFILES[metric]! : GENERIC;
}

/** Metrics among `metrics` that anomalies can push past a default rule. */
export function anomalousMetrics(metrics: readonly string[]): string[] {
  return metrics.filter((m) => profileOf(m).anomaly !== undefined);
}

export const ANOMALY_EPISODE: Range = [3, 8];

/**
 * Probability that a quiet sample starts an episode, chosen so that the long-run share of
 * anomalous samples is `rate` (episodes of mean length L alternate with geometric quiet runs).
 */
export function episodeStartProbability(rate: number): number {
  if (rate <= 0) return 0;
  if (rate >= 1) return 1;
  const meanLength = (ANOMALY_EPISODE[0] + ANOMALY_EPISODE[1]) / 2;
  return rate / (meanLength * (1 - rate) + rate);
}

export interface Sample {
  readonly values: Record<string, number>;
  /** The metric pushed past its default rule in this sample, if any. */
  readonly anomaly: string | undefined;
}

export interface SignalOptions {
  readonly seed: number;
  /** 0-based; the same index under the same seed is the same device. */
  readonly deviceIndex: number;
  readonly metrics: readonly string[];
  readonly intervalMs: number;
  /** Share of samples, 0..1, in which one metric is past its default rule. */
  readonly anomalies: number;
}

const round = (value: number, decimals: number) => {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
};

const clamp = (value: number, [low, high]: Range) => Math.min(high, Math.max(low, value));

/** One device's endless, reproducible sequence of samples. */
export class DeviceSignals {
  private readonly signalRng: Rng;
  private readonly anomalyRng: Rng;
  private readonly models: { metric: string; profile: Profile; at: (hour: number, dt: number) => number }[];
  private readonly candidates: string[];
  private readonly startProbability: number;
  private readonly stepHours: number;
  private hour: number;
  private episode: { metric: string; left: number; level: number } | undefined;
  count = 0;

  constructor(options: SignalOptions) {
    this.signalRng = Rng.for(options.seed, options.deviceIndex, STREAMS.signal);
    this.anomalyRng = Rng.for(options.seed, options.deviceIndex, STREAMS.anomaly);
    // The whole fleet shares one seed-derived hour of day; each device sits within an hour of it.
    const fleetHour = Rng.for(options.seed, 0, STREAMS.fleet).range(0, 24);
    this.hour = fleetHour + this.signalRng.range(-1, 1);
    this.stepHours = options.intervalMs / 3_600_000;
    this.models = options.metrics.map((metric) => {
      const profile = profileOf(metric);
      return { metric, profile, at: profile.create(this.signalRng) };
    });
    this.candidates = anomalousMetrics(options.metrics);
    this.startProbability = this.candidates.length > 0 ? episodeStartProbability(options.anomalies) : 0;
  }

  next(): Sample {
    this.hour += this.stepHours;
    const hourOfDay = ((this.hour % 24) + 24) % 24;
    const values: Record<string, number> = {};
    // The signal stream is drawn identically whether or not an anomaly masks a value, so a seed
    // gives the same quiet readings with and without --anomalies.
    for (const { metric, profile, at } of this.models) {
      const raw = at(hourOfDay, this.stepHours) + profile.noise * this.signalRng.normal();
      values[metric] = round(clamp(raw, profile.normal), profile.decimals);
    }
    const anomaly = this.nextAnomaly();
    if (anomaly) {
      const profile = profileOf(anomaly.metric);
      const range = profile.anomaly!;
      const jitter = (range[1] - range[0]) * 0.02 * this.anomalyRng.normal();
      values[anomaly.metric] = round(clamp(anomaly.level + jitter, range), profile.decimals);
    }
    this.count++;
    return { values, anomaly: anomaly?.metric };
  }

  private nextAnomaly(): { metric: string; level: number } | undefined {
    if (!this.episode && this.anomalyRng.chance(this.startProbability)) {
      const metric = this.anomalyRng.pick(this.candidates);
      const range = profileOf(metric).anomaly!;
      this.episode = {
        metric,
        left: this.anomalyRng.int(ANOMALY_EPISODE[0], ANOMALY_EPISODE[1]),
        level: this.anomalyRng.range(range[0], range[1]),
      };
    }
    const episode = this.episode;
    if (!episode) return undefined;
    episode.left--;
    if (episode.left <= 0) this.episode = undefined;
    return episode;
  }
}
