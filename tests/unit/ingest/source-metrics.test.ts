/**
 * Per-source families come from each ingest's own router (no `instance` label; Prometheus sums
 * over the targets it scrapes), in prom-client text that promtool accepts.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerSourceMetrics } from '../../../ingest/source-metrics.ts';
import { SourceRouter } from '../../../sources/router.ts';
import { vigilSource } from '../../../sources/vigil.ts';

const message = (topic: string, payload: string) => ({ topic, payload: Buffer.from(payload), retain: false, receivedAt: Date.now() });

describe('source metrics', () => {
  it('counts what this process routed, per source and reason, and says whether it is a duplicate consumer', async () => {
    const router = new SourceRouter([vigilSource('devices')]);
    router.route(message('devices/a/telemetry', '{"t":1,"h":2}'));
    router.route(message('devices/a/telemetry', '{"t":"x"}'));
    router.route(message('elsewhere/x', '1'));
    let duplicate = false;
    const registry = new Registry();
    registerSourceMetrics(registry, router, () => duplicate);
    let text = await registry.metrics();
    expect(text).toContain('# TYPE vigil_source_messages_total counter');
    expect(text).toContain('vigil_source_messages_total{source="vigil"} 2');
    expect(text).toContain('vigil_source_points_total{source="vigil"} 2');
    expect(text).toContain('vigil_source_skipped_fields_total{source="vigil"} 0');
    expect(text).toContain('vigil_source_rejected_total{source="vigil",reason="bad_value"} 1');
    expect(text).toContain('vigil_ingest_duplicate_consumers 0');
    expect(text).not.toContain('instance=');
    duplicate = true;
    text = await registry.metrics();
    expect(text).toContain('vigil_ingest_duplicate_consumers 1');
  });
});
