import { Readable } from 'node:stream';
import type { Router, RouterContext } from '@koa/router';
import { deviceView } from '../../domain/devices.ts';
import { isDeviceId, isMetricName } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';
import { parseRange } from '../time-range.ts';

const HOUR = 3_600_000;
const MAX_POINTS = 5_000;

export function deviceRoutes(router: Router, services: ApiServices): void {
  const { store, config, now } = services;

  router.get('/api/devices', async (ctx) => {
    const at = now();
    ctx.body = (await store.devices()).map((d) => deviceView(d, at, config.staleAfterMs));
  });

  router.get('/api/devices/:id', async (ctx) => {
    const record = await store.device(deviceParam(ctx));
    if (!record) throw notFound(`device ${ctx.params['id']}`);
    ctx.body = deviceView(record, now(), config.staleAfterMs);
  });

  router.get('/api/devices/:id/readings.csv', async (ctx) => {
    const device = await knownDevice(ctx, services);
    const { from, to } = parseRange(queryOf(ctx), now(), HOUR);
    const metrics = metricsParam(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="${device.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`);
    ctx.body = Readable.from(csvLines(store.exportRaw({ device, from, to, metrics })));
  });

  router.get('/api/devices/:id/readings', async (ctx) => {
    const device = await knownDevice(ctx, services);
    const { from, to } = parseRange(queryOf(ctx), now(), HOUR);
    const points = pointsParam(ctx);
    const step = bucketStep(from, to, points);
    const series = await store.history({ device, from, to, step, metrics: metricsParam(ctx) });
    ctx.body = { device, from, to, step, series };
  });
}

function deviceParam(ctx: RouterContext): string {
  const id = ctx.params['id'] ?? '';
  if (!isDeviceId(id)) throw notFound(`device ${id.slice(0, 80)}`);
  return id;
}

async function knownDevice(ctx: RouterContext, services: ApiServices): Promise<string> {
  const id = deviceParam(ctx);
  if (!(await services.store.device(id))) throw notFound(`device ${id}`);
  return id;
}

function queryOf(ctx: RouterContext): { from?: string; to?: string } {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return { from: one(ctx.query['from']), to: one(ctx.query['to']) };
}

function metricsParam(ctx: RouterContext): string[] | undefined {
  const raw = ctx.query['metrics'];
  if (raw === undefined || raw === '') return undefined;
  const names = (Array.isArray(raw) ? raw.join(',') : raw)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const bad = names.find((m) => !isMetricName(m));
  if (bad !== undefined) throw badRequest('bad_metrics', `metric name ${JSON.stringify(bad.slice(0, 80))} is not valid`);
  return names;
}

function pointsParam(ctx: RouterContext): number {
  const raw = ctx.query['points'];
  if (raw === undefined || raw === '') return 500;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_POINTS)
    throw badRequest('bad_points', `points must be a whole number from 1 to ${MAX_POINTS}`);
  return n;
}

async function* csvLines(rows: AsyncIterable<{ ts: number; metric: string; value: number }>): AsyncGenerator<string> {
  yield 'ts,metric,value\n';
  let chunk = '';
  for await (const row of rows) {
    // Metric names are [A-Za-z0-9_.] by the payload contract, so no CSV quoting is needed.
    chunk += `${row.ts},${row.metric},${row.value}\n`;
    if (chunk.length > 64_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
