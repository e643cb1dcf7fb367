/**
 * Line protocol for the InfluxDB store, rendered by the client's Point (which escapes tag values,
 * field keys and string fields) with millisecond timestamps, as /write?precision=ms expects.
 */
import { Point, type PointSettings } from '@influxdata/influxdb-client';
import type { Alert } from '../../domain/alert.ts';
import type { AlertEventKind } from '../port.ts';
import type { DeviceStatus, TelemetryEntry } from '../../domain/reading.ts';
import { DEVICE_TAG, DEVICES_MEASUREMENT, MEASUREMENT, ROLLUP_META_MEASUREMENT, ROLLUP_MEASUREMENT, fieldKey } from './influxql.ts';

export const ALERTS_MEASUREMENT = 'alerts';

/** The timestamp is already epoch ms: written as-is rather than converted to nanoseconds. */
const MS: Partial<PointSettings> = { convertTime: (time) => (time === undefined ? undefined : String(time)) };

function render(point: Point): string {
  const line = point.toLineProtocol(MS);
  if (line === undefined) throw new Error('a point without fields cannot be written');
  return line;
}

/** One line per entry: measurement `telemetry`, tag `device`, one float field per metric. */
export function telemetryLine(entry: TelemetryEntry): string {
  const point = new Point(MEASUREMENT).tag(DEVICE_TAG, entry.device).timestamp(entry.ts);
  for (const metric of Object.keys(entry.values)) point.floatField(fieldKey(metric), entry.values[metric]!);
  return render(point);
}

/** What the device said on its status topic, at the time ingest received it. */
export function statusLine(device: string, status: DeviceStatus, ts: number): string {
  return render(new Point(DEVICES_MEASUREMENT).tag(DEVICE_TAG, device).stringField('status', status).timestamp(ts));
}

/** Telemetry arrived from the device at `at` (receive time): lastSeen is the newest of these. */
export function seenLine(device: string, at: number): string {
  return render(new Point(DEVICES_MEASUREMENT).tag(DEVICE_TAG, device).intField('seen', 1).timestamp(at));
}

/** One alert transition in measurement `alerts` (SPEC "Storage"), for Grafana and the like. */
export function alertLine(alert: Alert, event: AlertEventKind, ts: number): string {
  const point = new Point(ALERTS_MEASUREMENT)
    .tag(DEVICE_TAG, alert.device)
    .tag('rule', alert.ruleId)
    .tag('severity', alert.severity)
    .tag('event', event)
    .stringField('alert_id', alert.id)
    .stringField('state', alert.state)
    .booleanField('acknowledged', alert.acknowledged)
    .intField('started_at', alert.startedAt)
    .stringField('message', alert.message)
    .timestamp(ts);
  if (alert.metric !== null) point.stringField('metric', alert.metric);
  if (alert.value !== null) point.floatField('value', alert.value);
  if (alert.threshold !== null) point.stringField('threshold', JSON.stringify(alert.threshold));
  return render(point);
}

/** What one minute of one field of one device adds up to. */
export interface MinuteSummary {
  readonly field: string;
  readonly n: number;
  readonly sum: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * One rollup point: device and minute, every field it had readings in. Written again whenever the
 * minute is recomputed; InfluxDB keeps the newest value of each field of a (series, time), so the
 * write is an idempotent overwrite.
 */
export function rollupLine(device: string, minute: number, fields: readonly MinuteSummary[]): string {
  const point = new Point(ROLLUP_MEASUREMENT).tag(DEVICE_TAG, device).timestamp(minute);
  for (const f of fields) {
    point
      .intField(`${f.field}.n`, f.n)
      .floatField(`${f.field}.sum`, f.sum)
      .floatField(`${f.field}.lo`, f.lo)
      .floatField(`${f.field}.hi`, f.hi);
  }
  return render(point);
}

/** The rolled range [since, until), stamped with until so the newest point is the furthest roll. */
export function rollupMetaLine(since: number, until: number): string {
  return render(new Point(ROLLUP_META_MEASUREMENT).intField('since', since).intField('until', until).timestamp(until));
}
