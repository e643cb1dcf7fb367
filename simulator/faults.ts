/**
 * Bad payloads, one generator per reason ingest rejects a message for. Each is labelled with the
 * reason ingest gives it, and the unit tests hold every variant against domain/reading.ts, so
 * this file and ingest cannot drift apart silently.
 */
import { MAX_BATCH_ENTRIES, MAX_FUTURE_MS, MAX_PAYLOAD_BYTES, type RejectReason } from '../domain/reading.ts';

export interface FaultContext {
  /** The sending device's (valid) id. */
  readonly device: string;
  readonly now: number;
  readonly metrics: readonly string[];
}

export interface FaultMessage {
  readonly kind: 'telemetry' | 'status';
  /** The id in the topic: the sender's own, except for bad_device_id. */
  readonly device: string;
  readonly payload: Buffer;
}

export interface PayloadFault {
  readonly reason: RejectReason;
  readonly variants: number;
  make(context: FaultContext, variant: number): FaultMessage;
}

const telemetry = (device: string, payload: string | Buffer): FaultMessage => ({
  kind: 'telemetry',
  device,
  payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
});

/** Picks variant `v` from a list of payload makers. */
function variants(reason: RejectReason, makers: readonly ((c: FaultContext) => FaultMessage)[]): PayloadFault {
  return { reason, variants: makers.length, make: (context, v) => makers[((v % makers.length) + makers.length) % makers.length]!(context) };
}

const metricOf = (c: FaultContext) => c.metrics[0] ?? 'temperature';

export const PAYLOAD_FAULTS: readonly PayloadFault[] = [
  variants('invalid_json', [
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":21.5`),
    (c) => telemetry(c.device, `{ts:${c.now},${metricOf(c)}:21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":NaN}`),
    (c) => telemetry(c.device, `${metricOf(c)}=21.5 ${c.now}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":21.5,}`),
  ]),
  variants('invalid_utf8', [
    (c) =>
      telemetry(
        c.device,
        Buffer.concat([Buffer.from(`{"ts":${c.now},"${metricOf(c)}":21.5,"note":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      ),
    // An overlong encoding of "/", the classic way to smuggle characters past a naive filter.
    (c) => telemetry(c.device, Buffer.concat([Buffer.from(`{"ts":${c.now},"a`), Buffer.from([0xc0, 0xaf]), Buffer.from('":1}')])),
    // A three-byte sequence cut short, as a truncated write produces.
    (c) =>
      telemetry(
        c.device,
        Buffer.concat([Buffer.from(`{"ts":${c.now},"${metricOf(c)}":21.5,"unit":"`), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
      ),
  ]),
  variants('too_large', [
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":21.5,"firmware":"${'A'.repeat(MAX_PAYLOAD_BYTES)}"}`),
    (c) => {
      const values = Array.from({ length: 6_000 }, (_, i) => `"m${i}":${i % 100}.5`).join(',');
      return telemetry(c.device, `{"ts":${c.now},"values":{${values}}}`);
    },
  ]),
  variants('empty', [
    (c) => telemetry(c.device, Buffer.alloc(0)),
    (c) => telemetry(c.device, '[]'),
    (c) => telemetry(c.device, '{}'),
    (c) => telemetry(c.device, `{"ts":${c.now}}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"values":{}}`),
  ]),
  variants('wrong_shape', [
    (c) => telemetry(c.device, '42'),
    (c) => telemetry(c.device, `"${metricOf(c)}"`),
    (c) => telemetry(c.device, 'null'),
    (c) => telemetry(c.device, '[21.5,22.1,22.4]'),
    (c) => telemetry(c.device, `{"ts":${c.now},"values":{"${metricOf(c)}":21.5},"unit":"C"}`),
    (c) => telemetry(c.device, `[{"ts":${c.now},"${metricOf(c)}":21.5},"oops"]`),
  ]),
  variants('too_many_entries', [
    (c) => {
      const entries = Array.from(
        { length: MAX_BATCH_ENTRIES + 1 },
        (_, i) => `{"ts":${c.now - MAX_BATCH_ENTRIES + i},"values":{"${metricOf(c)}":${20 + (i % 10)}}}`,
      );
      return telemetry(c.device, `[${entries.join(',')}]`);
    },
  ]),
  variants('bad_metric_name', [
    (c) => telemetry(c.device, `{"ts":${c.now},"temp erature":21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"1st_floor":21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"values":{"__proto__":1}}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"values":{"":1}}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"room/temp":21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${'x'.repeat(65)}":21.5}`),
  ]),
  variants('bad_value', [
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":"21.5"}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":null}`),
    // JSON has no Infinity, but 1e999 parses to it: the non-finite number a float overflow produces.
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":1e999}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"values":{"${metricOf(c)}":-1e999}}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":{"value":21.5}}`),
    (c) => telemetry(c.device, `{"ts":${c.now},"${metricOf(c)}":[21.5]}`),
  ]),
  variants('bad_ts', [
    (c) => telemetry(c.device, `{"ts":"yesterday","${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now}.5,"${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":-1,"${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":"2024-11-24 10:00:00","${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":1e300,"${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":null,"values":{"${metricOf(c)}":21.5}}`),
  ]),
  variants('future_ts', [
    (c) => telemetry(c.device, `{"ts":${c.now + 2 * MAX_FUTURE_MS},"${metricOf(c)}":21.5}`),
    (c) => telemetry(c.device, `{"ts":${c.now + 86_400_000},"values":{"${metricOf(c)}":21.5}}`),
    (c) => telemetry(c.device, `{"ts":"${new Date(c.now + 3_600_000).toISOString()}","${metricOf(c)}":21.5}`),
  ]),
  variants('bad_device_id', [
    (c) => telemetry(`_${c.device}`, `{"ts":${c.now},"${metricOf(c)}":21.5}`),
    (c) => telemetry(`${c.device}!`, `{"ts":${c.now},"${metricOf(c)}":21.5}`),
    (c) => telemetry(`${c.device} 2`, `{"ts":${c.now},"${metricOf(c)}":21.5}`),
    (c) => telemetry(`${c.device}-${'x'.repeat(64)}`, `{"ts":${c.now},"${metricOf(c)}":21.5}`),
  ]),
  variants('bad_status', [
    (c) => ({ kind: 'status', device: c.device, payload: Buffer.from('rebooting') }),
    (c) => ({ kind: 'status', device: c.device, payload: Buffer.from('1') }),
    (c) => ({ kind: 'status', device: c.device, payload: Buffer.from('{"status":"online"}') }),
  ]),
];

/** Faults in how a device behaves rather than in what it sends. */
export const BEHAVIOUR_FAULTS = ['disconnect', 'offline', 'clock_skew'] as const;
export type BehaviourFault = (typeof BEHAVIOUR_FAULTS)[number];

export type FaultKind = RejectReason | BehaviourFault;

/** Every fault class a device can draw, each equally likely. */
export const FAULT_KINDS: readonly FaultKind[] = [...PAYLOAD_FAULTS.map((f) => f.reason), ...BEHAVIOUR_FAULTS];

export function payloadFault(reason: RejectReason): PayloadFault | undefined {
  return PAYLOAD_FAULTS.find((f) => f.reason === reason);
}
