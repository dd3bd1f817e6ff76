/** CORS_ORIGINS and COOKIE_SAME_SITE parsing in lib/config.ts: exact origins or a start-up error naming the variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.js';

describe('CORS_ORIGINS', () => {
  it('is empty when unset or blank', () => {
    expect(parseConfig({}).corsOrigins).toEqual([]);
    expect(parseConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('parses a comma-separated list of exact origins, trimming spaces', () => {
    expect(parseConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    '*',
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    'https://App.example.com',
    'https://a.com:443',
    'ftp://a.com',
    'null',
  ])('refuses %s at start, naming the variable', (value) => {
    expect(() => parseConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
  });
});

describe('COOKIE_SAME_SITE', () => {
  it('defaults to Lax and keeps COOKIE_SECURE in charge of Secure', () => {
    const c = parseConfig({ NODE_ENV: 'test' });
    expect(c.cookieSameSite).toBe('Lax');
    expect(c.cookieSecure).toBe(false);
  });

  it('none means SameSite=None and forces Secure', () => {
    const c = parseConfig({ NODE_ENV: 'development', COOKIE_SAME_SITE: 'none' });
    expect(c.cookieSameSite).toBe('None');
    expect(c.cookieSecure).toBe(true);
  });

  it('refuses none with COOKIE_SECURE=false, and unknown values', () => {
    expect(() => parseConfig({ COOKIE_SAME_SITE: 'none', COOKIE_SECURE: 'false' })).toThrow(/COOKIE_SECURE/);
    expect(() => parseConfig({ COOKIE_SAME_SITE: 'None!' })).toThrow(/COOKIE_SAME_SITE/);
  });
});
