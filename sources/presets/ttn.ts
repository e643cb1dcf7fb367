/**
 * The Things Stack v3 MQTT integration (https://www.thethingsindustries.com/docs/integrations/mqtt/):
 * uplinks on `v3/{application id}@{tenant}/devices/{device id}/up`. Only `/up` is subscribed:
 * joins, downlink events and location messages carry no readings.
 */
import { context } from '../decoders/context.ts';
import { decodeTtn } from '../decoders/ttn.ts';
import { deviceIdFor } from '../identity.ts';
import { pattern } from '../pattern.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { GATEWAY_ONLY, RETAINED } from './common.ts';

const UP = pattern('v3/{app}/devices/{device}/up');

export function ttnSource(): Source {
  return {
    name: 'ttn',
    filters: [UP.filter],
    firstLevels: ['v3'],
    decode(message: SourceMessage): Decoded | undefined {
      if (!message.topic.startsWith('v3/')) return undefined;
      const m = UP.match(message.topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      const device = m['device']!;
      return decodeTtn(message.payload, context(message.receivedAt, deviceIdFor(device), device));
    },
    // The uplink's `end_device_ids.device_id` wins over the topic's: the application's connection is a gateway.
    claim: (topic: string): TopicClaim | undefined => (topic.startsWith('v3/') && UP.match(topic) ? GATEWAY_ONLY : undefined),
  };
}
