/**
 * A test-only device source, so ingest's source wiring is exercised end to end without the
 * presets: `site/{device}/value` carries a bare number (metric `value`, unit °C), optionally
 * `number@epochMs` (so a stream of readings can have distinct timestamps),
 * `site/{device}/status` online/offline, `site/{device}/config` a JSON `{"state_topic"}` that
 * makes the source subscribe to that topic (whose bare numbers are then the device's `value`),
 * and `site/bridge/#` is the source's own chatter, ignored. Other `site/` topics are not its own.
 */
import { MIN_TS_MS } from '../../domain/reading.ts';
import type { Decoded, Source, SourceMessage } from '../../sources/types.ts';

const utf8 = new TextDecoder();

export function siteSource(name = 'site'): Source {
  /** State topic -> device, learned from config messages. */
  const stateTopics = new Map<string, string>();
  const value = (device: string, message: SourceMessage): Decoded => {
    const [text = '', at] = utf8.decode(message.payload).trim().split('@');
    const n = Number(text);
    if (text === '' || !Number.isFinite(n))
      return { kind: 'rejected', device, reason: 'bad_value', detail: `not a number: ${text.slice(0, 40)}` };
    const given = Number(at);
    const ts = at !== undefined && Number.isInteger(given) && given >= MIN_TS_MS ? given : message.receivedAt;
    return {
      kind: 'readings',
      entries: [{ device, ts, values: { value: n } }],
      meta: [{ device, name: `Site ${device}`, units: { value: '°C' } }],
      skippedFields: 0,
      tsFallbacks: 0,
    };
  };
  return {
    name,
    filters: ['site/+/value', 'site/+/status', 'site/+/config', 'site/bridge/#'],
    decode(message) {
      const known = stateTopics.get(message.topic);
      if (known !== undefined) return value(known, message);
      const parts = message.topic.split('/');
      if (parts[0] !== 'site') return undefined;
      if (parts[1] === 'bridge') return { kind: 'ignored', why: 'bridge' };
      if (parts.length !== 3) return undefined;
      const device = parts[1]!;
      if (message.retain && parts[2] !== 'config') return { kind: 'ignored', why: 'retained' };
      if (parts[2] === 'value') return value(device, message);
      if (parts[2] === 'status') {
        const text = utf8.decode(message.payload);
        if (text !== 'online' && text !== 'offline') return { kind: 'rejected', device, reason: 'bad_status', detail: 'online or offline' };
        return { kind: 'status', device, status: text, meta: [] };
      }
      if (parts[2] === 'config') {
        let doc: unknown;
        try {
          doc = JSON.parse(utf8.decode(message.payload));
        } catch {
          return { kind: 'rejected', device, reason: 'invalid_json', detail: 'config is not JSON' };
        }
        const topic = typeof doc === 'object' && doc !== null && 'state_topic' in doc ? doc.state_topic : undefined;
        if (typeof topic !== 'string') return { kind: 'rejected', device, reason: 'wrong_shape', detail: 'no state_topic' };
        stateTopics.set(topic, device);
        return { kind: 'configured', subscribe: [topic], meta: [{ device, name: `Site ${device}` }] };
      }
      return undefined;
    },
  };
}
