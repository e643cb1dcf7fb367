/**
 * The schemas of the device list's query and of PUT /api/devices/:id, and the list's filter.
 * Limits are the registry's (domain/devices.ts), so what PUT accepts always fits the registry.
 */
import { z } from 'zod';
import {
  type DeviceView,
  deviceMatches,
  isLabelKey,
  LABEL_KEY,
  MAX_DEVICE_NAME,
  MAX_LABEL_VALUE,
  MAX_LABELS,
  MAX_UNIT,
  MAX_UNITS,
} from '../../domain/devices.ts';
import { isMetricName } from '../../domain/reading.ts';
import type { RegistryPatch } from '../../store/registry.ts';
import { HttpError } from '../errors.ts';
import { commaList, intParam, repeated, single } from '../route-docs.ts';

export const DEFAULT_DEVICE_LIMIT = 1_000;
export const MAX_DEVICE_LIMIT = 10_000;

const STATES = ['online', 'offline', 'stale'] as const;

/** `k:v` (the label k has the value v) or `k` (the device has a label k). */
const labelTerm = z
  .string()
  .max(64 + 1 + MAX_LABEL_VALUE, 'a label filter is at most key:value')
  .transform((term, ctx) => {
    const at = term.indexOf(':');
    const key = at < 0 ? term : term.slice(0, at);
    if (!isLabelKey(key)) {
      ctx.addIssue({ code: 'custom', message: `label key ${JSON.stringify(key.slice(0, 80))} does not match ${LABEL_KEY.source}` });
      return z.NEVER;
    }
    return { key, value: at < 0 ? null : term.slice(at + 1) };
  });

export const listQuery = z.object({
  q: single(z.string().max(256, 'q is at most 256 characters').optional())
    .transform((q) => (q ?? '').trim().toLowerCase())
    .meta({ description: 'case-insensitive substring of the id, name, a label key or value, or a metric name', example: 'boiler' }),
  status: commaList(z.enum(STATES, { message: 'status must be online, offline or stale (a comma list is fine)' })).meta({
    description: 'online, offline or stale; a comma list',
    example: 'online,stale',
  }),
  label: repeated(labelTerm)
    .refine((terms) => terms.length <= MAX_LABELS, `at most ${MAX_LABELS} label filters`)
    .meta({ description: '`key:value` (or `key`: the label is set); repeat for several, all must hold', example: 'site:north' }),
  limit: intParam('limit', 1, MAX_DEVICE_LIMIT, DEFAULT_DEVICE_LIMIT).meta({
    description: `at most this many (1-${MAX_DEVICE_LIMIT}, default ${DEFAULT_DEVICE_LIMIT}), sorted by id`,
    example: '100',
  }),
  offset: intParam('offset', 0, Number.MAX_SAFE_INTEGER, 0).meta({ description: 'skip this many first', example: '0' }),
});

export type ListQuery = z.output<typeof listQuery>;

/** Every condition must hold: q, any of the statuses, all of the labels. */
export function listFilter(query: ListQuery): (view: DeviceView) => boolean {
  const states = new Set(query.status);
  return (view) =>
    (states.size === 0 || states.has(view.status)) &&
    query.label.every(({ key, value }) => (value === null ? Object.hasOwn(view.labels, key) : view.labels[key] === value)) &&
    deviceMatches(view, query.q);
}

const labels = z
  .record(
    z.string().refine(isLabelKey, `label keys must match ${LABEL_KEY.source} and not be __proto__, prototype or constructor`),
    z.string().max(MAX_LABEL_VALUE, `label values are at most ${MAX_LABEL_VALUE} characters`),
  )
  .refine((o) => Object.keys(o).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

const units = z
  .record(
    z.string().refine(isMetricName, 'unit keys must be metric names such as temperature'),
    z.string().min(1, 'a unit must not be empty').max(MAX_UNIT, `a unit is at most ${MAX_UNIT} characters`),
  )
  .refine((o) => Object.keys(o).length <= MAX_UNITS, `at most ${MAX_UNITS} units`);

/**
 * zod's record drops an own `__proto__` key (JSON.parse makes one) without a word; refuse it
 * instead, so an operator is told rather than seeing the label silently vanish.
 */
function noProtoKey<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__'))
        ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'keys must not be __proto__, prototype or constructor' });
    })
    .pipe(schema);
}

export const registryPatchSchema = z.strictObject(
  {
    name: z
      .string()
      .trim()
      .min(1, 'name must not be empty (null clears it)')
      .max(MAX_DEVICE_NAME, `name is at most ${MAX_DEVICE_NAME} characters`)
      .nullable()
      .optional(),
    labels: noProtoKey(labels.nullable()).optional(),
    units: noProtoKey(units.nullable()).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : 'the body must be an object') },
);

export function parseRegistryPatch(body: unknown): RegistryPatch {
  const parsed = registryPatchSchema.safeParse(body);
  if (parsed.success) {
    const { name, labels, units } = parsed.data;
    // Only the fields given, so a field left out stays as it is.
    return { ...(name !== undefined && { name }), ...(labels !== undefined && { labels }), ...(units !== undefined && { units }) };
  }
  const issue = parsed.error.issues[0]!;
  const field =
    issue.path.length > 0 ? issue.path.map(String).join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(',') : 'body';
  // A bad record key is reported as "Invalid key in record" with the key schema's own message inside.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  throw new HttpError(400, 'invalid_device', `${field}: ${message}`, { field });
}
