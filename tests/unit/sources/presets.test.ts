import { describe, expect, it } from 'vitest';
import { buildSources } from '../../../sources/index.ts';
import { SourceRouter } from '../../../sources/router.ts';
import { RECEIVED } from './corpus/helpers.ts';
import { ALL_STATELESS } from './corpus/presets.ts';

const encoder = new TextEncoder();

describe('preset corpus: every documented payload decodes to exactly these readings, units, names and statuses', () => {
  for (const [preset, samples] of Object.entries(ALL_STATELESS)) {
    it(`${preset} has at least 3 samples`, () => expect(samples.length).toBeGreaterThanOrEqual(3));
    for (const sample of samples) {
      it(`${preset}: ${sample.name}`, () => {
        const router = new SourceRouter(buildSources({ prefix: 'devices', enabled: 'all', custom: [] }));
        const routed = router.route({
          topic: sample.topic,
          payload: encoder.encode(sample.payload),
          retain: sample.retain ?? false,
          receivedAt: RECEIVED,
        });
        expect(routed.source).toBe(sample.source);
        if (routed.source === null) return;
        expect(JSON.parse(JSON.stringify(routed.decoded))).toEqual(sample.expect);
      });
    }
  }
});
