/**
 * Turns what the API hears (readings, status messages) and the passing of time into `device`
 * events: one per change of a device's shown state (online, offline, stale). Stale needs a
 * clock, not a message, so a tick re-derives every device's state.
 */
import { deviceState } from '../domain/devices.ts';
import type { DeviceEvent } from '../domain/events.ts';
import type { DeviceStatus } from '../domain/reading.ts';
import type { DeviceRecord, DeviceState, TelemetryReader } from '../store/port.ts';

/** All DeviceWatch reads from the store: the port's device list. */
export type DeviceSource = Pick<TelemetryReader, 'devices'>;

interface Known {
  reported: DeviceStatus | null;
  reportedAt: number | null;
  lastSeen: number | null;
  state: DeviceState;
}

export class DeviceWatch {
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly staleAfterMs: number,
    private readonly emit: (event: DeviceEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async load(store: DeviceSource): Promise<void> {
    const at = this.now();
    for (const record of await store.devices()) {
      // Live events may have arrived first; they are newer than what the store said.
      if (!this.known.has(record.id)) this.known.set(record.id, { ...pick(record), state: deviceState(record, at, this.staleAfterMs) });
    }
  }

  /** Loads until it succeeds (every 5 s), reporting each failure; stops trying after stop(). */
  async loadWithRetry(store: DeviceSource, onError: (err: Error) => void): Promise<void> {
    while (!this.stopped) {
      try {
        await this.load(store);
        return;
      } catch (err) {
        onError(err as Error);
        await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.min(1_000, this.staleAfterMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  sawTelemetry(device: string): void {
    const entry = this.entry(device);
    entry.lastSeen = this.now();
    this.update(device, entry);
  }

  sawStatus(device: string, status: DeviceStatus, ts: number): void {
    const entry = this.entry(device);
    entry.reported = status;
    entry.reportedAt = ts;
    this.update(device, entry);
  }

  /** The shown state as last announced; `stale` for a device never heard of. */
  stateOf(device: string): DeviceState {
    return this.known.get(device)?.state ?? 'stale';
  }

  tick(): void {
    for (const [device, entry] of this.known) this.update(device, entry);
  }

  private entry(device: string): Known {
    let entry = this.known.get(device);
    if (!entry) {
      // `stale` as the starting point: a device's first sign of life is then a change to announce.
      entry = { reported: null, reportedAt: null, lastSeen: null, state: 'stale' };
      this.known.set(device, entry);
    }
    return entry;
  }

  private update(device: string, entry: Known): void {
    const at = this.now();
    const state = deviceState({ id: device, values: {}, ...entry }, at, this.staleAfterMs);
    if (state === entry.state) return;
    entry.state = state;
    this.emit({ device, status: state, ts: at });
  }
}

function pick(record: DeviceRecord): Omit<Known, 'state'> {
  return { reported: record.reported, reportedAt: record.reportedAt, lastSeen: record.lastSeen };
}
