/**
 * The benchmark's own settings, read from the environment once, here: the bench's config edge.
 * - BENCH_VIGIL_ROOT: start Vigil's processes from another checkout, to A/B a change.
 * - BENCH_INFLUX_URL / BENCH_INFLUX_TOKEN: use a running InfluxDB instead of a throwaway influxd.
 * - BENCH_INGEST_CONNECTIONS: INGEST_CONNECTIONS for the ingest the benchmark starts (unset: the
 *   default, which is what a deployment gets), to measure other counts.
 */
const env = process.env;

export const BENCH_SETTINGS = {
  vigilRoot: env['BENCH_VIGIL_ROOT'] || undefined,
  influxUrl: env['BENCH_INFLUX_URL'] || undefined,
  influxToken: env['BENCH_INFLUX_TOKEN'] || undefined,
  ingestConnections: env['BENCH_INGEST_CONNECTIONS'] || undefined,
} as const;

/** What the benchmark's children inherit before the harness strips Vigil's own settings. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...env };
}
