import { randomBytes } from 'node:crypto';
import type { Router } from '@koa/router';
import { parseRule, ruleInputSchema, type Rule } from '../../domain/rule.ts';
import { describeRoute } from '../route-docs.ts';
import { BUS, publishBus } from '../../bus/index.ts';
import { readJson } from '../body.ts';
import type { ApiServices } from '../context.ts';
import { HttpError, notFound } from '../errors.ts';
import { previewRoutes } from './preview.ts';

function validRule(input: unknown, id: string): Rule {
  const parsed = parseRule(input);
  if (!parsed.ok) throw new HttpError(400, 'invalid_rule', `${parsed.field}: ${parsed.message}`, { field: parsed.field });
  return { ...parsed.rule, id } as Rule;
}

/** POST and PUT bodies go through parseRule, which is ruleInputSchema's safeParse. */
const DOCS = {
  list: describeRoute({ method: 'get', path: '/api/rules', summary: 'every alert rule' }),
  one: describeRoute({ method: 'get', path: '/api/rules/:id', summary: 'one rule; 404 for an unknown id' }),
  create: describeRoute({
    method: 'post',
    path: '/api/rules',
    summary: 'creates a rule; ingest applies it within 2 s',
    operator: true,
    body: ruleInputSchema,
    success: { status: 201, description: 'the rule with its id' },
  }),
  replace: describeRoute({ method: 'put', path: '/api/rules/:id', summary: 'replaces a rule', operator: true, body: ruleInputSchema }),
  remove: describeRoute({
    method: 'delete',
    path: '/api/rules/:id',
    summary: 'deletes a rule',
    operator: true,
    success: { status: 204, description: 'deleted' },
  }),
};

export function ruleRoutes(router: Router, services: ApiServices): void {
  const { alerts, auth, bus } = services;
  // Alerters reload on this within a step; they also poll, in case it is lost.
  const announce = () => publishBus(bus, BUS.rulesChanged, { at: services.now() });
  const ruleId = (ctx: { params: Record<string, string | undefined> }) => ctx.params['id'] ?? '';

  router.get(DOCS.list.path, (ctx) => {
    ctx.body = alerts.listRules();
  });

  router.get(DOCS.one.path, (ctx) => {
    const rule = alerts.getRule(ruleId(ctx));
    if (!rule) throw notFound(`rule ${ruleId(ctx)}`);
    ctx.body = rule;
  });

  // Bounded, rate-limited and yielding: api/routes/preview.ts.
  previewRoutes(router, services);

  router.post(DOCS.create.path, auth.requireOperator(), async (ctx) => {
    const body = await readJson(ctx);
    const rule = validRule(body, `r-${randomBytes(5).toString('hex')}`);
    alerts.putRule(rule);
    announce();
    ctx.status = 201;
    ctx.body = rule;
  });

  router.put(DOCS.replace.path, auth.requireOperator(), async (ctx) => {
    const id = ruleId(ctx);
    if (!alerts.getRule(id)) throw notFound(`rule ${id}`);
    const rule = validRule(await readJson(ctx), id);
    alerts.putRule(rule);
    announce();
    ctx.body = rule;
  });

  router.delete(DOCS.remove.path, auth.requireOperator(), (ctx) => {
    if (!alerts.deleteRule(ruleId(ctx))) throw notFound(`rule ${ruleId(ctx)}`);
    announce();
    ctx.status = 204;
  });
}
