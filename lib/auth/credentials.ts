/**
 * Bearer tokens and the session cookie: how tokens are made, hashed and resolved to a user.
 * A token is `tb_` + base64url(32 random bytes) (256 bits); only its SHA-256 hex hash is stored.
 * Session tokens (register/login) and API tokens share this format, so one lookup serves both.
 */
import { createHash, randomBytes } from 'node:crypto';
import { config } from '../config.js';
import { unauthorized } from '../errors.js';
import type { Credential, Store, UserRecord } from '../store/types.js';

export const SESSION_COOKIE = 'tb_session';
/** lastSeenAt/lastUsedAt are written at most this often per credential (DESIGN.md budget). */
export const TOUCH_INTERVAL_MS = 60_000;

export interface AuthContext {
  user: UserRecord;
  credential: Credential;
}

/** What `authenticate` needs from a request; RequestContext satisfies it. */
export interface AuthSource {
  store: Store;
  now: () => string;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
}

export interface GeneratedToken {
  /** The plaintext, shown to the client once. */
  token: string;
  /** SHA-256 hex of the token: what the store keeps. */
  hash: string;
  /** First 8 characters, for recognising a token in a list. */
  prefix: string;
}

export function generateToken(): GeneratedToken {
  const token = `tb_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: token.slice(0, 8) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

// Tokens we issue are `tb_` + 43 base64url chars; anything far outside that is not worth a lookup.
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{16,200}$/;

/** The presented token: `Authorization: Bearer …` first, else the tb_session cookie. */
export function presentedToken(source: Pick<AuthSource, 'header' | 'cookie'>): string | undefined {
  const authorization = source.header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return source.cookie(SESSION_COOKIE) || undefined;
}

/**
 * Resolves the request's token to its user in one store round trip, or throws 401.
 * The throttled touch is awaited: on a serverless platform work left running after the response
 * may be frozen and lost, and it costs a round trip at most once a minute per credential.
 */
export async function authenticate(source: AuthSource): Promise<AuthContext> {
  const token = presentedToken(source);
  if (token === undefined || !TOKEN_SHAPE.test(token)) throw unauthorized();
  const now = source.now();
  const credential = await source.store.findCredential(hashToken(token), now);
  if (!credential) throw unauthorized();
  if (isStale(credential.lastUsedAt, now)) {
    await source.store.touchCredential(credential.kind, credential.id, now, TOUCH_INTERVAL_MS);
  }
  return { user: credential.user, credential };
}

function isStale(lastUsedAt: string | null, now: string): boolean {
  if (lastUsedAt === null) return true;
  return Date.parse(now) - Date.parse(lastUsedAt) >= TOUCH_INTERVAL_MS;
}

function cookieAttributes(): string {
  const { cookieSameSite, cookieSecure } = config();
  return `HttpOnly; SameSite=${cookieSameSite}; Path=/${cookieSecure ? '; Secure' : ''}`;
}

/** Set-Cookie value carrying a session token until `expiresAt` (ISO). */
export function sessionCookie(token: string, expiresAt: string): string {
  const expires = new Date(expiresAt).toUTCString();
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${token}; ${cookieAttributes()}; Expires=${expires}; Max-Age=${maxAge}`;
}

/** Set-Cookie value that removes the session cookie. */
export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; ${cookieAttributes()}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`;
}
