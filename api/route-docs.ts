/**
 * One place per route for what GET /api/openapi.json says about it: `describeRoute` sits next to
 * the route's handler with the very zod schemas the handler validates with (query and body), so
 * the document cannot drift from what the route accepts. A new route adds one describeRoute call
 * beside its router.get/post/… (tests/unit/api/openapi.test.ts fails for a route without one).
 * The query helpers are here too, so every route reads its query through a schema it documents.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from './errors.ts';

export type RouteMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteDoc {
  readonly method: RouteMethod;
  /** Koa router syntax: `/api/devices/:id`. */
  readonly path: string;
  readonly summary: string;
  /** Needs the operator token (reads need it only beyond loopback). */
  readonly operator?: boolean;
  /** Every key a string as it comes in the URL; `.meta({ description, example })` on each. */
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The success status and what it returns, when not 200 with JSON. */
  readonly success?: { readonly status: number; readonly description: string; readonly type?: string };
}

const routes = new Map<string, RouteDoc>();

/** Registers a route's description (once per method and path) and returns it for the handler's use. */
export function describeRoute<const T extends RouteDoc>(doc: T): T {
  routes.set(`${doc.method.toUpperCase()} ${doc.path}`, doc);
  return doc;
}

export function describedRoutes(): readonly RouteDoc[] {
  return [...routes.values()];
}

/**
 * The query through its schema, as Koa parsed it (a repeated key is an array: each parameter's
 * helper below says what it makes of one). The first problem becomes 400 `bad_<key>` with the
 * schema's message, naming the parameter, and `field` in the error body.
 */
export function parseQuery<S extends z.ZodObject>(ctx: Pick<Context, 'query'>, schema: S): z.output<S> {
  const parsed = schema.safeParse(ctx.query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'query');
  const message = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  throw new HttpError(400, `bad_${field}`, message, { field });
}

/** A parameter given once; given several times, the first counts. */
export function single<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v[0] : v), schema);
}

/** A parameter given as a comma list, repeated, or both: its non-empty items, each through `item`. */
export function commaList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) =>
      (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
        .flatMap((s: unknown) => String(s).split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    z.array(item),
  );
}

/** A parameter that may be repeated (a label value may hold commas, so no splitting): its non-empty values. */
export function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((s) => s !== ''), z.array(item));
}

/** A whole number in [min, max] from its decimal text; empty or absent gives the default. */
export function intParam(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return single(
    z
      .string()
      .regex(/^\d{0,16}$/, message)
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === '') return fallback;
        const n = Number(v);
        if (n >= min && n <= max) return n;
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }),
  );
}

/**
 * A comma-separated list (its first value when repeated) whose every entry passes `valid`; empty
 * or absent means no filter (undefined).
 */
export function listParam(name: string, valid: (v: string) => boolean) {
  return single(
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined || raw === '') return undefined;
        const items = raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = items.find((v) => !valid(v));
        if (bad !== undefined) {
          ctx.addIssue({ code: 'custom', message: `${name} has an invalid entry ${JSON.stringify(bad.slice(0, 80))}` });
          return z.NEVER;
        }
        return items;
      }),
  );
}

/** A time as the API takes it (api/time-range.ts checks it): epoch ms, ISO-8601, relative or now. */
export const timeParam = single(z.string().optional());
