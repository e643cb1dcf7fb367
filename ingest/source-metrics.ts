/**
 * The per-source families (SPEC "Nothing is silent"), read from this process's router at scrape
 * time. Served by whoever serves ingest's registry: a standalone ingest on INGEST_METRICS_PORT,
 * the all-in-one through the API. Each process counts only what it routed, so Prometheus sums
 * over replicas without counting anything twice.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SourceRouter } from '../sources/router.ts';

export function registerSourceMetrics(registry: Registry, router: SourceRouter, duplicateConsumer: () => boolean): void {
  const registers = [registry];
  const perSource = (name: string, help: string, read: (c: SourceRouter['counters'] extends Map<string, infer C> ? C : never) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const [source, counters] of router.counters) this.inc({ source }, read(counters));
      },
    });
  perSource('vigil_source_messages_total', 'device messages each source claimed', (c) => c.matched);
  perSource('vigil_source_points_total', 'metric values each source handed to the store', (c) => c.points);
  perSource('vigil_source_skipped_fields_total', 'payload fields a source left out (strings, nulls, arrays)', (c) => c.skippedFields);
  perSource(
    'vigil_source_ts_fallbacks_total',
    'device timestamps outside the accepted window, replaced by the receive time',
    (c) => c.tsFallbacks,
  );
  new Counter({
    name: 'vigil_source_rejected_total',
    help: 'device messages a source rejected, by reason',
    labelNames: ['source', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const [source, counters] of router.counters)
        for (const [reason, n] of Object.entries(counters.rejected)) this.inc({ source, reason }, n ?? 0);
    },
  });
  new Gauge({
    name: 'vigil_ingest_duplicate_consumers',
    help: '1 when this ingest reads devices without a shared subscription while another instance runs (both store every message)',
    registers,
    collect() {
      this.set(duplicateConsumer() ? 1 : 0);
    },
  });
}
