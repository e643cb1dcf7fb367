/**
 * GET /api/openapi.json: OpenAPI 3.1 built from the route descriptions (api/route-docs.ts), whose
 * query and body schemas are the ones the routes validate with; JSON Schema comes from zod's
 * own z.toJSONSchema, as the input a client sends.
 */
import { z } from 'zod';
import { SESSION_COOKIE } from './auth.ts';
import type { RouteDoc } from './route-docs.ts';

type Json = Record<string, unknown>;

const ERROR_RESPONSE = {
  description: 'an error: {"error":{"code","message"}}',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** `/api/devices/:id` → `/api/devices/{id}`, and the names of its path parameters. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:(\w+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

function operation(doc: RouteDoc): Json {
  const { params } = openApiPath(doc.path);
  const parameters: Json[] = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, field] of Object.entries(doc.query?.shape ?? {})) {
    const schema = field as z.ZodType;
    const meta = schema.meta() as { description?: string; example?: string } | undefined;
    const { description: _d, example: _e, ...fieldSchema } = jsonSchema(schema);
    parameters.push({
      name,
      in: 'query',
      required: !schema.safeParse(undefined).success,
      schema: fieldSchema,
      ...(meta?.description ? { description: meta.description } : {}),
      ...(meta?.example !== undefined ? { example: meta.example } : {}),
    });
  }
  const success = doc.success ?? { status: 200, description: 'OK', type: 'application/json' };
  return {
    summary: doc.summary,
    operationId: `${doc.method}${doc.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } } : {}),
    ...(doc.operator ? { security: [{ bearer: [] }, { session: [] }] } : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        ...(success.status === 204 ? {} : { content: { [success.type ?? 'application/json']: {} } }),
      },
      default: { $ref: '#/components/responses/Error' },
    },
  };
}

export function openApiDocument(routes: readonly RouteDoc[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const doc of [...routes].sort((a, b) => a.path.localeCompare(b.path))) {
    const { path } = openApiPath(doc.path);
    paths[path] = { ...(paths[path] ?? {}), [doc.method]: operation(doc) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil',
      version,
      description: 'Reads are open on loopback and need the operator token beyond it; changes always need it.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <VIGIL_TOKEN>' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'the dashboard session from POST /api/session' },
      },
      responses: { Error: ERROR_RESPONSE },
    },
  };
}
