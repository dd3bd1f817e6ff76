/**
 * Builds the OpenAPI 3.1 document from the route table and the zod schemas (z.toJSONSchema), so
 * the document cannot drift from what the routes validate. test/e2e/openapi.test.ts fails when the
 * committed docs/openapi.json is stale or a route file has no path in it.
 * Shaped for client generators (openapi-typescript, client/): metadata is an open object rather
 * than a recursive JSON type, request bodies carry no `default` (generators read it as "always
 * present"), and every status a route can answer is declared (responses.ts).
 */
import { z } from 'zod';
import { jsonValue } from '../../lib/validation/storable-schema.js';
import { limitParam } from '../../lib/pagination/cursor.js';
import { requestExamples, responseExamples } from './examples.js';
import { componentHeaders, componentParameters, componentResponses, responsesOf } from './responses.js';
import { responseSchemas, routes, tags, type RouteDoc } from './routes.js';

type Json = Record<string, unknown>;

/**
 * z.toJSONSchema overrides: any JSON value is `{}` (a recursive anyOf breaks TypeScript
 * generators: TS2502), `limit` is the integer clients send (its schema parses the raw string), and a pipe such as `trim → z.email()` documents its output's format.
 */
function override(ctx: { zodSchema: z.core.$ZodType; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  if (ctx.zodSchema === limitParam) {
    // On the wire a decimal string, parsed strictly; to a client it is an integer 1–100.
    for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[key];
    Object.assign(ctx.jsonSchema, {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
      description: 'Page size, 1–100, in plain decimal digits.',
    });
    return;
  }
  if (ctx.zodSchema === jsonValue) {
    for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[key];
    ctx.jsonSchema.description = 'Any JSON value.';
    return;
  }
  const def = ctx.zodSchema._zod.def;
  if (def.type === 'pipe') {
    const format = ((def as z.core.$ZodPipeDef).out._zod.def as { format?: unknown }).format;
    if (typeof format === 'string' && ctx.jsonSchema.format === undefined) ctx.jsonSchema.format = format;
  }
}

/** Moves `default` out of a request schema's properties into their descriptions. */
function withoutDefaults(schema: Json): Json {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (!properties) return schema;
  const out: Record<string, Json> = {};
  for (const [name, property] of Object.entries(properties)) {
    const { default: fallback, ...rest } = property;
    out[name] =
      fallback === undefined ? property : { ...rest, description: `Optional; default ${JSON.stringify(fallback)}.` };
  }
  return { ...schema, properties: out };
}

function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  registry.add(jsonValue, { id: 'JsonValue' });
  for (const [name, schema] of Object.entries(responseSchemas)) registry.add(schema, { id: name });
  const requestNames = new Set<string>();
  for (const route of routes) {
    if (route.body && !registry.has(route.body.schema)) registry.add(route.body.schema, { id: route.body.name });
    if (route.body) requestNames.add(route.body.name);
  }
  const generated = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    override,
  });
  const out: Record<string, Json> = {};
  for (const name of Object.keys(generated.schemas).sort()) {
    const { $schema: _schema, $id: _id, ...rest } = generated.schemas[name] as Json;
    out[name] = requestNames.has(name) ? withoutDefaults(rest) : rest;
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function parameters(route: RouteDoc): Json[] {
  const out: Json[] = [{ $ref: '#/components/parameters/RequestId' }];
  if (route.path.includes('{id}')) {
    out.push({
      name: 'id',
      in: 'path',
      required: true,
      description: 'A UUID; anything else answers 404.',
      schema: { type: 'string', format: 'uuid' },
    });
  }
  if (route.path.includes('{messageId}')) {
    out.push({
      name: 'messageId',
      in: 'path',
      required: true,
      description: 'A client-chosen id (1–128 of A–Z a–z 0–9 _ -) or a server-made UUID.',
      schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
    });
  }
  if (route.idempotent) out.push({ $ref: '#/components/parameters/IdempotencyKey' });
  if (route.query) {
    const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any', override }) as Json & {
      properties: Record<string, Json>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties)) {
      out.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  return out;
}

function operationId(route: RouteDoc): string {
  return `${route.method}${route.path.replace(/[^A-Za-z]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
}

function operation(route: RouteDoc): Json {
  const op: Json = {
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    operationId: operationId(route),
  };
  op.parameters = parameters(route);
  if (route.body) {
    const example = requestExamples[route.body.name];
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: ref(route.body.name), ...(example === undefined ? {} : { example }) } },
    };
  }
  const example = route.success.schema ? responseExamples[route.success.schema] : undefined;
  op.responses = responsesOf(route, example);
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
    info: {
      title: 'Threadbase API',
      version,
      description:
        'Chat-history backend for frontends. JSON in, JSON out; every error is the envelope `{ error: { code, message, details, requestId } }` ' +
        'and every response carries X-Request-Id. Browsers on other origins: docs/browsers.md (CORS_ORIGINS, cookies). Guide: docs/api.md.',
    },
    // The host is the deployment's own; `npm run dev` serves http://localhost:3000.
    servers: [
      {
        url: '{origin}',
        description: 'Your deployment, or the local dev server',
        variables: {
          origin: {
            default: 'http://localhost:3000',
            description: 'scheme://host[:port] of the API, e.g. https://api.example.com',
          },
        },
      },
    ],
    tags,
    paths,
    components: {
      schemas: componentSchemas(),
      responses: componentResponses(),
      headers: componentHeaders(),
      parameters: componentParameters(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Session token (register/login) or API token (POST /api/tokens).',
        },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'tb_session',
          description:
            'Set by register/login. Writes authenticated by it are refused (401) from an Origin that is neither the API host nor in CORS_ORIGINS.',
        },
      },
    },
  };
}
