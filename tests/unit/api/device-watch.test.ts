/**
 * DeviceWatch turns what the API hears, and the passing of time, into `device` events. Each row
 * is a script on a hand-driven clock (stale after 1 s) and the events it must emit, no more.
 * The store is a typed fake of the one port method DeviceWatch reads (devices()).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceWatch, type DeviceSource } from '../../../api/device-watch.ts';
import type { DeviceRecord } from '../../../domain/devices.ts';
import type { DeviceEvent } from '../../../domain/events.ts';
import type { DeviceStatus } from '../../../domain/reading.ts';

const STALE = 1_000;

type Step =
  | readonly ['telemetry', number]
  | readonly ['status', number, DeviceStatus]
  /** A status whose ts (when it was heard) differs from the clock at which it is processed. */
  | readonly ['status-ts', number, DeviceStatus, number]
  | readonly ['tick', number];

/** [status, ts] of each emitted event for device d1. */
type Emitted = readonly (readonly [string, number])[];

function harness(now = 0) {
  const clock = { now };
  const events: DeviceEvent[] = [];
  const watch = new DeviceWatch(
    STALE,
    (e) => events.push(e),
    () => clock.now,
  );
  return { clock, events, watch };
}

function play(steps: readonly Step[]): Emitted {
  const { clock, events, watch } = harness();
  for (const step of steps) {
    clock.now = step[1];
    if (step[0] === 'telemetry') watch.sawTelemetry('d1');
    else if (step[0] === 'status') watch.sawStatus('d1', step[2], step[1]);
    else if (step[0] === 'status-ts') watch.sawStatus('d1', step[2], step[3]);
    else watch.tick();
  }
  return events.map((e) => [e.status, e.ts] as const);
}

describe('DeviceWatch transitions', () => {
  it.each<[string, readonly Step[], Emitted]>([
    ['first telemetry announces online', [['telemetry', 0]], [['online', 0]]],
    [
      'more telemetry while online says nothing',
      [
        ['telemetry', 0],
        ['telemetry', 500],
        ['tick', 900],
        ['telemetry', 1_400],
      ],
      [['online', 0]],
    ],
    [
      'silent for exactly STALE is still online',
      [
        ['telemetry', 0],
        ['tick', STALE],
      ],
      [['online', 0]],
    ],
    [
      'silent for longer than STALE turns stale on a tick',
      [
        ['telemetry', 0],
        ['tick', STALE + 1],
        ['tick', STALE + 500],
      ],
      [
        ['online', 0],
        ['stale', STALE + 1],
      ],
    ],
    [
      'telemetry after stale is online again',
      [
        ['telemetry', 0],
        ['tick', 2_000],
        ['telemetry', 2_100],
      ],
      [
        ['online', 0],
        ['stale', 2_000],
        ['online', 2_100],
      ],
    ],
    ['offline from an unknown device announces offline', [['status', 0, 'offline']], [['offline', 0]]],
    [
      'offline after telemetry',
      [
        ['telemetry', 0],
        ['status', 100, 'offline'],
      ],
      [
        ['online', 0],
        ['offline', 100],
      ],
    ],
    [
      'offline stays offline however long it is silent (offline wins over stale)',
      [
        ['status', 0, 'offline'],
        ['tick', 10_000],
        ['tick', 100_000],
      ],
      [['offline', 0]],
    ],
    [
      'telemetry after offline brings it back online',
      [
        ['status', 0, 'offline'],
        ['telemetry', 50],
      ],
      [
        ['offline', 0],
        ['online', 50],
      ],
    ],
    [
      'online after offline, with telemetry within STALE, is online',
      [
        ['telemetry', 0],
        ['status', 100, 'offline'],
        ['status', 200, 'online'],
      ],
      [
        ['online', 0],
        ['offline', 100],
        ['online', 200],
      ],
    ],
    [
      'an offline heard as of the last telemetry (same ts) is offline',
      [
        ['telemetry', 100],
        ['status-ts', 100, 'offline', 100],
      ],
      [
        ['online', 100],
        ['offline', 100],
      ],
    ],
    [
      'an offline older than the last telemetry changes nothing',
      [
        ['telemetry', 100],
        ['status-ts', 150, 'offline', 99],
      ],
      [['online', 100]],
    ],
    [
      'repeated offline says it once',
      [
        ['status', 0, 'offline'],
        ['status', 10, 'offline'],
      ],
      [['offline', 0]],
    ],
    [
      'a tick with nothing changed says nothing',
      [
        ['telemetry', 0],
        ['tick', 10],
        ['tick', 20],
      ],
      [['online', 0]],
    ],
  ])('%s', (_name, steps, expected) => {
    expect(play(steps)).toEqual(expected);
  });

  it('tracks devices independently and names the device in each event', () => {
    const { clock, events, watch } = harness();
    watch.sawTelemetry('a');
    clock.now = 600;
    watch.sawTelemetry('b');
    clock.now = 1_200;
    watch.tick();
    expect(events).toEqual([
      { device: 'a', status: 'online', ts: 0 },
      { device: 'b', status: 'online', ts: 600 },
      { device: 'a', status: 'stale', ts: 1_200 },
    ]);
  });
});

/** A typed stand-in for the store's device list; fails its first `failures` calls. */
class FakeDevices implements DeviceSource {
  calls = 0;
  constructor(
    private readonly records: readonly DeviceRecord[],
    private failures = 0,
  ) {}

  devices(): Promise<DeviceRecord[]> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('store not ready'));
    }
    return Promise.resolve([...this.records]);
  }
}

const record = (id: string, over: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id,
  reported: null,
  reportedAt: null,
  lastSeen: null,
  values: {},
  ...over,
});

describe('DeviceWatch.load', () => {
  it('takes each device state from the store silently, then announces changes from there', async () => {
    const { clock, events, watch } = harness(10_000);
    await watch.load(
      new FakeDevices([
        record('live', { lastSeen: 9_500 }),
        record('gone', { reported: 'offline', reportedAt: 9_000, lastSeen: 8_000 }),
        record('quiet', { lastSeen: 1_000 }),
      ]),
    );
    expect(events).toEqual([]);
    clock.now = 10_600;
    watch.tick();
    watch.sawTelemetry('gone');
    watch.sawTelemetry('quiet');
    expect(events).toEqual([
      { device: 'live', status: 'stale', ts: 10_600 },
      { device: 'gone', status: 'online', ts: 10_600 },
      { device: 'quiet', status: 'online', ts: 10_600 },
    ]);
  });

  it('keeps what live events said when they arrived before the store answered', async () => {
    const { clock, events, watch } = harness(10_000);
    watch.sawTelemetry('d1');
    await watch.load(new FakeDevices([record('d1', { reported: 'offline', reportedAt: 9_000, lastSeen: 5_000 })]));
    clock.now = 10_500;
    watch.tick();
    expect(events).toEqual([{ device: 'd1', status: 'online', ts: 10_000 }]);
  });

  it('a device first known from live events starts as stale, so its first sign of life is announced', async () => {
    const { events, watch } = harness(10_000);
    await watch.load(new FakeDevices([]));
    watch.sawTelemetry('new');
    expect(events).toEqual([{ device: 'new', status: 'online', ts: 10_000 }]);
  });
});

describe('DeviceWatch timers (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('loadWithRetry reports each failure and tries again every 5 s until the store answers', async () => {
    vi.useFakeTimers();
    const { watch } = harness();
    const store = new FakeDevices([record('d1')], 2);
    const errors: string[] = [];
    let done = false;
    void watch
      .loadWithRetry(store, (err) => errors.push(err.message))
      .then(() => {
        done = true;
      });
    await vi.advanceTimersByTimeAsync(0);
    expect([store.calls, errors.length, done]).toEqual([1, 1, false]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(store.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect([store.calls, errors.length, done]).toEqual([2, 2, false]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect([store.calls, errors, done]).toEqual([3, ['store not ready', 'store not ready'], true]);
  });

  it('loadWithRetry stops trying after stop()', async () => {
    vi.useFakeTimers();
    const { watch } = harness();
    const store = new FakeDevices([], 1_000);
    let done = false;
    void watch
      .loadWithRetry(store, () => undefined)
      .then(() => {
        done = true;
      });
    await vi.advanceTimersByTimeAsync(0);
    watch.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect([store.calls, done]).toEqual([1, true]);
  });

  it('start() ticks often enough to announce stale within a quarter of STALE_AFTER (at most 1 s), and stop() ends it', async () => {
    vi.useFakeTimers({ now: 0 });
    const events: DeviceEvent[] = [];
    const watch = new DeviceWatch(
      60_000,
      (e) => events.push(e),
      () => Date.now(),
    );
    watch.start();
    watch.sawTelemetry('d1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.map((e) => e.status)).toEqual(['online']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events.map((e) => [e.status, e.ts])).toEqual([
      ['online', 0],
      ['stale', 61_000],
    ]);
    watch.sawTelemetry('d1');
    watch.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events.map((e) => e.status)).toEqual(['online', 'stale', 'online']);
  });

  it.each([
    [400, 100],
    [2_000, 500],
    [60_000, 1_000],
  ])('STALE_AFTER %i ms ticks every %i ms', async (staleAfter, every) => {
    vi.useFakeTimers({ now: 0 });
    const watch = new DeviceWatch(
      staleAfter,
      () => undefined,
      () => Date.now(),
    );
    const tick = vi.spyOn(watch, 'tick');
    watch.start();
    await vi.advanceTimersByTimeAsync(every * 3);
    watch.stop();
    expect(tick).toHaveBeenCalledTimes(3);
  });
});
