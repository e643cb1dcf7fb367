/**
 * What a failed /write means for the spooled batch (docs/storage.md, "Write errors"):
 *
 * - partial: InfluxDB stored the lines it could and refused the rest for good (400: type
 *   conflict, beyond the retention policy, unparsable; 422 on 2.x). Retrying cannot help, so the
 *   batch leaves the spool and the refused lines are counted.
 * - too_large: 413; the batch is split.
 * - no_database: 404 "database not found"; the store creates it when it may, else it is blocked.
 * - permanent: the server will refuse every batch until someone acts (401/403, a missing
 *   retention policy, another 4xx). Nothing is dropped: the spool is held, the store reports
 *   itself blocked, and the write is tried again rarely.
 * - timeout / transient: the server is slow, restarting or unreachable (5xx, 429, connection
 *   errors); retried with backoff.
 */
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import type { WriteErrorClass } from '../port.ts';

export interface WriteFailure {
  readonly kind: WriteErrorClass;
  readonly message: string;
  /** Lines InfluxDB said it dropped (partial writes); undefined when it did not say. */
  readonly dropped?: number;
  /** The server's Retry-After, in ms, when it sent one. */
  readonly retryAfterMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** The server's own error text: the JSON `error` (1.x) or `message` (2.x/3.x), else the body. */
export function serverMessage(err: HttpError): string {
  const json: unknown = err.json;
  if (typeof json === 'object' && json !== null) {
    const { error, message } = json as { error?: unknown; message?: unknown };
    if (typeof error === 'string') return error;
    if (typeof message === 'string') return message;
  }
  return (err.body ?? err.message ?? '').trim().slice(0, 500);
}

export function classifyWriteError(err: unknown): WriteFailure {
  if (err instanceof HttpError) {
    const text = serverMessage(err);
    const message = `InfluxDB answered ${err.statusCode}: ${text}`;
    const status = err.statusCode;
    if (status === 400 || status === 422) {
      const dropped = /dropped=(\d+)/.exec(text);
      return dropped ? { kind: 'partial', message, dropped: Number(dropped[1]) } : { kind: 'partial', message };
    }
    if (status === 413) return { kind: 'too_large', message };
    if (status === 404 && /database not found|bucket .*not found/i.test(text)) return { kind: 'no_database', message };
    if (status === 401 || status === 403) return { kind: 'permanent', message };
    if (/retention policy not found/i.test(text)) return { kind: 'permanent', message };
    if (status === 429 || status >= 500) {
      // The client keeps Retry-After as the header's whole seconds.
      const after = err.retryAfter();
      return after > 0 ? { kind: 'transient', message, retryAfterMs: after * 1_000 } : { kind: 'transient', message };
    }
    return { kind: 'permanent', message };
  }
  if (err instanceof RequestTimedOutError) return { kind: 'timeout', message: 'InfluxDB did not answer in time' };
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { kind: 'transient', message: `InfluxDB unreachable: ${text}` };
  return { kind: 'transient', message: `InfluxDB write failed: ${text}` };
}
