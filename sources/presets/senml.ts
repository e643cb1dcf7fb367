/** SenML JSON (RFC 8428) on `senml/{device}`: see decoders/senml.ts for the record rules. */
import { context } from '../decoders/context.ts';
import { decodeSenml } from '../decoders/senml.ts';
import { deviceIdFor } from '../identity.ts';
import { pattern } from '../pattern.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { ownedBy, RETAINED } from './common.ts';

const TOPIC = pattern('senml/{device}');

export function senmlSource(): Source {
  return {
    name: 'senml',
    filters: [TOPIC.filter],
    firstLevels: ['senml'],
    decode(message: SourceMessage): Decoded | undefined {
      if (!message.topic.startsWith('senml/')) return undefined;
      const m = TOPIC.match(message.topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      const device = m['device']!;
      return decodeSenml(message.payload, context(message.receivedAt, deviceIdFor(device), device));
    },
    // The topic's device wins over the records' `bn` (decoders/senml.ts).
    claim(topic: string): TopicClaim | undefined {
      const m = topic.startsWith('senml/') ? TOPIC.match(topic) : null;
      return m ? ownedBy(m['device']!) : undefined;
    },
  };
}
