/**
 * Debian's Prometheus and promtool (package `prometheus`, in npm test's package list): a real
 * server on a free loopback port with its config and TSDB in a temp dir, stopped by its PID.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findBinary, spawnServer } from './process.ts';

export const PROMETHEUS_PATH = findBinary('prometheus', ['/usr/bin/prometheus'], process.env['PROMETHEUS_PATH']);
export const PROMTOOL_PATH = findBinary('promtool', ['/usr/bin/promtool'], process.env['PROMTOOL_PATH']);

/** `promtool check metrics` on a scrape: its complaints (lint included), empty when clean. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL_PATH, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`cannot run promtool (apt-get install prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

export interface ScrapeJob {
  readonly job: string;
  /** host:port */
  readonly target: string;
  readonly metricsPath?: string;
}

export interface PrometheusServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(jobs: readonly ScrapeJob[], scrapeInterval = '1s'): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  scrape_timeout: ${scrapeInterval}`,
    'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${j.job}`,
      `    metrics_path: ${j.metricsPath ?? '/metrics'}`,
      '    static_configs:',
      `      - targets: ['${j.target}']`,
    ]),
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const server = spawnServer(PROMETHEUS_PATH, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  try {
    await waitForPort(port, 15_000);
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prometheus did not start: ${(err as Error).message}\n${server.output()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
