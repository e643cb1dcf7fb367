import { describe, expect, it } from 'vitest';
import { MAX_BATCH_ENTRIES, MAX_PAYLOAD_BYTES, parseTelemetry, type TelemetryEntry } from '../../../domain/reading.ts';
import { MAX_BACKLOG, SimDevice, SKEW_RANGE_MS } from '../../../simulator/device.ts';
import { DEFAULT_OPTIONS, type SimulatorOptions } from '../../../simulator/options.ts';

const NOW = Date.UTC(2024, 10, 24, 6, 33, 20, 123);

function device(options: Partial<SimulatorOptions> = {}, index = 0, periodMs = 1000): SimDevice {
  return new SimDevice({ ...DEFAULT_OPTIONS, ...options }, index, periodMs);
}

function accept(d: SimDevice, payload: Buffer, now: number): readonly TelemetryEntry[] {
  const result = parseTelemetry(d.id, payload, now);
  if (!result.ok) throw new Error(`rejected: ${result.reason} ${result.detail}`);
  return result.entries;
}

describe('simulated device', () => {
  it('sends flat readings with an explicit ts that ingest accepts', () => {
    const d = device({ metrics: ['temperature', 'humidity', 'co2'] });
    const message = d.message(NOW);
    expect(JSON.parse(message.payload.toString())).toEqual({
      ts: NOW,
      temperature: expect.any(Number),
      humidity: expect.any(Number),
      co2: expect.any(Number),
    });
    expect(accept(d, message.payload, NOW)).toHaveLength(1);
  });

  it('sends --batch N as an array of N explicit entries, spread over the period and ending now', () => {
    const d = device({ batch: 5 }, 0, 1000);
    const message = d.message(NOW);
    const doc = JSON.parse(message.payload.toString()) as { ts: number; values: Record<string, number> }[];
    expect(Array.isArray(doc)).toBe(true);
    expect(doc).toHaveLength(5);
    expect(doc.map((e) => Object.keys(e).sort())).toEqual(Array(5).fill(['ts', 'values']));
    expect(doc.map((e) => e.ts)).toEqual([NOW - 800, NOW - 600, NOW - 400, NOW - 200, NOW]);
    expect(accept(d, message.payload, NOW)).toHaveLength(5);
    expect(message.entries).toBe(5);
  });

  it('never repeats or reverses a timestamp, even when the wall clock stalls, steps back, or the clock skews', () => {
    const d = device({ batch: 3 });
    const seen: number[] = [];
    const clock = [NOW, NOW, NOW - 5_000, NOW + 1, NOW + 1, NOW + 2];
    for (const [i, now] of clock.entries()) {
      if (i === 3) d.skewClock();
      if (i === 5) d.skewClock();
      for (const e of accept(d, d.message(now).payload, now + 200_000)) seen.push(e.ts);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('skews its clock forward by less than ingest future limit, then resynchronises', () => {
    const d = device();
    d.skewClock();
    expect(d.skewMs).toBeGreaterThanOrEqual(SKEW_RANGE_MS[0]);
    expect(d.skewMs).toBeLessThan(5 * 60_000);
    const skewed = d.message(NOW).payload;
    expect(accept(d, skewed, NOW)[0]!.ts).toBe(NOW + d.skewMs);
    d.skewClock();
    expect(d.skewMs).toBe(0);
  });

  it('keeps a backlog while offline and flushes it as batches within the payload and entry limits', () => {
    const metrics = ['temperature', 'humidity', 'pressure', 'co2', 'battery', 'voltage', 'light'];
    const d = device({ metrics }, 0, 10);
    for (let i = 0; i < 2_500; i++) d.buffer(NOW + i * 10);
    const later = NOW + 30_000;
    const received: number[] = [];
    while (d.backlogSize > 0) {
      const message = d.message(later);
      expect(message.payload.byteLength).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      const entries = accept(d, message.payload, later);
      expect(entries.length).toBeLessThanOrEqual(MAX_BATCH_ENTRIES);
      received.push(...entries.map((e) => e.ts));
    }
    // 2500 buffered samples plus one fresh sample per flushing turn, in order, none lost.
    expect(received.length).toBeGreaterThan(2_500);
    expect(received[0]).toBe(NOW);
    for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThan(received[i - 1]!);
  });

  it('drops the oldest samples once the backlog is full, and counts them', () => {
    const d = device();
    for (let i = 0; i < MAX_BACKLOG + 10; i++) d.buffer(NOW + i);
    expect(d.backlogSize).toBe(MAX_BACKLOG);
    expect(d.dropped).toBe(10);
  });

  it('is the same device with the same values for the same seed and index', () => {
    const values = (seed: number, index: number) => {
      const d = device({ seed, metrics: ['temperature', 'pressure'] }, index);
      return {
        id: d.id,
        values: Array.from({ length: 50 }, (_, i) => JSON.parse(d.message(NOW + i * 1000).payload.toString()) as Record<string, number>),
      };
    };
    const strip = (v: ReturnType<typeof values>) => ({ id: v.id, values: v.values.map(({ ts: _ts, ...rest }) => rest) });
    expect(strip(values(42, 3))).toEqual(strip(values(42, 3)));
    expect(strip(values(42, 3)).id).toBe('sim-004');
    expect(strip(values(42, 3)).values).not.toEqual(strip(values(7, 3)).values);
  });

  it('draws faults at roughly the configured rate, and none when faults are off', () => {
    const on = device({ faults: 0.1 });
    const off = device({ faults: 0 });
    let drawn = 0;
    for (let i = 0; i < 10_000; i++) {
      if (on.drawFault() !== undefined) drawn++;
      expect(off.drawFault()).toBeUndefined();
    }
    expect(drawn).toBeGreaterThan(800);
    expect(drawn).toBeLessThan(1_200);
  });
});
