/**
 * The responses, response headers and shared parameters of docs/openapi.json: which statuses a
 * route answers (its own, plus what the pipeline answers on every route of its kind), the error
 * envelope with an example per status, and X-Request-Id / Retry-After / Allow / Set-Cookie.
 */
import { errorExample, responseExamples } from './examples.js';
import type { RouteDoc } from './routes.js';

type Json = Record<string, unknown>;

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

export function componentHeaders(): Record<string, Json> {
  return {
    RequestId: {
      description:
        'On every response: the request id (a valid incoming X-Request-Id, else a generated UUID), also in the error envelope. Readable cross-origin (Access-Control-Expose-Headers).',
      schema: { type: 'string' },
    },
    RetryAfter: {
      description: 'Seconds to wait before retrying. Readable cross-origin.',
      schema: { type: 'integer', minimum: 1 },
    },
    Allow: { description: 'On 405 (and OPTIONS): the methods the path answers.', schema: { type: 'string' } },
    SetCookie: {
      description:
        'tb_session cookie: HttpOnly; SameSite=Lax (COOKIE_SAME_SITE=none: SameSite=None); Path=/; Secure outside local dev.',
      schema: { type: 'string' },
    },
  };
}

export function componentParameters(): Record<string, Json> {
  return {
    RequestId: {
      name: 'X-Request-Id',
      in: 'header',
      required: false,
      description:
        'Optional: echoed back when valid (1–200 visible ASCII characters), for tying client and server logs together.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,200}$' },
    },
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'A repeat of the same key by the same user within 24 hours answers the first response and writes nothing; the same key with a different body is 409.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,200}$' },
    },
  };
}

interface ErrorDoc {
  name: string;
  description: string;
  example: unknown;
  retryAfter?: boolean;
}

const ERRORS: Record<string, ErrorDoc> = {
  400: {
    name: 'BadRequest',
    description: 'validation_failed (details: one entry per bad field) or bad_request (malformed JSON, bad cursor).',
    example: errorExample('validation_failed', 'The request is not valid.', [
      { path: 'email', message: 'Invalid email address' },
    ]),
  },
  401: {
    name: 'Unauthorized',
    description: 'unauthorized: no valid Bearer token or tb_session cookie.',
    example: errorExample('unauthorized', 'Authentication required.'),
  },
  404: {
    name: 'NotFound',
    description: "not_found, also for another user's resource.",
    example: errorExample('not_found', 'Conversation not found.'),
  },
  409: {
    name: 'Conflict',
    description: 'conflict: details[0].path names the field (e.g. email, id, Idempotency-Key).',
    example: errorExample('conflict', 'email is already in use.', [
      { path: 'email', message: 'email is already in use.' },
    ]),
  },
  413: {
    name: 'PayloadTooLarge',
    description:
      'payload_too_large: the body is over 1 MiB, or (JSON store) a message write would grow its conversation past JSON_STORE_MAX_CONVERSATION_MB.',
    example: errorExample('payload_too_large', 'Request body exceeds 1048576 bytes.'),
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'unsupported_media_type: a body without Content-Type: application/json.',
    example: errorExample('unsupported_media_type', 'Requests with a body must send Content-Type: application/json.'),
  },
  429: {
    name: 'RateLimited',
    description: 'rate_limited, with Retry-After.',
    example: errorExample('rate_limited', 'Too many requests.'),
    retryAfter: true,
  },
  500: {
    name: 'Internal',
    description: 'internal: never a stack trace or SQL; the requestId finds it in the logs.',
    example: errorExample('internal', 'Internal server error.'),
  },
  503: {
    name: 'Unavailable',
    description:
      'unavailable: storage unreachable or the request deadline passed, with Retry-After. Safe to retry with the same Idempotency-Key.',
    example: errorExample('unavailable', 'Storage is temporarily unavailable. Retry later.'),
    retryAfter: true,
  },
};

function errorResponse(doc: ErrorDoc): Json {
  return {
    description: doc.description,
    headers: {
      'X-Request-Id': header('RequestId'),
      ...(doc.retryAfter ? { 'Retry-After': header('RetryAfter') } : {}),
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: doc.example } },
  };
}

export function componentResponses(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const doc of Object.values(ERRORS)) out[doc.name] = errorResponse(doc);
  out.OtherError = {
    description: 'Any other error in the envelope, e.g. 405 method_not_allowed with Allow.',
    headers: { 'X-Request-Id': header('RequestId'), Allow: header('Allow') },
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: errorExample('method_not_allowed', 'Method not allowed.'),
      },
    },
  };
  return out;
}

const HEALTH = '/api/health';

/**
 * Every status `route` can answer: its own, 401 with auth, 400/413 with a body, and everywhere
 * 415 (the pipeline refuses a non-JSON body even where the route reads none), 500 and 503.
 */
export function statusesOf(route: RouteDoc): number[] {
  const statuses = new Set(route.errors);
  if (route.auth) statuses.add(401);
  if (route.body) [400, 413].forEach((s) => statuses.add(s));
  [415, 500, 503].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

export function responsesOf(route: RouteDoc, example: unknown): Json {
  const { success } = route;
  const headers: Json = { 'X-Request-Id': header('RequestId') };
  if (route.setsCookie) headers['Set-Cookie'] = header('SetCookie');
  const content = success.schema
    ? {
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${success.schema}` },
            ...(example === undefined ? {} : { example }),
          },
        },
      }
    : {};
  const responses: Json = { [success.status]: { description: success.description, headers, ...content } };
  for (const status of statusesOf(route)) {
    if (route.path === HEALTH && status === 503) {
      responses[status] = {
        description: 'Storage unreachable: the health shape and the error envelope in one body, with Retry-After.',
        headers: { 'X-Request-Id': header('RequestId'), 'Retry-After': header('RetryAfter') },
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/HealthUnavailable' },
            example: responseExamples.HealthUnavailable,
          },
        },
      };
      continue;
    }
    const doc = ERRORS[status];
    if (!doc) throw new Error(`${route.method} ${route.path}: no error response for status ${status}`);
    responses[status] = { $ref: `#/components/responses/${doc.name}` };
  }
  responses.default = { $ref: '#/components/responses/OtherError' };
  return responses;
}
