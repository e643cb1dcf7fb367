/**
 * The Node runtime's figures (prom-client's defaults: process_*, nodejs_*), for each process's
 * /metrics. prom-client names three gauges `nodejs_active_{handles,requests,resources}_total`,
 * which promtool's lint refuses (a `_total` suffix means a counter); their per-type
 * `nodejs_active_*{type}` gauges carry the same numbers, so those three are left out.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function registerRuntimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}
