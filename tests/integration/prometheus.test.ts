/**
 * /metrics in Prometheus's own terms: promtool (Debian's `prometheus` package) passes the scrape
 * of the all-in-one and of a standalone ingest, no family carries an `instance` or `job` label,
 * each tier reports only what it counted itself, and a real Prometheus scraping the all-in-one
 * stores Vigil series without renaming any label to `exported_instance`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { start as startApi, type ApiHandle } from '../../api/index.ts';
import { start as startIngest, type IngestHandle } from '../../ingest/index.ts';
import { parseConfig } from '../../lib/config.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { freePort } from '../helpers/ports.ts';
import { promtoolCheckMetrics, startPrometheus, type PrometheusServer } from '../helpers/prometheus.ts';
import { eventually, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};
/** Every label name used on any sample. */
const labelNames = (text: string) =>
  new Set([...text.matchAll(/^[a-z_:][\w:]*\{([^}]*)\}/gim)].flatMap((m) => [...m[1]!.matchAll(/(\w+)="/g)].map((l) => l[1]!)));
const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

describe('the all-in-one /metrics', () => {
  let vigil: TestVigil;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    vigil = await startTestVigil();
    const device = await connectClient(vigil.brokerUrl);
    await device.publishAsync('devices/prom-1/telemetry', JSON.stringify({ t: 21.5 }), { qos: 1 });
    await device.publishAsync('devices/prom-1/telemetry', 'not json', { qos: 1 });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await closeClients();
    await vigil?.dispose();
  });

  it('passes promtool check metrics, with ingest and API families and no instance or job label', async () => {
    const text = await eventually(async () => {
      const t = await scrape(`${vigil.url}/metrics`);
      // Ingest reports to the API's bus once a second; its own counters are read live.
      return /^vigil_messages_received_total 2$/m.test(t) && /^vigil_ingest_instances 1$/m.test(t) ? t : undefined;
    }, 5_000);
    const check = promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    expect(labelNames(text)).not.toContain('instance');
    expect(labelNames(text)).not.toContain('job');
    for (const name of ['vigil_messages_received_total', 'vigil_write_latency_seconds', 'vigil_sse_clients', 'vigil_http_requests_total'])
      expect(families(text)).toContain(name);
    expect(text).toMatch(/^vigil_messages_rejected_total\{reason="invalid_json"\} 1$/m);
    expect(text).toMatch(/^vigil_write_latency_seconds_count 1$/m);
    expect(text).toMatch(/^vigil_ingest_instances 1$/m);
  });

  it('is scraped by a real Prometheus, which keeps its own instance label and renames nothing', async () => {
    const target = new URL(vigil.url).host;
    prometheus = await startPrometheus([{ job: 'vigil', target }]);
    const vectorSchema = z.object({
      status: z.literal('success'),
      data: z.object({ result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
    });
    const query = async (promql: string) => {
      const res = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return vectorSchema.parse(await res.json()).data.result;
    };
    const [series] = await eventually(
      async () => {
        const result = await query('vigil_messages_received_total');
        return result.length > 0 ? result : undefined;
      },
      20_000,
      'Prometheus has scraped vigil_messages_received_total',
    );
    expect(series!.metric).toEqual({ __name__: 'vigil_messages_received_total', job: 'vigil', instance: target });
    expect(series!.value[1]).toBe('2');
    // Nothing anywhere in what Prometheus stored from Vigil had to be renamed.
    expect(await query('{job="vigil", exported_instance!=""}')).toEqual([]);
    expect(await query('{job="vigil", exported_job!=""}')).toEqual([]);
    expect((await query('up{job="vigil"}'))[0]?.value[1]).toBe('1');
  });
});

describe('a standalone ingest and a standalone API', () => {
  let mosquitto: MosquittoServer;
  let ingest: IngestHandle;
  let api: ApiHandle;
  let dir: string;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'vigil-prom-split-'));
    const env = {
      MQTT_URL: mosquitto.url,
      SQLITE_PATH: join(dir, 'vigil.db'),
      VIGIL_TOKEN: 'prom-split-token-0123456789',
      LOG_LEVEL: 'silent',
    };
    const ingestConfig = parseConfig({ ...env, INSTANCE_ID: 'split-1', INGEST_METRICS_PORT: String(await freePort()) });
    const apiConfig = parseConfig({ ...env, PORT: String(await freePort()) });
    if (!ingestConfig.ok || !apiConfig.ok) throw new Error('bad test config');
    ingest = await startIngest(ingestConfig.config);
    api = await startApi(apiConfig.config);
    const device = await connectClient(mosquitto.url);
    await device.publishAsync('devices/split-1/telemetry', JSON.stringify({ t: 1 }), { qos: 1 });
  });
  afterAll(async () => {
    await closeClients();
    await api?.stop();
    await ingest?.stop();
    await mosquitto?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ingest serves its own counters on INGEST_METRICS_PORT, and they pass promtool', async () => {
    expect(ingest.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await eventually(async () => {
      const t = await scrape(ingest.metricsUrl!);
      return /^vigil_messages_accepted_total 1$/m.test(t) ? t : undefined;
    }, 5_000);
    const check = promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    expect(labelNames(text)).not.toContain('instance');
    expect(families(text)).toContain('vigil_alert_leader');
    expect(families(text)).toContain('vigil_bus_rejected_total');
    expect(families(text)).toContain('process_cpu_seconds_total');
    // API-side figures are the API's to report.
    expect(families(text)).not.toContain('vigil_sse_clients');
    expect((await fetch(ingest.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
  });

  it("the API reports its own figures and how many ingest processes it hears, never ingest's counters", async () => {
    const text = await eventually(async () => {
      const t = await scrape(`${api.url}/metrics`);
      return /^vigil_ingest_instances 1$/m.test(t) ? t : undefined;
    }, 5_000);
    expect(families(text)).toContain('vigil_sse_clients');
    expect(families(text)).not.toContain('vigil_messages_received_total');
    expect(families(text)).not.toContain('vigil_write_latency_seconds');
    expect(labelNames(text)).not.toContain('instance');
    expect(promtoolCheckMetrics(text).status).toBe(0);
  });
});
