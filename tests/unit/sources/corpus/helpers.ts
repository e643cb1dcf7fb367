/** Builders for the expected Decoded results of the corpus. */
import type { Decoded, DeviceMeta } from '../../../../sources/types.ts';

/** Every corpus message is received at this instant (2026-12-01T00:00:00Z). */
export const RECEIVED = Date.UTC(2026, 11, 1);

export interface Sample {
  readonly name: string;
  /** Where the payload (or its shape) comes from. */
  readonly cite: string;
  readonly topic: string;
  readonly payload: string;
  readonly retain?: boolean;
  /** The source that must take it. */
  readonly source: string;
  readonly expect: Decoded;
}

type Entry = readonly [device: string, ts: number, values: Record<string, number>];

export function readings(entries: readonly Entry[], meta: DeviceMeta[] = [], skippedFields = 0, tsFallbacks = 0): Decoded {
  return { kind: 'readings', entries: entries.map(([device, ts, values]) => ({ device, ts, values })), meta, skippedFields, tsFallbacks };
}

export const statusOf = (device: string, status: 'online' | 'offline', meta: DeviceMeta[] = []): Decoded => ({
  kind: 'status',
  device,
  status,
  meta,
});
export const ignored = (why: string): Decoded => ({ kind: 'ignored', why });
