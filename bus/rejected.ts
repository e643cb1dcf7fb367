/**
 * vigil/rejected: a device message ingest refused, for GET /api/rejected. The topic and device are
 * what the device sent (a bad device id is the point of some rejections), so they are bounded and
 * escaped when shown, not checked against the id rules.
 */
import { z } from 'zod';
import { REJECTED_PAYLOAD_LIMIT, type RejectedMessage } from '../domain/events.ts';
import { REJECT_REASONS } from '../domain/reading.ts';
import { VIGIL_TOPICS } from './topics.ts';
import { boundedString, defineKind, tsSchema } from './wire.ts';

export const MAX_REJECTED_TOPIC = 512;
export const MAX_REJECTED_DEVICE = 128;
/** Payload (1 KiB; \u escapes can make it 6 KiB of JSON), topic and device, with room. */
export const MAX_REJECTED_BYTES = 16 * 1024;

const rejectedSchema = z.object({
  ts: tsSchema,
  topic: boundedString(MAX_REJECTED_TOPIC),
  device: boundedString(MAX_REJECTED_DEVICE).nullable(),
  reason: z.enum(REJECT_REASONS, { error: 'unknown_kind' }),
  payload: boundedString(REJECTED_PAYLOAD_LIMIT),
});

export const rejectedMessages = defineKind({
  topic: VIGIL_TOPICS.rejected,
  qos: 0,
  maxBytes: MAX_REJECTED_BYTES,
  schema: rejectedSchema,
  latestTs: (m) => m.ts,
  build: (m): RejectedMessage => m,
  // Cut here, the one producer, so what ingest sends always decodes.
  encode: (m) =>
    JSON.stringify({
      ts: m.ts,
      topic: m.topic.slice(0, MAX_REJECTED_TOPIC),
      device: m.device === null ? null : m.device.slice(0, MAX_REJECTED_DEVICE),
      reason: m.reason,
      payload: m.payload.slice(0, REJECTED_PAYLOAD_LIMIT),
    }),
});
