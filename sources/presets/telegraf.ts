/**
 * Telegraf's MQTT output (https://github.com/influxdata/telegraf/tree/master/plugins/outputs/mqtt)
 * with its default layout `telegraf/{host}/{measurement}`: InfluxDB line protocol (the default
 * data_format) or the JSON serializer, sniffed per message. Metric names are
 * `measurement.field`; the device is the `host` tag, else the topic's host level.
 */
import { context } from '../decoders/context.ts';
import { decodeTelegraf } from '../decoders/telegraf.ts';
import { deviceIdFor } from '../identity.ts';
import { pattern } from '../pattern.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { GATEWAY_ONLY, RETAINED } from './common.ts';

const TOPIC = pattern('telegraf/{host}/{measurement}');

export function telegrafSource(): Source {
  return {
    name: 'telegraf',
    filters: [TOPIC.filter],
    firstLevels: ['telegraf'],
    decode(message: SourceMessage): Decoded | undefined {
      if (!message.topic.startsWith('telegraf/')) return undefined;
      const m = TOPIC.match(message.topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      const host = m['host']!;
      return decodeTelegraf(message.payload, context(message.receivedAt, deviceIdFor(host), host, { deviceTag: 'host' }));
    },
    // The payload's `host` tag wins over the topic's host: only a gateway may publish here.
    claim: (topic: string): TopicClaim | undefined => (topic.startsWith('telegraf/') && TOPIC.match(topic) ? GATEWAY_ONLY : undefined),
  };
}
