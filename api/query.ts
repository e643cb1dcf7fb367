/**
 * Query strings through zod: a value that does not pass answers 400 with the error shape, its
 * code naming the parameter (`bad_limit`), so each route states its parameters as one schema.
 */
import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { HttpError } from './errors.ts';

export function parseQuery<T extends z.ZodType>(schema: T, query: ParsedUrlQuery): z.output<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'query');
  throw new HttpError(400, `bad_${field}`, `${field}: ${issue.message}`, { field });
}

/** A parameter given once; given several times, the first counts (as the other routes read them). */
export function single<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v[0] : v), schema);
}

/** A parameter given as a comma list, repeated, or both: its non-empty items. */
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

/** A whole number in [min, max] from its decimal text; empty or absent gives the default. */
export function wholeNumber(min: number, max: number, fallback: number) {
  return single(
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === '') return fallback;
        const n = /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
        if (Number.isInteger(n) && n >= min && n <= max) return n;
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }),
  );
}

/** A parameter that may be repeated (a label value may hold commas, so no splitting): its non-empty values. */
export function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((s) => s !== ''), z.array(item));
}
