/**
 * The claims the embedded broker asks (sources/claims.ts) against what the router stores: for
 * every sample of the preset corpus, when the sources say a topic belongs to one device, every
 * reading and status decoded from it is that device's. That is what lets a signed-in device
 * publish there (broker/access.ts) without being able to write another device's readings.
 */
import { describe, expect, it } from 'vitest';
import { topicClaims } from '../../../sources/claims.ts';
import { buildSources } from '../../../sources/index.ts';
import { SourceRouter } from '../../../sources/router.ts';
import type { Decoded } from '../../../sources/types.ts';
import { RECEIVED } from './corpus/helpers.ts';
import { ALL_STATELESS } from './corpus/presets.ts';

const encoder = new TextEncoder();

function devicesOf(decoded: Decoded): string[] {
  if (decoded.kind === 'readings') return [...new Set(decoded.entries.map((e) => e.device))];
  if (decoded.kind === 'status') return [decoded.device];
  return [];
}

describe('topic claims agree with the router', () => {
  const sources = buildSources({ prefix: 'devices', enabled: 'all', custom: [] });
  const claims = topicClaims(sources);
  let owned = 0;
  for (const [preset, samples] of Object.entries(ALL_STATELESS)) {
    for (const sample of samples) {
      it(`${preset}: ${sample.name}`, () => {
        const router = new SourceRouter(sources);
        const routed = router.route({ topic: sample.topic, payload: encoder.encode(sample.payload), retain: false, receivedAt: RECEIVED });
        const found = claims(sample.topic);
        // A source that takes the topic claims it; one that does not, never does.
        if (routed.source !== null) expect(found.map((c) => c.source)).toContain(routed.source);
        const device = found[0]?.device;
        if (device === undefined || device === null || !found.every((c) => c.device === device)) return;
        owned++;
        if (routed.source !== null) for (const d of devicesOf(routed.decoded)) expect(d, sample.topic).toBe(device);
      });
    }
  }
  it('most samples are on topics that name their device', () => expect(owned).toBeGreaterThan(10));
});
