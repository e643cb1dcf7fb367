/**
 * Turns registry changes into `device` events carrying the entry as shown: this process's PUTs
 * at once (flush), and what other processes wrote (another API replica's PUT, a name or unit
 * ingest discovered) within a second, since every API process polls the shared registry.
 */
import type { DeviceState } from '../domain/devices.ts';
import type { DeviceEvent } from '../domain/events.ts';
import type { DeviceRegistry } from '../store/registry.ts';

export const REGISTRY_POLL_MS = 1_000;

export class RegistryEvents {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Pick<DeviceRegistry, 'refresh' | 'entry'>,
    private readonly emit: (event: DeviceEvent) => void,
    /** The device's shown status, as the device watch knows it. */
    private readonly statusOf: (device: string) => DeviceState,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Emits one event per device whose entry changed since the last flush. `known` is a status the
   * caller read from the store just now (a PUT's answer), fresher than the watch, which learns of
   * a device only when its first event comes over the bus.
   */
  flush(known?: { readonly device: string; readonly status: DeviceState }): void {
    const ts = this.now();
    for (const device of this.registry.refresh()) {
      const entry = this.registry.entry(device);
      const status = known?.device === device ? known.status : this.statusOf(device);
      if (entry) this.emit({ device, status, ts, ...entry });
    }
  }

  /** Polls; a failed read (the file busy past its timeout) is reported and tried again next time. */
  start(onError: (err: Error) => void, everyMs = REGISTRY_POLL_MS): void {
    this.timer ??= setInterval(() => {
      try {
        this.flush();
      } catch (err) {
        onError(err as Error);
      }
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
