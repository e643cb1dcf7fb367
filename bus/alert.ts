/**
 * vigil/events/alert: an alert as stored after a transition (alerter) or an acknowledgement (API),
 * streamed by every API process. alerts/fan-out.ts is the one producer.
 */
import { z } from 'zod';
import { MAX_ACK_NOTE, type Alert } from '../domain/alert.ts';
import { isDeviceId, isMetricName } from '../domain/reading.ts';
import { SEVERITIES } from '../domain/rule.ts';
import { VIGIL_TOPICS } from './topics.ts';
import { boundedString, defineKind, tsSchema } from './wire.ts';

/** A 1,000-character note and a 1,024-character message, both all escapes at worst, fit with room. */
export const MAX_ALERT_BYTES = 16 * 1024;
/** Rule name (at most 200) plus device, metric and numbers: well below this. */
export const MAX_ALERT_MESSAGE = 1024;

/** Alert ids are 20 base64url characters (domain/alert.ts); rule ids follow the rule schema. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const id = z.string({ error: 'bad_id' }).regex(ID, { error: 'bad_id' });
const value = z.number({ error: 'bad_value' });

const alertSchema = z.object({
  id,
  ruleId: id,
  device: z.string({ error: 'bad_device_id' }).refine(isDeviceId, { error: 'bad_device_id' }),
  metric: z.string({ error: 'bad_metric_name' }).refine(isMetricName, { error: 'bad_metric_name' }).nullable(),
  severity: z.enum(SEVERITIES, { error: 'unknown_kind' }),
  state: z.enum(['firing', 'resolved'], { error: 'unknown_kind' }),
  acknowledged: z.boolean(),
  value: value.nullable(),
  threshold: z.union([value, z.tuple([value, value])]).nullable(),
  startedAt: tsSchema,
  resolvedAt: tsSchema.nullable(),
  ackedAt: tsSchema.nullable(),
  // Absent from producers older than notes; absent means none.
  ackNote: boundedString(MAX_ACK_NOTE)
    .nullish()
    .transform((note) => note ?? null),
  message: boundedString(MAX_ALERT_MESSAGE),
});

export const alerts = defineKind({
  topic: VIGIL_TOPICS.alert,
  qos: 1,
  maxBytes: MAX_ALERT_BYTES,
  schema: alertSchema,
  latestTs: (a) => Math.max(a.startedAt, a.resolvedAt ?? 0, a.ackedAt ?? 0),
  build: (a): Alert => a,
});
