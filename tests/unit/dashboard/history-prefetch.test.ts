import { describe, expect, it } from 'vitest';
import type { History, HistoryQuery, ReadingEvent } from '../../../dashboard/src/lib/api.ts';
import type { ChartRange } from '../../../dashboard/src/lib/chart-range.ts';
import { estimatedPoints, HistoryPrefetch, type ReadingSource } from '../../../dashboard/src/state/history-prefetch.ts';

const HOUR: ChartRange = { kind: 'last', key: '1h', ms: 3_600_000 };
const ANSWER: History = { device: 'd1', from: 0, to: 1, step: 1, series: {} };

function source(open = false) {
  const handlers = new Set<(r: ReadingEvent) => void>();
  const src: ReadingSource = {
    open,
    on: (_type, handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  const emit = (device: string, ts: number) => {
    for (const h of handlers) h({ device, ts, values: { t: ts } } as unknown as ReadingEvent);
  };
  return { src, emit, listening: () => handlers.size };
}

function prefetcher() {
  const asked: { device: string; q: HistoryQuery }[] = [];
  const prefetch = new HistoryPrefetch((device, q) => {
    asked.push({ device, q });
    return Promise.resolve(ANSWER);
  });
  return { prefetch, asked };
}

describe('HistoryPrefetch', () => {
  it('sends the request at once and hands it over with the device’s readings since then', async () => {
    const { prefetch, asked } = prefetcher();
    const s = source();
    prefetch.start(s.src, { device: 'd1', range: HOUR, points: 1248 });
    expect(asked).toEqual([{ device: 'd1', q: { from: '-1h', to: 'now', points: 1248 } }]);
    s.emit('d1', 1);
    s.emit('other', 2);
    s.emit('d1', 3);
    const taken = prefetch.take({ device: 'd1', range: HOUR, points: 1233 });
    expect(taken).not.toBeNull();
    expect(await taken!.answer).toBe(ANSWER);
    expect(taken!.readings.map((r) => r.ts)).toEqual([1, 3]);
    // Sent before the stream was open: the page must ask again once the answer has settled.
    expect(taken!.covered).toBe(false);
    // Taken once: from now on the page listens itself and later loads are its own.
    expect(s.listening()).toBe(0);
    expect(prefetch.take({ device: 'd1', range: HOUR, points: 1248 })).toBeNull();
  });

  it('is not taken for another device, range or a width far from the estimate, and is dropped then', () => {
    const { prefetch } = prefetcher();
    const s = source();
    for (const other of [
      { device: 'd2', range: HOUR, points: 1248 },
      { device: 'd1', range: { kind: 'last', key: '6h', ms: 21_600_000 } as ChartRange, points: 1248 },
      { device: 'd1', range: HOUR, points: 600 },
    ]) {
      prefetch.start(s.src, { device: 'd1', range: HOUR, points: 1248 });
      expect(prefetch.take(other)).toBeNull();
      expect(s.listening()).toBe(0);
    }
  });

  it('says when the stream was open as it was sent, so no reading can fall between answer and stream', () => {
    const { prefetch } = prefetcher();
    prefetch.start(source(true).src, { device: 'd1', range: HOUR, points: 1248 });
    expect(prefetch.take({ device: 'd1', range: HOUR, points: 1248 })?.covered).toBe(true);
  });

  it('estimates the charts’ width from the viewport as the page lays it out', () => {
    expect(estimatedPoints(1280, 16)).toBe(1248);
    expect(estimatedPoints(1920, 16)).toBe(1248);
    expect(estimatedPoints(390, 16)).toBe(358);
    expect(estimatedPoints(40, 16)).toBe(60);
  });
});
