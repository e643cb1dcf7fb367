/**
 * The HTTP and SSE contract as the browser sees it (SPEC "HTTP API", "Server-Sent Events"), and
 * the only module that calls fetch. Shapes the server already defines are imported as types only,
 * so nothing server-side is bundled.
 */
import type { Alert } from '../../../domain/alert.ts';
import type { Transition } from '../../../domain/alert.ts';
import type { NodataRule, Rule, Severity, ThresholdRule } from '../../../domain/rule.ts';
import type { DeviceView } from '../../../domain/devices.ts';
import type { DeviceEvent, ReadingEvent, RejectedMessage } from '../../../domain/events.ts';
import type { DeviceState, LatestValue } from '../../../domain/devices.ts';

export type {
  Alert,
  DeviceEvent,
  DeviceState,
  DeviceView,
  LatestValue,
  NodataRule,
  ReadingEvent,
  RejectedMessage,
  Rule,
  Severity,
  ThresholdRule,
  Transition,
};

export interface DeviceListQuery {
  readonly q: string;
  /** `key:value` or `key` terms; all must hold. */
  readonly labels: readonly string[];
  /** Only devices in this state; none for every state. */
  readonly status?: DeviceState | undefined;
  readonly limit: number;
  readonly offset?: number;
}

/** One page of GET /api/devices, with the number of devices matching the filter (X-Total-Count). */
export interface DevicePage {
  readonly views: DeviceView[];
  readonly total: number;
}

/** GET /api/sources: one device source (a preset, `vigil`, or a custom one) and its counters. */
export interface SourceInfo {
  readonly name: string;
  readonly kind: string;
  readonly topics: readonly string[];
  readonly counters: {
    readonly matched: number;
    readonly points: number;
    readonly skippedFields: number;
    readonly tsFallbacks: number;
    readonly ignored: number;
    readonly rejected: Readonly<Record<string, number>>;
  };
}

/** GET /api/sources/unmatched: a topic no source took. */
export interface UnmatchedTopic {
  readonly topic: string;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The last payload, cut to 1 KiB. */
  readonly payload: string;
  /** The preset it looks like, if any. */
  readonly suggested: string | null;
}

/** POST /api/alerts/ack's answer. */
export interface BulkAck {
  readonly acknowledged: readonly string[];
  readonly alreadyAcknowledged: readonly string[];
  readonly notFound: readonly string[];
  readonly alerts: readonly Alert[];
}

/** PUT /api/devices/:id: null clears a field. */
export interface DeviceRegistryBody {
  readonly name: string | null;
  readonly labels: Readonly<Record<string, string>> | null;
  readonly units: Readonly<Record<string, string>> | null;
}

/** A rule as sent to POST /api/rules and PUT /api/rules/:id: everything but the id. */
export type RuleBody = Omit<ThresholdRule, 'id'> | Omit<NodataRule, 'id'>;

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

export interface Session {
  /** This browser holds a valid operator session. */
  readonly operator: boolean;
  /** Reads work without signing in (the API listens on loopback). */
  readonly readsOpen: boolean;
  /** The server's STALE_AFTER; absent from an older server. */
  readonly staleAfterMs?: number;
  /** The server's TOPIC_PREFIX; absent from an older server. */
  readonly topicPrefix?: string;
}

export interface Preview {
  readonly transitions: readonly Transition[];
  readonly truncated?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a rejected rule: the field at fault ("value", "low", ...). */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a request that got no answer at all says (the server is down, or the network is). */
export const NOT_ANSWERING = 'the server is not answering; check the connection and try again';

async function send(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method, headers: { accept: 'application/json' }, signal: signal ?? null, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    // The browser's "Failed to fetch" says nothing to an operator: the server did not answer.
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'unreachable', NOT_ANSWERING);
  }
  if (!res.ok) {
    const doc: unknown = await res.json().catch(() => null);
    const error = isRecord(doc) && isRecord(doc['error']) ? doc['error'] : {};
    const code = typeof error['code'] === 'string' ? error['code'] : `http_${res.status}`;
    const field = typeof error['field'] === 'string' ? error['field'] : null;
    let message = typeof error['message'] === 'string' ? error['message'] : `${res.status} ${res.statusText}`;
    // "value: value is required…" reads twice when shown next to the field it names.
    if (field !== null && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
    throw new ApiError(res.status, code, message, field);
  }
  return res;
}

async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await send(method, path, body, signal);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

function deviceListPath(q: DeviceListQuery): string {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  for (const term of q.labels) params.append('label', term);
  if (q.status) params.set('status', q.status);
  params.set('limit', String(q.limit));
  if (q.offset) params.set('offset', String(q.offset));
  return `/api/devices?${params}`;
}

/** A page of devices and the filter's total; a server that sends no total is taken to have sent everything. */
async function devicePage(q: DeviceListQuery, signal?: AbortSignal): Promise<DevicePage> {
  const res = await send('GET', deviceListPath(q), undefined, signal);
  const views = (await res.json()) as DeviceView[];
  const total = Number(res.headers.get('x-total-count'));
  return { views, total: res.headers.has('x-total-count') && Number.isFinite(total) ? total : (q.offset ?? 0) + views.length };
}

const enc = encodeURIComponent;

/** The API's cap on one page of GET /api/devices. */
export const MAX_DEVICE_PAGE = 10_000;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export interface HistoryQuery {
  readonly from: string | number;
  readonly to?: string | number;
  readonly points: number;
  readonly metrics?: readonly string[];
}

export const api = {
  /** The server's first page (its default limit), and how many devices it has in all. */
  devices: (signal?: AbortSignal) => devicePage({ q: '', labels: [], limit: MAX_DEVICE_PAGE }, signal),
  /** The overview's list: the server matches q against ids, names, labels and metrics, and filters by state. */
  listDevices: devicePage,
  /** How many devices match, without their views (one of them is sent: the API's smallest page). */
  countDevices: async (q: Omit<DeviceListQuery, 'limit' | 'offset'>, signal?: AbortSignal) =>
    (await devicePage({ ...q, limit: 1 }, signal)).total,
  history: (device: string, q: HistoryQuery, signal?: AbortSignal) =>
    request<History>(
      'GET',
      `/api/devices/${enc(device)}/readings${query({ from: q.from, to: q.to, points: q.points, metrics: q.metrics?.join(',') })}`,
      undefined,
      signal,
    ),
  updateDevice: (id: string, entry: DeviceRegistryBody) => request<DeviceView>('PUT', `/api/devices/${enc(id)}`, entry),
  sources: (signal?: AbortSignal) => request<SourceInfo[]>('GET', '/api/sources', undefined, signal),
  unmatched: (signal?: AbortSignal) => request<UnmatchedTopic[]>('GET', '/api/sources/unmatched', undefined, signal),
  /** Without a device: the whole fleet's (and topics with no device at all). */
  rejected: (device: string | undefined, limit: number, signal?: AbortSignal) =>
    request<RejectedMessage[]>('GET', `/api/rejected${query({ device, limit })}`, undefined, signal),

  alerts: (q: { state: 'active' | 'all'; device?: string; severity?: string; limit?: number }, signal?: AbortSignal) =>
    request<Alert[]>('GET', `/api/alerts${query(q)}`, undefined, signal),
  ack: (id: string, note?: string) => request<Alert>('POST', `/api/alerts/${enc(id)}/ack`, note ? { note } : undefined),
  ackMany: (ids: readonly string[], note?: string) => request<BulkAck>('POST', '/api/alerts/ack', note ? { ids, note } : { ids }),

  rules: (signal?: AbortSignal) => request<Rule[]>('GET', '/api/rules', undefined, signal),
  createRule: (rule: RuleBody) => request<Rule>('POST', '/api/rules', rule),
  updateRule: (id: string, rule: RuleBody) => request<Rule>('PUT', `/api/rules/${enc(id)}`, rule),
  deleteRule: (id: string) => request<undefined>('DELETE', `/api/rules/${enc(id)}`),
  previewRule: (rule: RuleBody, from: string | number, to: string | number, signal?: AbortSignal) =>
    request<Preview>('POST', '/api/rules/preview', { rule, from, to }, signal),

  session: () => request<Session>('GET', '/api/session'),
  signIn: (token: string) => request<{ operator: boolean }>('POST', '/api/session', { token }),
  signOut: () => request<undefined>('DELETE', '/api/session'),
};

/** The raw readings behind a chart, as a CSV download (streamed by the API). */
export function csvUrl(device: string, q: { from: string | number; to?: string | number; metrics?: readonly string[] }): string {
  return `/api/devices/${enc(device)}/readings.csv${query({ from: q.from, to: q.to, metrics: q.metrics?.join(',') })}`;
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
          ? isString(doc['id']) &&
            isString(doc['device']) &&
            isString(doc['state']) &&
            isNumber(doc['startedAt']) &&
            typeof doc['acknowledged'] === 'boolean'
          : true;
  return ok ? (doc as unknown as StreamEvents[K]) : null;
}
