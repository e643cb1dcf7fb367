import { Readable } from 'node:stream';
import type { Router, RouterContext } from '@koa/router';
import { z } from 'zod';
import { deviceView } from '../../domain/devices.ts';
import { isDeviceId, isMetricName } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import type { ApiServices } from '../context.ts';
import { notFound } from '../errors.ts';
import { parseRange } from '../time-range.ts';
import { describeRoute, intParam, listParam, parseQuery, timeParam } from '../route-docs.ts';

const HOUR = 3_600_000;
const MAX_POINTS = 5_000;

const range = {
  from: timeParam.meta({ description: 'start: epoch ms, ISO-8601, relative (-1h) or now; default an hour before `to`', example: '-1h' }),
  to: timeParam.meta({ description: 'end, in the same forms; default now', example: 'now' }),
  metrics: listParam('metrics', isMetricName).meta({ description: 'comma-separated metric names; default all', example: 'temperature' }),
};
const readingsQuery = z.object({
  ...range,
  points: intParam('points', 1, MAX_POINTS, 500).meta({ description: `at most this many buckets (1-${MAX_POINTS})`, example: '100' }),
});
const csvQuery = z.object(range);

const DOCS = {
  list: describeRoute({ method: 'get', path: '/api/devices', summary: 'every device with its status and latest values' }),
  one: describeRoute({ method: 'get', path: '/api/devices/:id', summary: 'one device; 404 for an unknown id' }),
  csv: describeRoute({
    method: 'get',
    path: '/api/devices/:id/readings.csv',
    summary: 'raw readings as CSV (ts,metric,value), streamed',
    query: csvQuery,
    success: { status: 200, description: 'CSV', type: 'text/csv' },
  }),
  readings: describeRoute({
    method: 'get',
    path: '/api/devices/:id/readings',
    summary: 'history downsampled to at most `points` buckets: [ts, mean, min, max] per metric',
    query: readingsQuery,
  }),
};

export function deviceRoutes(router: Router, services: ApiServices): void {
  const { store, config, now } = services;

  router.get(DOCS.list.path, async (ctx) => {
    const at = now();
    ctx.body = (await store.devices()).map((d) => deviceView(d, at, config.staleAfterMs));
  });

  router.get(DOCS.one.path, async (ctx) => {
    const record = await store.device(deviceParam(ctx));
    if (!record) throw notFound(`device ${ctx.params['id']}`);
    ctx.body = deviceView(record, now(), config.staleAfterMs);
  });

  router.get(DOCS.csv.path, async (ctx) => {
    const device = await knownDevice(ctx, services);
    const query = parseQuery(ctx, csvQuery);
    const { from, to } = parseRange(query, now(), HOUR);
    const metrics = query.metrics;
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="${device.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`);
    ctx.body = Readable.from(csvLines(store.exportRaw({ device, from, to, metrics })));
  });

  router.get(DOCS.readings.path, async (ctx) => {
    const device = await knownDevice(ctx, services);
    const query = parseQuery(ctx, readingsQuery);
    const { from, to } = parseRange(query, now(), HOUR);
    const step = bucketStep(from, to, query.points);
    const series = await store.history({ device, from, to, step, metrics: query.metrics });
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
