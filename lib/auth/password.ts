/**
 * Password hashing with scrypt (node:crypto) at OWASP's cost (N=2^17, r=8, p=1 by default),
 * stored as a self-describing PHC string `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` so a hash written
 * by either backend, at any cost, verifies anywhere.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { config } from '../config.js';
import { internal } from '../errors.js';

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Each hash at N=2^17, r=8 holds ~128 MiB for ~300 ms; more than two at once starves the instance.
const MAX_CONCURRENT_HASHES = 2;

interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter so `running` never over-counts.
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    maxmem: 2 * 128 * N * params.r * params.p + 16 * 1024 * 1024,
  };
  return withHashSlot(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => {
          if (error) reject(internal(error));
          else resolve(key);
        });
      }),
  );
}

const b64 = (buf: Buffer): string => buf.toString('base64').replace(/=+$/, '');

/** Hashes a password at the configured cost (PASSWORD_SCRYPT_LOG_N). */
export async function hashPassword(password: string, ln = config().passwordScryptLogN): Promise<string> {
  const params: ScryptParams = { ln, r: 8, p: 1 };
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } {
  const m = PHC.exec(stored);
  const params = m ? { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) } : null;
  if (!m || !params || params.ln < 1 || params.ln > 20 || params.r < 1 || params.p < 1) {
    throw internal(new Error('Stored password hash is not a supported scrypt PHC string.'));
  }
  return { params, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** True when `password` matches the PHC string `stored` (parameters are read from the string). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parseHash(stored);
  if (key.length < 16) throw internal(new Error('Stored password hash is too short.'));
  const candidate = await derive(password, salt, params, key.length);
  return timingSafeEqual(candidate, key);
}

/**
 * Spends the same time as a real verification when the login names no user, so response time
 * does not reveal which logins exist. The dummy needs no real hashing to build (nothing can match
 * it), so even an instance's first unknown login costs exactly one derivation. Always resolves false.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  const dummy = `$scrypt$ln=${config().passwordScryptLogN},r=8,p=1$${b64(Buffer.alloc(SALT_BYTES))}$${b64(Buffer.alloc(KEY_BYTES))}`;
  await verifyPassword(password, dummy);
  return false;
}
