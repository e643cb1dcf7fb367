import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamClient, type ConnectionStatus, type EventSourceLike, type NetworkWatch } from '../../../dashboard/src/lib/stream.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Plays the browser's EventSource: the test says when it opens, fails or receives an event. */
class FakeSource implements EventSourceLike {
  readyState = CONNECTING;
  closed = false;
  readonly #listeners = new Map<string, ((event: MessageEvent) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = CLOSED;
  }

  open(): void {
    this.readyState = OPEN;
    this.#fire('open', new MessageEvent('open'));
  }

  /** A dropped connection the browser will retry (CONNECTING), or a refused one it gives up on (CLOSED). */
  fail(readyState: number): void {
    this.readyState = readyState;
    this.#fire('error', new MessageEvent('error'));
  }

  emit(type: string, data: unknown, id = ''): void {
    this.#fire(type, new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
  }

  #fire(type: string, event: MessageEvent): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

class FakeNetwork implements NetworkWatch {
  up = true;
  #onChange: ((online: boolean) => void) | null = null;
  online = () => this.up;
  subscribe(onChange: (online: boolean) => void): () => void {
    this.#onChange = onChange;
    return () => (this.#onChange = null);
  }
  set(up: boolean): void {
    this.up = up;
    this.#onChange?.(up);
  }
}

let sources: FakeSource[];
let statuses: ConnectionStatus[];
let network: FakeNetwork;
let client: StreamClient;
const latest = () => sources[sources.length - 1]!;

beforeEach(() => {
  vi.useFakeTimers();
  sources = [];
  statuses = [];
  network = new FakeNetwork();
  client = new StreamClient({
    url: '/api/stream',
    open: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
    network,
    random: () => 1,
    onStatus: (s) => statuses.push(s),
  });
});

afterEach(() => {
  client.stop();
  vi.useRealTimers();
});

describe('StreamClient', () => {
  it('goes live when the stream opens and hands typed events to subscribers of that type', () => {
    const readings: unknown[] = [];
    const devices: unknown[] = [];
    client.on('reading', (r) => readings.push(r));
    client.on('device', (d) => devices.push(d));
    client.start();
    expect(client.status).toBe('reconnecting');
    latest().open();
    expect(client.status).toBe('live');
    latest().emit('reading', { device: 'd1', ts: 1, values: { t: 21.5 } }, 'b1-1');
    latest().emit('device', { device: 'd1', status: 'offline', ts: 2 }, 'b1-2');
    latest().emit('reading', { device: 'd1', ts: 3, values: { t: 'bad' } }, 'b1-3');
    expect(readings).toEqual([{ device: 'd1', ts: 1, values: { t: 21.5 } }]);
    expect(devices).toEqual([{ device: 'd1', status: 'offline', ts: 2 }]);
    expect(client.lastEventId).toBe('b1-3');
    expect(sources).toHaveLength(1);
    expect(latest().url).toBe('/api/stream');
  });

  it('reopens a stream the browser gave up on, with backoff and the last event id', () => {
    client.start();
    latest().open();
    latest().emit('reading', { device: 'd1', ts: 1, values: { t: 1 } }, 'boot-7');
    latest().fail(CLOSED); // e.g. a 502 while the API is redeployed
    expect(client.status).toBe('reconnecting');
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(999);
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sources).toHaveLength(2);
    expect(latest().url).toBe('/api/stream?lastEventId=boot-7');

    latest().fail(CLOSED);
    vi.advanceTimersByTime(1_999);
    expect(sources).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sources).toHaveLength(3);
    latest().open();
    expect(client.status).toBe('live');

    // A success resets the schedule.
    latest().fail(CLOSED);
    vi.advanceTimersByTime(1_000);
    expect(sources).toHaveLength(4);
  });

  it('retries at once when asked (after signing in), and not while open', () => {
    client.start();
    latest().emit('reading', { device: 'd1', ts: 1, values: { t: 1 } }, 'b-3');
    latest().fail(CLOSED);
    expect(sources).toHaveLength(1);
    client.retryNow();
    expect(sources).toHaveLength(2);
    expect(latest().url).toBe('/api/stream?lastEventId=b-3');
    latest().open();
    client.retryNow();
    expect(sources).toHaveLength(2);
    // The backoff timer of the failure before is gone: nothing reopens behind our back.
    vi.advanceTimersByTime(60_000);
    expect(sources.filter((s) => !s.closed)).toHaveLength(1);
  });

  it('leaves a dropped connection to the browser’s own retry', () => {
    client.start();
    latest().open();
    latest().fail(CONNECTING);
    expect(client.status).toBe('reconnecting');
    vi.advanceTimersByTime(5_000);
    expect(sources).toHaveLength(1);
    latest().open();
    expect(client.status).toBe('live');
  });

  it('says offline after failing for more than 10 s, and live again once open', () => {
    client.start();
    latest().open();
    latest().fail(CONNECTING);
    vi.advanceTimersByTime(9_999);
    expect(client.status).toBe('reconnecting');
    vi.advanceTimersByTime(1);
    expect(client.status).toBe('offline');
    latest().open();
    expect(statuses).toEqual(['live', 'reconnecting', 'offline', 'live']);
  });

  it('asks subscribers to refetch after an outage and after a reset, not on the first open', () => {
    const reasons: string[] = [];
    client.onResync((reason) => reasons.push(reason));
    client.start();
    latest().open();
    expect(reasons).toEqual([]);
    latest().fail(CONNECTING);
    latest().open();
    expect(reasons).toEqual(['reconnect']);
    latest().emit('reset', { reason: 'unknown boot' }, 'new-1');
    expect(reasons).toEqual(['reconnect', 'reset']);
  });

  it('narrows to one device by reopening its one stream with devices= and the last id, and refetches on widening', () => {
    const reasons: string[] = [];
    client.onResync((reason) => reasons.push(reason));
    client.start();
    latest().open();
    latest().emit('reading', { device: 'd1', ts: 1, values: { t: 1 } }, 'b-5');
    client.setDevices(['d.1']);
    client.setDevices(['d.1']);
    vi.advanceTimersByTime(0);
    expect(sources).toHaveLength(2);
    expect(sources[0]!.closed).toBe(true);
    expect(latest().url).toBe('/api/stream?devices=d.1&lastEventId=b-5');
    expect(client.status).toBe('live');
    latest().open();
    // Narrowing resumes: nothing to refetch.
    expect(reasons).toEqual([]);
    client.setDevices(null);
    vi.advanceTimersByTime(0);
    expect(latest().url).toBe('/api/stream?lastEventId=b-5');
    latest().open();
    expect(reasons).toEqual(['reconnect']);
    expect(sources.filter((s) => !s.closed)).toHaveLength(1);
  });

  it('remembers since when the stream is down, and forgets it once open', () => {
    const downs: (number | null)[] = [];
    const timed = new StreamClient({
      open: (url) => (sources.push(new FakeSource(url)), latest()),
      network,
      onDown: (d) => downs.push(d),
      now: () => 42,
    });
    timed.start();
    latest().open();
    expect(timed.downSince).toBeNull();
    latest().fail(CONNECTING);
    latest().fail(CONNECTING);
    expect(timed.downSince).toBe(42);
    latest().open();
    expect(downs).toEqual([42, null]);
    timed.stop();
  });

  it('recycles a stream that has been silent for 35 s without flickering the indicator', () => {
    const reasons: string[] = [];
    client.onResync((reason) => reasons.push(reason));
    client.start();
    latest().open();
    latest().emit('reading', { device: 'd1', ts: 1, values: { t: 1 } }, 'b-4');
    vi.advanceTimersByTime(34_999);
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sources).toHaveLength(2);
    expect(sources[0]!.closed).toBe(true);
    expect(latest().url).toBe('/api/stream?lastEventId=b-4');
    expect(client.status).toBe('live');
    latest().open();
    expect(statuses).toEqual(['live']);
    expect(reasons).toEqual([]);
  });

  it('stops claiming live when a recycled stream does not open', () => {
    client.start();
    latest().open();
    vi.advanceTimersByTime(35_000);
    expect(client.status).toBe('live');
    vi.advanceTimersByTime(2_000);
    expect(client.status).toBe('reconnecting');
  });

  it('any event keeps the watchdog quiet', () => {
    client.start();
    latest().open();
    for (let i = 1; i <= 5; i++) {
      vi.advanceTimersByTime(30_000);
      latest().emit('device', { device: 'd', status: 'online', ts: i }, `b-${i}`);
    }
    expect(sources).toHaveLength(1);
  });

  it('drops events it has already seen from the same boot', () => {
    const seen: number[] = [];
    client.on('reading', (r) => seen.push(r.ts));
    client.start();
    latest().open();
    latest().emit('reading', { device: 'd', ts: 1, values: { t: 1 } }, 'b-1');
    latest().emit('reading', { device: 'd', ts: 2, values: { t: 1 } }, 'b-2');
    latest().emit('reading', { device: 'd', ts: 1, values: { t: 1 } }, 'b-1');
    latest().emit('reading', { device: 'd', ts: 9, values: { t: 1 } }, 'other-1');
    expect(seen).toEqual([1, 2, 9]);
  });

  it('is offline while the browser has no network and retries at once when it returns', () => {
    client.start();
    latest().open();
    latest().fail(CLOSED);
    vi.advanceTimersByTime(1_000);
    latest().fail(CLOSED); // next attempt would be 2 s away
    network.set(false);
    expect(client.status).toBe('offline');
    network.set(true);
    expect(sources).toHaveLength(3);
    expect(client.status).toBe('reconnecting');
    latest().open();
    expect(client.status).toBe('live');
  });

  it('keeps other subscribers going when one throws', () => {
    const seen: number[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    client.on('reading', () => {
      throw new Error('boom');
    });
    client.on('reading', (r) => seen.push(r.ts));
    client.start();
    latest().open();
    latest().emit('reading', { device: 'd', ts: 1, values: { t: 1 } }, 'b-1');
    expect(seen).toEqual([1]);
    expect(error).toHaveBeenCalledOnce();
  });

  it('unsubscribes and stops cleanly', () => {
    const seen: number[] = [];
    const off = client.on('reading', (r) => seen.push(r.ts));
    client.start();
    latest().open();
    off();
    latest().emit('reading', { device: 'd', ts: 1, values: { t: 1 } }, 'b-1');
    client.stop();
    expect(latest().closed).toBe(true);
    vi.advanceTimersByTime(120_000);
    expect(sources).toHaveLength(1);
    expect(seen).toEqual([]);
  });
});
