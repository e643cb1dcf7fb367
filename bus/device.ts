/** vigil/events/device: a device reported online or offline (status topic or last will). */
import { z } from 'zod';
import type { DeviceEvent } from '../domain/events.ts';
import { isDeviceId } from '../domain/reading.ts';
import { VIGIL_TOPICS } from './topics.ts';
import { defineKind, tsSchema } from './wire.ts';

export const MAX_DEVICE_EVENT_BYTES = 1024;

const deviceEventSchema = z.object({
  device: z.string({ error: 'bad_device_id' }).refine(isDeviceId, { error: 'bad_device_id' }),
  // Ingest forwards only what a device can report; `stale` is derived by each reader, never sent.
  status: z.enum(['online', 'offline'], { error: 'unknown_kind' }),
  ts: tsSchema,
});

export const deviceEvents = defineKind({
  topic: VIGIL_TOPICS.device,
  qos: 1,
  maxBytes: MAX_DEVICE_EVENT_BYTES,
  schema: deviceEventSchema,
  latestTs: (e) => e.ts,
  build: (e): DeviceEvent & { readonly status: 'online' | 'offline' } => e,
});
