/**
 * vigil_bus_rejected_total as a prom-client collector, for every process that consumes Vigil
 * topics: the API (consumer="api") and ingest's alerter (consumer="alerter"). In the all-in-one
 * both live in one process and one family; the `consumer` label keeps them apart. Topic and
 * reason come from closed sets, so the label space cannot grow from the bus.
 */
import { Counter, type Registry } from 'prom-client';
import type { BusRejectedCounts } from './ingest-stats.ts';

export type BusConsumer = 'api' | 'alerter';

export interface BusRejectedSource {
  readonly consumer: BusConsumer;
  /** Read at every scrape: the counts as they are now. */
  read(): BusRejectedCounts;
}

export function registerBusRejected(registry: Registry, sources: readonly BusRejectedSource[]): void {
  new Counter({
    name: 'vigil_bus_rejected_total',
    help: 'messages on Vigil topics dropped because they did not decode, by the consumer that dropped them, topic and reason',
    labelNames: ['consumer', 'topic', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { consumer, read } of sources) {
        for (const [topic, byReason] of Object.entries(read())) {
          for (const [reason, n] of Object.entries(byReason ?? {})) if (n) this.inc({ consumer, topic, reason }, n);
        }
      }
    },
  });
}
