import { Readable } from 'node:stream';
import type { Router, RouterContext } from '@koa/router';
import { z } from 'zod';
import { deviceView, hasRegistryContent, unseenDevice, type DeviceView } from '../../domain/devices.ts';
import { DEVICE_ID, isDeviceId, isMetricName } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import type { ApiServices } from '../context.ts';
import { readJson } from '../body.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { listFilter, listQuery, parseRegistryPatch } from './device-registry.ts';
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
  list: describeRoute({
    method: 'get',
    path: '/api/devices',
    summary: 'devices with name, labels, units, status and latest values, filtered and paged (total in X-Total-Count)',
    query: listQuery,
  }),
  one: describeRoute({ method: 'get', path: '/api/devices/:id', summary: 'one device; 404 for an unknown id' }),
  put: describeRoute({
    method: 'put',
    path: '/api/devices/:id',
    summary: "sets the device's registry entry: name, labels, units (operator values win over discovered ones)",
    operator: true,
  }),
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
  const { store, config, now, registry } = services;

  router.get(DOCS.list.path, async (ctx) => {
    const query = parseQuery(ctx, listQuery);
    const at = now();
    const entries = registry.entries();
    const records = new Map((await store.devices()).map((d) => [d.id, d]));
    // Pre-registered devices (an operator named them before they reported) are listed too, until
    // every value of theirs is cleared again.
    for (const [id, entry] of entries) if (!records.has(id) && hasRegistryContent(entry)) records.set(id, unseenDevice(id));
    const views = [...records.values()]
      .map((record) => deviceView(record, at, config.staleAfterMs, entries.get(record.id)))
      .filter(listFilter(query))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    ctx.set('X-Total-Count', String(views.length));
    ctx.body = views.slice(query.offset, query.offset + query.limit);
  });

  router.get(DOCS.one.path, async (ctx) => {
    ctx.body = await viewOf(deviceParam(ctx), services);
  });

  router.put(DOCS.put.path, services.auth.requireOperator(), async (ctx) => {
    const id = ctx.params['id'] ?? '';
    if (!isDeviceId(id)) throw badRequest('bad_device', `device id ${JSON.stringify(id.slice(0, 80))} does not match ${DEVICE_ID.source}`);
    const patch = parseRegistryPatch(await readJson(ctx));
    if (!registry.setOperator(id, patch, now()))
      throw new HttpError(503, 'registry_full', `the device registry holds its maximum of ${registry.stats().maxEntries} devices`);
    const view = await viewOf(id, services, true);
    services.registryEvents.flush({ device: id, status: view.status });
    ctx.body = view;
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

/** A device the store or the registry knows (a pre-registered one has no readings yet, but exists). */
async function knownDevice(ctx: RouterContext, services: ApiServices): Promise<string> {
  const id = deviceParam(ctx);
  if (!(await services.store.device(id)) && !hasRegistryContent(services.registry.entry(id))) throw notFound(`device ${id}`);
  return id;
}

/** `always`: answer even for a device known to nobody (what a PUT that cleared everything returns). */
async function viewOf(id: string, services: ApiServices, always = false): Promise<DeviceView> {
  const entry = services.registry.entry(id);
  const record = (await services.store.device(id)) ?? (always || hasRegistryContent(entry) ? unseenDevice(id) : undefined);
  if (!record) throw notFound(`device ${id}`);
  return deviceView(record, services.now(), services.config.staleAfterMs, entry);
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
