/**
 * POST /api/rules/preview: a rule run over stored history. It is the API's most expensive
 * request, so it is bounded three ways: the work (devices × range) is checked before anything is
 * read (413), each client may run PREVIEWS_PER_MINUTE (429 with Retry-After), and at most
 * PREVIEWS_AT_ONCE run at a time with a short queue behind them (429 past it). The preview itself
 * yields to the event loop (alerts/preview.ts). Reads guard it like every /api/ route.
 */
import type { Router } from '@koa/router';
import { z } from 'zod';
import { ruleInputSchema, type Rule } from '../../domain/rule.ts';
import { describeRoute } from '../route-docs.ts';
import { PREVIEW_MAX_TRANSITIONS, planPreview, previewRule } from '../../alerts/preview.ts';
import { readJson } from '../body.ts';
import type { ApiServices } from '../context.ts';
import { HttpError } from '../errors.ts';
import { RequestLimiter, WorkGate } from '../rate-limit.ts';
import { parseRange } from '../time-range.ts';

const PREVIEW_MAX_SPAN_MS = 31 * 86_400_000;
export const PREVIEWS_PER_MINUTE = 20;
const PREVIEWS_AT_ONCE = 2;
const PREVIEWS_QUEUED = 16;

const time = z
  .union([z.number(), z.string()], { error: 'from and to must be epoch ms, ISO-8601 or relative like -1h' })
  .optional()
  .transform((v) => (v === undefined ? undefined : String(v)));
const previewBody = z.object({
  rule: ruleInputSchema,
  from: time.meta({ description: 'epoch ms, ISO-8601 or relative (-1d); default an hour before `to`' }),
  to: time.meta({ description: 'default now' }),
});

const DOC = describeRoute({
  method: 'post',
  path: '/api/rules/preview',
  summary: 'the transitions a rule would have produced over stored history (at most 31 days)',
  body: previewBody,
});

/** The body through previewBody; a problem in the rule is `invalid_rule` naming its field, as for POST /api/rules. */
function parsePreview(body: unknown): z.output<typeof previewBody> {
  const parsed = previewBody.safeParse(typeof body === 'object' && body !== null ? body : {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.path[0] === 'rule') {
    const field = issue.path.length > 1 ? issue.path.slice(1).join('.') : 'type';
    throw new HttpError(400, 'invalid_rule', `${field}: ${issue.message}`, { field });
  }
  throw new HttpError(400, 'bad_time', issue.message);
}

export function previewRoutes(router: Router, services: ApiServices): void {
  const limiter = new RequestLimiter(PREVIEWS_PER_MINUTE, 60_000, services.now);
  const gate = new WorkGate(PREVIEWS_AT_ONCE, PREVIEWS_QUEUED);

  router.post(DOC.path, async (ctx) => {
    const wait = limiter.take(ctx.ip);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw new HttpError(429, 'too_many_previews', `at most ${PREVIEWS_PER_MINUTE} previews a minute; try again in ${wait} s`);
    }
    const doc = parsePreview(await readJson(ctx));
    const rule = { ...doc.rule, id: 'preview' } as Rule;
    const { from, to } = parseRange(doc, services.now(), 3_600_000);
    if (to - from > PREVIEW_MAX_SPAN_MS) throw new HttpError(400, 'bad_range', 'preview ranges are limited to 31 days');
    const result = await gate.run(async () => {
      const plan = await planPreview(services.store, rule, from, to);
      if (!plan.ok) throw new HttpError(413, 'preview_too_large', plan.message);
      return previewRule(services.store, rule, from, to, plan.devices);
    });
    if (!result) {
      ctx.set('Retry-After', '5');
      throw new HttpError(429, 'previews_busy', 'too many previews are running; try again in 5 s');
    }
    ctx.body = { from, to, transitions: result.transitions, truncated: result.truncated, limit: PREVIEW_MAX_TRANSITIONS };
  });
}
