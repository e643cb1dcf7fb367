/**
 * The HTTP and SSE contract as the browser sees it (SPEC "HTTP API", "Server-Sent Events").
 * Shapes the server already defines are imported as types only, so nothing server-side is bundled.
 */
import type { DeviceView } from '../../../common/devices.ts';
import type { DeviceEvent, ReadingEvent } from '../../../common/events.ts';
import type { DeviceState, LatestValue } from '../../../common/store/port.ts';

export type { DeviceEvent, DeviceState, DeviceView, LatestValue, ReadingEvent };

export interface Alert {
  readonly id: string;
  readonly ruleId: string;
  readonly device: string;
  readonly metric: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly state: 'firing' | 'resolved';
  readonly acknowledged: boolean;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly startedAt: number;
  readonly resolvedAt: number | null;
  readonly ackedAt: number | null;
  readonly message: string;
}

export interface ResetEvent {
  readonly reason: string;
}

export interface StreamEvents {
  reading: ReadingEvent;
  device: DeviceEvent;
  alert: Alert;
  reset: ResetEvent;
}
export type StreamEventType = keyof StreamEvents;
export const STREAM_EVENT_TYPES: readonly StreamEventType[] = ['reading', 'device', 'alert', 'reset'];

/** One history bucket: start of the bucket, then mean, min and max of the readings in it. */
export type HistoryPoint = readonly [ts: number, mean: number | null, min: number | null, max: number | null];

export interface History {
  readonly device: string;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly series: Readonly<Record<string, readonly HistoryPoint[]>>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, signal: signal ?? null });
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => null);
    const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
    const code = typeof error['code'] === 'string' ? error['code'] : `http_${res.status}`;
    const message = typeof error['message'] === 'string' ? error['message'] : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * Checks the shape of an event's data before subscribers see it: a malformed frame (a proxy
 * mangling the stream, a server mid-upgrade) is dropped rather than corrupting the page's state.
 */
export function parseStreamEvent<K extends StreamEventType>(type: K, data: string): StreamEvents[K] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(doc)) return null;
  const ok =
    type === 'reading'
      ? isString(doc['device']) && isNumber(doc['ts']) && isRecord(doc['values']) && Object.values(doc['values']).every(isNumber)
      : type === 'device'
        ? isString(doc['device']) && isString(doc['status']) && isNumber(doc['ts'])
        : type === 'alert'
          ? isString(doc['id']) && isString(doc['device'])
          : true;
  return ok ? (doc as unknown as StreamEvents[K]) : null;
}
