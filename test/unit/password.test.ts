/**
 * Password hashing: PHC format, parameters read back from the string (so any cost verifies),
 * wrong passwords and malformed hashes, and the OWASP cost (N=2^17) actually runs under maxmem.
 */
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../lib/auth/password.js';

describe('password hashing', () => {
  it('writes a PHC string with its parameters and verifies it', async () => {
    const hash = await hashPassword('correct horse', 10);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await hashPassword('correct horse', 10)).not.toBe(hash);
  });

  it('verifies hashes of another cost by reading ln from the string', async () => {
    const hash = await hashPassword('pässword', 11);
    expect(hash.startsWith('$scrypt$ln=11,')).toBe(true);
    expect(await verifyPassword('pässword', hash)).toBe(true);
    // NFC and NFD spellings of the same text are the same password.
    expect(await verifyPassword('pa\u0308ssword', hash)).toBe(true);
  });

  it('runs at the OWASP cost N=2^17, r=8 without exceeding maxmem', async () => {
    const hash = await hashPassword('owasp cost', 17);
    expect(hash.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('owasp cost', hash)).toBe(true);
  }, 30_000);

  it('rejects malformed stored hashes with an internal error, not a silent false', async () => {
    await expect(verifyPassword('x', 'plaintext')).rejects.toMatchObject({ code: 'internal' });
    await expect(verifyPassword('x', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA')).rejects.toMatchObject({ code: 'internal' });
  });

  it('the dummy verification always fails', async () => {
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('runs many hashes concurrently (bounded internally) without failing', async () => {
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hashPassword(`pw-${i}`, 10)));
    const checks = await Promise.all(hashes.map((h, i) => verifyPassword(`pw-${i}`, h)));
    expect(checks).toEqual([true, true, true, true, true, true]);
  });
});
