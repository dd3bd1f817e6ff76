/**
 * The one error type of Threadbase: a status, a stable code, a message and optional details.
 * The HTTP pipeline turns any AppError into the API.md envelope; anything else is a logged 500.
 */

/** Every code the API answers (API.md error table); the OpenAPI document enumerates this list. */
export const ERROR_CODES = [
  'validation_failed',
  'bad_request',
  'unauthorized',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  /** Extra response headers, e.g. Retry-After or Allow. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly headers: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const validationFailed = (details: ErrorDetail[], message = 'The request is not valid.'): AppError =>
  new AppError(400, 'validation_failed', message, { details });

export const badRequest = (message: string, cause?: unknown): AppError =>
  new AppError(400, 'bad_request', message, { cause });

export const unauthorized = (message = 'Authentication required.'): AppError =>
  new AppError(401, 'unauthorized', message);

export const notFound = (what = 'Resource'): AppError => new AppError(404, 'not_found', `${what} not found.`);

export const methodNotAllowed = (allow: readonly string[]): AppError =>
  new AppError(405, 'method_not_allowed', 'Method not allowed.', { headers: { Allow: allow.join(', ') } });

/** A uniqueness or idempotency clash; `field` names what clashed (e.g. `email`). */
export const conflict = (field: string, message = `${field} is already in use.`): AppError =>
  new AppError(409, 'conflict', message, { details: [{ path: field, message }] });

export const payloadTooLarge = (limitBytes: number): AppError =>
  new AppError(413, 'payload_too_large', `Request body exceeds ${limitBytes} bytes.`);

export const unsupportedMediaType = (): AppError =>
  new AppError(415, 'unsupported_media_type', 'Requests with a body must send Content-Type: application/json.');

export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests.'): AppError =>
  new AppError(429, 'rate_limited', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

export const unavailable = (cause?: unknown, retryAfterSeconds = 5): AppError =>
  new AppError(503, 'unavailable', 'Storage is temporarily unavailable. Retry later.', {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });

/** The deployment is misconfigured (e.g. JSON store on a read-only serverless filesystem). */
export const misconfigured = (message: string): AppError =>
  new AppError(503, 'unavailable', message, {
    headers: { 'Retry-After': '60' },
  });

export const internal = (cause?: unknown): AppError =>
  new AppError(500, 'internal', 'Internal server error.', { cause });
