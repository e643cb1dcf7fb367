import { Readable } from 'node:stream';
import type { Router, RouterContext } from '@koa/router';
import { deviceView, hasRegistryContent, unseenDevice, type DeviceView } from '../../domain/devices.ts';
import { DEVICE_ID, isDeviceId, isMetricName } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import type { ApiServices } from '../context.ts';
import { readJson } from '../body.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { parseQuery } from '../query.ts';
import { listFilter, listQuery, parseRegistryPatch } from './device-registry.ts';
import { parseRange } from '../time-range.ts';

const HOUR = 3_600_000;
const MAX_POINTS = 5_000;

export function deviceRoutes(router: Router, services: ApiServices): void {
  const { store, config, now, registry } = services;

  router.get('/api/devices', async (ctx) => {
    const query = parseQuery(listQuery, ctx.query);
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

  router.get('/api/devices/:id', async (ctx) => {
    ctx.body = await viewOf(deviceParam(ctx), services);
  });

  router.put('/api/devices/:id', services.auth.requireOperator(), async (ctx) => {
    const id = ctx.params['id'] ?? '';
    if (!isDeviceId(id)) throw badRequest('bad_device', `device id ${JSON.stringify(id.slice(0, 80))} does not match ${DEVICE_ID.source}`);
    const patch = parseRegistryPatch(await readJson(ctx));
    if (!registry.setOperator(id, patch, now()))
      throw new HttpError(503, 'registry_full', `the device registry holds its maximum of ${registry.stats().maxEntries} devices`);
    const view = await viewOf(id, services, true);
    services.registryEvents.flush({ device: id, status: view.status });
    ctx.body = view;
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
