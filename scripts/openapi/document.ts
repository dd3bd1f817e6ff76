/**
 * Builds the OpenAPI 3.1 document from the route table and the zod schemas (z.toJSONSchema), so
 * the document cannot drift from what the routes validate. test/e2e/openapi.test.ts fails when the
 * committed docs/openapi.json is stale or a route file has no path in it.
 */
import { z } from 'zod';
import { jsonValue } from '../../lib/validation/storable-schema.js';
import { responseSchemas, routes, type RouteDoc } from './routes.js';

type Json = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: 'validation_failed (details per field) or bad_request',
  401: 'unauthorized',
  404: 'not_found (also for another user\'s resource)',
  409: 'conflict (details[0].path names the field)',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited (Retry-After header)',
  503: 'unavailable (Retry-After header)',
};

function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  registry.add(jsonValue, { id: 'JsonValue' });
  for (const [name, schema] of Object.entries(responseSchemas)) registry.add(schema, { id: name });
  for (const route of routes) if (route.body && !registry.has(route.body.schema)) registry.add(route.body.schema, { id: route.body.name });
  const generated = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, Json> = {};
  for (const name of Object.keys(generated.schemas).sort()) {
    const { $schema: _schema, $id: _id, ...rest } = generated.schemas[name] as Json;
    out[name] = rest;
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function parameters(route: RouteDoc): Json[] {
  const out: Json[] = [];
  if (route.path.includes('{id}')) out.push({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
  if (route.idempotent) {
    out.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,200}$' } });
  }
  if (route.query) {
    const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as Json & {
      properties: Record<string, Json>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties)) {
      out.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  return out;
}

function operation(route: RouteDoc): Json {
  const responses: Json = {
    [route.success.status]: {
      description: route.success.description,
      ...(route.success.schema ? { content: { 'application/json': { schema: ref(route.success.schema) } } } : {}),
      ...(route.setsCookie ? { headers: { 'Set-Cookie': { schema: { type: 'string' }, description: 'tb_session cookie' } } } : {}),
    },
  };
  for (const status of route.errors) {
    responses[status] = { description: ERROR_TEXT[status] ?? 'error', content: { 'application/json': { schema: ref('Error') } } };
  }
  const op: Json = { summary: route.summary, operationId: `${route.method}${route.path.replace(/[^A-Za-z]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}` };
  if (route.description) op.description = route.description;
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  if (route.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(route.body.name) } } };
  op.responses = responses;
  op.security = route.auth ? [{ bearer: [] }, { cookie: [] }] : [];
  return op;
}

export function buildOpenApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Threadbase API', version, description: 'Chat-history backend. See docs/api.md for a guide.' },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Session token (register/login) or API token' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'tb_session' },
      },
    },
  };
}
