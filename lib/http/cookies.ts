/**
 * Cookie header parsing for the pipeline. Vercel's runtime offers `req.cookies`, our dev server
 * too, but a handler must not depend on who ran it, so the pipeline reads the header itself.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Parses a Cookie header into name → value (first occurrence wins, values URI-decoded when valid). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    out[name] = safeDecode(value);
  }
  return out;
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoding after all: the raw value is what the client sent.
    return value;
  }
}

/** One header as a single string (repeated headers joined the way Node joins them). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(name.toLowerCase() === 'cookie' ? '; ' : ', ') : value;
}
