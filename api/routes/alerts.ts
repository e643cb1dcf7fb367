import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { MAX_ACK_NOTE } from '../../domain/alert.ts';
import { isDeviceId } from '../../domain/reading.ts';
import { SEVERITIES } from '../../domain/rule.ts';
import { AlertFanOut } from '../../alerts/fan-out.ts';
import { readJson } from '../body.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { commaList, describeRoute, intParam, parseQuery, single } from '../route-docs.ts';
import { parseTime } from '../time-range.ts';

export const MAX_BULK_ACK = 500;

/** Alert ids are 20 base64url characters (domain/alert.ts); rule ids follow the rule schema. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const listQuery = z.object({
  state: single(z.enum(['active', 'all'], { message: 'state must be active or all' }).default('active')).meta({
    description: '`active` (firing; default) or `all`',
    example: 'all',
  }),
  device: single(z.string().refine(isDeviceId, 'device must be a device id').optional()).meta({
    description: 'one device id',
    example: 'sim-001',
  }),
  severity: commaList(z.enum(SEVERITIES, { message: 'severity must be info, warning or critical (a comma list is fine)' })).meta({
    description: 'info, warning or critical; a comma list',
    example: 'critical,warning',
  }),
  rule: single(z.string().regex(ID, 'rule must be a rule id').optional()).meta({ description: 'one rule id', example: 'temp-high' }),
  acknowledged: single(z.enum(['true', 'false'], { message: 'acknowledged must be true or false' }).optional()).meta({
    description: 'only acknowledged (true) or unacknowledged (false) alerts',
    example: 'false',
  }),
  from: single(z.string().optional()).meta({
    description: 'startedAt at or after: epoch ms, ISO-8601 with a zone, -1h or now-1h',
    example: '-1d',
  }),
  to: single(z.string().optional()).meta({ description: 'startedAt at or before, in the same forms', example: 'now' }),
  limit: intParam('limit', 1, 1_000, 100).meta({ description: 'at most this many (1-1000, default 100)', example: '10' }),
});

const note = z
  .string()
  .max(MAX_ACK_NOTE, `note is at most ${MAX_ACK_NOTE} characters`)
  .nullable()
  .optional()
  // An empty note is no note.
  .transform((n) => (n === undefined || n === null || n.trim() === '' ? null : n));

const ackBody = z.strictObject({ note });
const bulkAckBody = z.strictObject({
  ids: z
    .array(z.string().regex(ID, 'ids must be alert ids'), { message: 'ids must be a list of alert ids' })
    .min(1, 'ids must name at least one alert')
    .max(MAX_BULK_ACK, `at most ${MAX_BULK_ACK} ids at once`),
  note,
});

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
  throw new HttpError(400, 'invalid_ack', `${field}: ${message}`, { field });
}

/** The single ack's body is optional: no body (or an empty one) is an acknowledgement without a note. */
async function optionalJson(ctx: Context): Promise<unknown> {
  const length = Number(ctx.get('Content-Length') || 0);
  if (length === 0 && !ctx.get('Transfer-Encoding')) return {};
  return readJson(ctx);
}

const DOCS = {
  list: describeRoute({
    method: 'get',
    path: '/api/alerts',
    summary: 'alerts: firing before resolved, then critical, warning, info, then newest first',
    query: listQuery,
  }),
  bulkAck: describeRoute({
    method: 'post',
    path: '/api/alerts/ack',
    summary: 'acknowledges several alerts in one transaction, with an optional note',
    operator: true,
    body: bulkAckBody,
  }),
  ack: describeRoute({
    method: 'post',
    path: '/api/alerts/:id/ack',
    summary: 'acknowledges one alert, with an optional note kept as ackNote',
    operator: true,
    body: ackBody,
  }),
};

export function alertRoutes(router: Router, services: ApiServices): void {
  const { alerts, auth, bus } = services;
  // Through the broker, so every API process streams an acknowledgement, this one included.
  const fanOut = new AlertFanOut({ alerts, store: services.store, bus, webhook: services.webhook });

  router.get(DOCS.list.path, (ctx) => {
    const q = parseQuery(ctx, listQuery);
    const at = services.now();
    const from = parseTime('from', q.from, at);
    const to = parseTime('to', q.to, at);
    if (from !== null && to !== null && from > to) throw badRequest('bad_range', 'from must not be after to');
    ctx.body = alerts.listAlerts({
      state: q.state,
      limit: q.limit,
      ...(q.device !== undefined && { device: q.device }),
      ...(q.severity.length > 0 && { severity: q.severity }),
      ...(q.rule !== undefined && { ruleId: q.rule }),
      ...(q.acknowledged !== undefined && { acknowledged: q.acknowledged === 'true' }),
      ...(from !== null && { from }),
      ...(to !== null && { to }),
    });
  });

  // Registered before /:id/ack only for reading order: the paths differ in length, so never clash.
  router.post(DOCS.bulkAck.path, auth.requireOperator(), async (ctx) => {
    const body = parseBody(bulkAckBody, await readJson(ctx));
    const result = fanOut.acknowledgeMany(body.ids, services.now(), body.note);
    ctx.body = {
      acknowledged: result.acknowledged.map((a) => a.id),
      alreadyAcknowledged: result.already.map((a) => a.id),
      notFound: result.notFound,
      alerts: [...result.acknowledged, ...result.already],
    };
  });

  router.post(DOCS.ack.path, auth.requireOperator(), async (ctx) => {
    const id = ctx.params['id'] ?? '';
    const body = parseBody(ackBody, await optionalJson(ctx));
    const acked = fanOut.acknowledge(id, services.now(), body.note);
    if (!acked) throw notFound(`alert ${id}`);
    ctx.body = acked.alert;
  });
}
