/**
 * Request bodies: the JSON-only, 1 MiB-capped reader behind `ctx.body()`.
 * We read the raw stream ourselves so the cap holds before anything is buffered. On Vercel the
 * runtime may already have drained the stream into a lazy `req.body` (its helpers read the whole
 * body whenever a Content-Type is sent); then we use that value, with the same checks.
 * A parsed body nesting deeper than BODY_MAX_DEPTH is refused before anything recursive
 * (zod, JSON.stringify) touches it: JSON.parse copes with any depth, those overflow the stack.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, payloadTooLarge, unsupportedMediaType, validationFailed } from '../errors.js';
import { JSON_MAX_DEPTH, jsonIssues } from '../validation/storable-json.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The deepest a whole body may nest: a JSON field's own limit (JSON_MAX_DEPTH) plus room for the fields around it. */
export const BODY_MAX_DEPTH = JSON_MAX_DEPTH + 8;

/** The body as parsed, or 400 validation_failed naming the top-level field that nests too deep. */
function withinDepth(value: unknown): unknown {
  const [issue] = jsonIssues(value, { maxDepth: BODY_MAX_DEPTH, text: false, types: false, firstOnly: true });
  if (issue === undefined) return value;
  const field = issue.path.length > 0 ? String(issue.path[0]) : '';
  throw validationFailed([
    { path: field, message: `must not nest deeper than ${field === '' ? BODY_MAX_DEPTH : JSON_MAX_DEPTH} levels` },
  ]);
}

/** True when the request announces a body (non-zero Content-Length or a Transfer-Encoding). */
export function announcesBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** True for `application/json`, with or without parameters such as charset. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const media = header.split(';', 1)[0]?.trim().toLowerCase();
  return media === 'application/json';
}

/** Throws 415 unless the request's Content-Type is JSON. */
export function requireJsonContentType(req: IncomingMessage): void {
  if (!isJsonContentType(req.headers['content-type'])) throw unsupportedMediaType();
}

/** Reads, caps and parses the JSON body; an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<unknown> {
  requireJsonContentType(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw payloadTooLarge(limit);
  }
  if (req.readableEnded) return fromBufferedBody(req, limit);
  return parseJson(await readRaw(req, limit));
}

function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the cap we keep draining (and discarding) so the client can read our 413.
      if (size > limit) settle(() => reject(payloadTooLarge(limit)));
      else if (!settled) chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', (error) => settle(() => reject(badRequest('The request body could not be read.', error))));
    req.on('close', () => settle(() => reject(badRequest('The request body ended early.'))));
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer | string): unknown {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : decoder.decode(raw);
  } catch (error) {
    throw badRequest('The request body is not valid UTF-8.', error);
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest('The request body is not valid JSON.', error);
  }
  return withinDepth(value);
}

/** The body a platform runtime already consumed: a Buffer, a string, or an already parsed value. */
function fromBufferedBody(req: IncomingMessage, limit: number): unknown {
  let value: unknown;
  try {
    value = (req as IncomingMessage & { body?: unknown }).body;
  } catch (error) {
    // Vercel's lazy getter throws its own ApiError on malformed JSON.
    throw badRequest('The request body is not valid JSON.', error);
  }
  if (value === undefined || value === null) return {};
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    if (Buffer.byteLength(value) > limit) throw payloadTooLarge(limit);
    return parseJson(value);
  }
  withinDepth(value);
  if (Buffer.byteLength(JSON.stringify(value)) > limit) throw payloadTooLarge(limit);
  return value;
}
