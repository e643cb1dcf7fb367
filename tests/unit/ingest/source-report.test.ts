/**
 * What ingest reports on vigil/stats/sources: counters and topics per source, and the unmatched
 * list in turns that each fit one message, so 200 topics with 1 KiB payloads all reach the API
 * within a few reports, and what changed goes first.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SOURCES_BYTES, sourcesStats } from '../../../bus/sources.ts';
import { SourceReporter } from '../../../ingest/source-report.ts';
import { SourceRouter, UNMATCHED_PAYLOAD_LIMIT } from '../../../sources/router.ts';
import { vigilSource } from '../../../sources/vigil.ts';
import { siteSource } from '../../helpers/test-source.ts';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function setup(suggest?: (topic: string) => string | null) {
  const router = new SourceRouter([vigilSource('devices'), siteSource()]);
  const kinds = new Map([
    ['vigil', 'native' as const],
    ['site', 'custom' as const],
  ]);
  const reporter = new SourceReporter('ingest-1', router, { sources: router.sources, kinds, ...(suggest ? { suggest } : {}) });
  const unmatched = (topic: string, payload: string, at = NOW) =>
    router.route({ topic, payload: Buffer.from(payload), retain: false, receivedAt: at });
  return { router, reporter, unmatched };
}

/** Encodes and decodes like the bus does, so the size and the schema are checked too. */
function wire(reporter: SourceReporter, at = NOW) {
  const text = sourcesStats.encode(reporter.snapshot(at));
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SOURCES_BYTES);
  const decoded = sourcesStats.decode(Buffer.from(text), at);
  if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail}`);
  return decoded.value;
}

describe('SourceReporter', () => {
  it('reports each source with its kind, filters and counters', () => {
    const { router, reporter } = setup();
    router.route({ topic: 'site/a/value', payload: Buffer.from('1'), retain: false, receivedAt: NOW });
    router.addFilters('site', ['plant/a/temp']);
    const snap = wire(reporter);
    expect(snap.sources).toEqual([
      {
        name: 'vigil',
        kind: 'native',
        topics: ['devices/+/telemetry', 'devices/+/status'],
        counters: { matched: 0, points: 0, skippedFields: 0, tsFallbacks: 0, ignored: 0, rejected: {} },
      },
      {
        name: 'site',
        kind: 'custom',
        topics: ['site/+/value', 'site/+/status', 'site/+/config', 'site/bridge/#', 'plant/a/temp'],
        counters: { matched: 1, points: 1, skippedFields: 0, tsFallbacks: 0, ignored: 0, rejected: {} },
      },
    ]);
    expect(snap.duplicateConsumer).toBe(false);
  });

  it('sends 200 topics of 1 KiB each over several reports, each under the byte cap, changed ones first', () => {
    const { reporter, unmatched } = setup();
    // \u0001 is escaped as six bytes of JSON: the worst case for the budget.
    for (let i = 0; i < 200; i++) unmatched(`other/${i}`, '\u0001'.repeat(2 * UNMATCHED_PAYLOAD_LIMIT), NOW - 1_000 + i);
    const seen = new Set<string>();
    let reports = 0;
    while (seen.size < 200 && reports < 100) {
      const snap = wire(reporter, NOW + reports);
      expect(snap.unmatched.length).toBeGreaterThan(0);
      for (const u of snap.unmatched) {
        expect(u.payload).toHaveLength(UNMATCHED_PAYLOAD_LIMIT);
        seen.add(u.topic);
      }
      reports++;
    }
    expect(seen.size).toBe(200);
    expect(reports).toBeLessThan(40);
    // A topic heard again goes out in the very next report, before those merely due again.
    unmatched('other/3', 'again', NOW + 500);
    const next = wire(reporter, NOW + 500);
    expect(next.unmatched[0]).toMatchObject({ topic: 'other/3', count: 2, payload: 'again' });
  });

  it('suggests a preset through the optional function, once per new payload', () => {
    let asked = 0;
    const { reporter, unmatched } = setup((topic) => {
      asked++;
      return topic.startsWith('tele/') ? 'tasmota' : null;
    });
    unmatched('tele/plug/SENSOR', '{"ENERGY":{"Power":3}}');
    unmatched('weird/topic', 'x');
    const snap = wire(reporter);
    expect(snap.unmatched.map((u) => [u.topic, u.suggested])).toEqual([
      ['weird/topic', null],
      ['tele/plug/SENSOR', 'tasmota'],
    ]);
    wire(reporter, NOW + 1);
    expect(asked).toBe(2);
  });

  it('leaves out what the schema would refuse instead of losing the whole report', () => {
    const { reporter, unmatched } = setup(() => 'Not A Name');
    unmatched(`x/${'t'.repeat(600)}`, '1');
    unmatched('y/1', '1');
    const snap = wire(reporter);
    expect(snap.unmatched.map((u) => [u.topic, u.suggested])).toEqual([['y/1', null]]);
  });
});
