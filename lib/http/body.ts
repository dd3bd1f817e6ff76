/**
 * Request bodies: the JSON-only, 1 MiB-capped reader behind `ctx.body()`.
 * We read the raw stream ourselves so the cap holds before anything is buffered. On Vercel the
 * runtime may already have drained the stream into a lazy `req.body` (its helpers read the whole
 * body whenever a Content-Type is sent); then we use that value, with the same checks.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../errors.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

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
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest('The request body is not valid JSON.', error);
  }
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
  if (Buffer.byteLength(JSON.stringify(value)) > limit) throw payloadTooLarge(limit);
  return value;
}
