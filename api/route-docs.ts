/**
 * One place per route for what GET /api/openapi.json says about it: `describeRoute` sits next to
 * the route's handler with the very zod schemas the handler validates with (query and body), so
 * the document cannot drift from what the route accepts. A new route adds one describeRoute call
 * beside its router.get/post/… (tests/unit/api/openapi.test.ts fails for a route without one).
 */
import type { Context } from 'koa';
import { z } from 'zod';
import { badRequest } from './errors.ts';

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
 * The query through its schema: a repeated key counts by its first value; the first problem
 * becomes 400 `bad_<key>` with the schema's message.
 */
export function parseQuery<S extends z.ZodObject>(ctx: Context, schema: S): z.output<S> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.query)) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) flat[key] = one;
  }
  const parsed = schema.safeParse(flat);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw badRequest(`bad_${String(issue.path[0] ?? 'query')}`, issue.message);
}

/** A whole number in a query string, within bounds, with a default. */
export function intParam(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message)
    .optional()
    .transform((n) => n ?? fallback);
}

/** A comma-separated list whose every entry passes `valid`; empty or absent means no filter. */
export function listParam(name: string, valid: (v: string) => boolean) {
  return z
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
    });
}

/** A time as the API takes it (api/time-range.ts checks it): epoch ms, ISO-8601, relative or now. */
export const timeParam = z.string().optional();
