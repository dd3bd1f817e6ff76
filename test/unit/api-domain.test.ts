/**
 * Pure domain rules of the API: cursors, idempotency hashing, search snippets and meta filters,
 * storable-text zod schemas, v7 ids, and path ids.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lib/conversations/ids.js';
import { appendMessageBody } from '../../lib/messages/messages.js';
import { canonicalJson, parseIdempotencyKey, requestHash } from '../../lib/idempotency/key.js';
import { decodeCursor, encodeCursor } from '../../lib/pagination/cursor.js';
import { metaFilters } from '../../lib/search/search.js';
import { snippet } from '../../lib/search/snippet.js';
import { pathId } from '../../lib/validation/path-id.js';

const id = '018f3c1e-0000-7000-8000-000000000001';

describe('cursors', () => {
  it('round-trip each key type', () => {
    const key = { rank: 0.0607927, createdAt: '2026-11-22T14:37:00.000Z', conversationId: id, id: 'msg-1' };
    expect(decodeCursor('search', encodeCursor('search', key))).toEqual(key);
    const msg = { createdAt: '2026-11-22T14:37:00.000Z', seq: 7 };
    expect(decodeCursor('messages', encodeCursor('messages', msg))).toEqual(msg);
  });

  it('reject garbage, wrong kinds and bad keys as 400 on cursor', () => {
    const bad = [
      '',
      'not base64!',
      Buffer.from('null').toString('base64url'),
      encodeCursor('messages', { createdAt: '2026-11-22T14:37:00.000Z', seq: 1 }),
      Buffer.from(JSON.stringify({ k: 'conversations', v: { updatedAt: 'yesterday', id } })).toString('base64url'),
      Buffer.from(JSON.stringify({ k: 'conversations', v: { updatedAt: '2026-11-22T14:37:00.000Z', id: "1' OR 1=1" } })).toString('base64url'),
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor('conversations', cursor)).toThrowError(expect.objectContaining({ status: 400, details: [{ path: 'cursor', message: 'is not a valid cursor' }] }));
    }
  });
});

describe('idempotency', () => {
  it('hashes bodies canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
    expect(requestHash('POST', '/p', { a: 1, b: 2 })).toBe(requestHash('POST', '/p', { b: 2, a: 1 }));
    expect(requestHash('POST', '/p', { a: 1 })).not.toBe(requestHash('POST', '/q', { a: 1 }));
    expect(requestHash('POST', '/p', { a: 1 })).not.toBe(requestHash('POST', '/p', { a: 2 }));
  });

  it('accepts 1–200 visible ASCII characters only', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('a-B_9~!')).toBe('a-B_9~!');
    for (const key of ['', ' ', 'é', 'x'.repeat(201), 'a b']) expect(() => parseIdempotencyKey(key)).toThrowError(/not valid/);
  });
});

describe('search helpers', () => {
  it('snippets keep short content whole and cut long content around the first match', () => {
    expect(snippet('  short\n\ntext ', 'x')).toBe('short text');
    const long = `${'lorem '.repeat(40)}TARGET word ${'ipsum '.repeat(40)}`;
    const cut = snippet(long, 'target');
    expect(cut).toMatch(/^….*TARGET word.*…$/);
    expect(cut.length).toBeLessThanOrEqual(162);
    expect(snippet('😀'.repeat(200), 'x')).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('meta filters come from meta.<key> parameters and reject empty keys and NUL', () => {
    expect(metaFilters(new URLSearchParams('q=x&meta.lang=en&meta.a.b=c'))).toEqual({ lang: 'en', 'a.b': 'c' });
    expect(metaFilters(new URLSearchParams('q=x'))).toBeUndefined();
    expect(() => metaFilters(new URLSearchParams('meta.=v'))).toThrowError(/not valid/);
    expect(() => metaFilters(new URLSearchParams('meta.k=a%00b'))).toThrowError(/not valid/);
  });
});

describe('message body schema', () => {
  it('names the exact field of unstorable text, including metadata keys and array items', () => {
    const result = appendMessageBody.safeParse({ role: 'user', content: 'ok', metadata: { 'k\u0000': 1, list: ['a', '\ud800'] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['metadata.k\u0000', 'metadata.list.1']);
  });

  it('defaults metadata to {} and limits it to 64 KiB serialized', () => {
    expect(appendMessageBody.parse({ role: 'assistant', content: 'x' }).metadata).toEqual({});
    expect(appendMessageBody.safeParse({ role: 'assistant', content: 'x', metadata: { v: 'y'.repeat(65_600) } }).success).toBe(false);
  });
});

describe('ids', () => {
  it('newId returns v7 UUIDs that sort in creation order', () => {
    const ids = Array.from({ length: 500 }, () => newId());
    expect(ids.every((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(x))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('pathId lower-cases UUIDs and turns anything else into 404', () => {
    expect(pathId(id.toUpperCase(), 'Thing')).toBe(id);
    for (const bad of [undefined, '', 'abc', `${id}x`]) expect(() => pathId(bad, 'Thing')).toThrowError(expect.objectContaining({ status: 404 }));
  });
});
