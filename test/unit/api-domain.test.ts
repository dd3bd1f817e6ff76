/**
 * Pure domain rules of the API: cursors, idempotency hashing, search snippets and meta filters,
 * storable-json zod schemas, v7 ids, and path ids.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lib/conversations/ids.js';
import { appendMessageBody } from '../../lib/messages/messages.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { parseIdempotencyKey, requestHash } from '../../lib/idempotency/key.js';
import { decodeCursor, encodeCursor } from '../../lib/pagination/cursor.js';
import { metaFilters } from '../../lib/search/search.js';
import { snippet } from '../../lib/search/snippet.js';
import { pathId } from '../../lib/validation/path-id.js';

const id = '018f3c1e-0000-7000-8000-000000000001';

describe('cursors', () => {
  const search = { kind: 'search', scope: 'q=x' } as const;
  const messages = { kind: 'messages', scope: id } as const;
  const conversations = { kind: 'conversations', scope: 'all' } as const;
  const invalid = expect.objectContaining({
    status: 400,
    details: [{ path: 'cursor', message: 'is not a valid cursor for this list' }],
  });

  it('round-trip each key type', () => {
    const key = { rank: 0.0607927, createdAt: '2026-11-22T14:37:00.000Z', conversationId: id, id: 'msg-1' };
    expect(decodeCursor(search, encodeCursor(search, key))).toEqual(key);
    const msg = { createdAt: '2026-11-22T14:37:00.000Z', seq: 7 };
    expect(decodeCursor(messages, encodeCursor(messages, msg))).toEqual(msg);
  });

  it('reject garbage, wrong kinds, unscoped (pre-scope) cursors and bad keys as 400 on cursor', () => {
    const tag = JSON.parse(
      Buffer.from(encodeCursor(conversations, { updatedAt: '2026-11-22T14:37:00.000Z', id }), 'base64url').toString(),
    ) as { s: string };
    const forged = (v: unknown) =>
      Buffer.from(JSON.stringify({ k: 'conversations', s: tag.s, v })).toString('base64url');
    const bad = [
      '',
      'not base64!',
      Buffer.from('null').toString('base64url'),
      encodeCursor(messages, { createdAt: '2026-11-22T14:37:00.000Z', seq: 1 }),
      Buffer.from(JSON.stringify({ k: 'conversations', v: { updatedAt: '2026-11-22T14:37:00.000Z', id } })).toString(
        'base64url',
      ),
      forged({ updatedAt: 'yesterday', id }),
      forged({ updatedAt: '2026-11-22T14:37:00.000Z', id: "1' OR 1=1" }),
      forged({ updatedAt: '0000-01-01T00:00:00.000Z', id }),
      forged({ updatedAt: '2026-02-30T00:00:00.000Z', id }),
      forged({ updatedAt: '+010000-01-01T00:00:00.000Z', id }),
    ];
    for (const cursor of bad) expect(() => decodeCursor(conversations, cursor)).toThrowError(invalid);
    expect(decodeCursor(conversations, forged({ updatedAt: '0001-01-01T00:00:00.000Z', id }))).toEqual({
      updatedAt: '0001-01-01T00:00:00.000Z',
      id,
    });
  });

  it('bind a cursor to its list: another conversation or another search is a 400', () => {
    const msg = { createdAt: '2026-11-22T14:37:00.000Z', seq: 3 };
    const other = { kind: 'messages', scope: '018f3c1e-0000-7000-8000-000000000002' } as const;
    expect(() => decodeCursor(other, encodeCursor(messages, msg))).toThrowError(invalid);
    const key = { rank: 1, createdAt: msg.createdAt, conversationId: id, id: 'msg-1' };
    expect(() => decodeCursor({ kind: 'search', scope: 'q=y' }, encodeCursor(search, key))).toThrowError(invalid);
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
    for (const key of ['', ' ', 'é', 'x'.repeat(201), 'a b'])
      expect(() => parseIdempotencyKey(key)).toThrowError(/not valid/);
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
    const result = appendMessageBody.safeParse({
      role: 'user',
      content: 'ok',
      metadata: { 'k\u0000': 1, list: ['a', '\ud800'] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['metadata.k\u0000', 'metadata.list.1']);
  });

  it('defaults metadata to {} and limits it to 64 KiB serialized', () => {
    expect(appendMessageBody.parse({ role: 'assistant', content: 'x' }).metadata).toEqual({});
    expect(
      appendMessageBody.safeParse({ role: 'assistant', content: 'x', metadata: { v: 'y'.repeat(65_600) } }).success,
    ).toBe(false);
  });
});

describe('ids', () => {
  it('newId returns v7 UUIDs that sort in creation order', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(ids.every((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(x))).toBe(
      true,
    );
    expect([...ids].sort()).toEqual(ids);
    // The first 12 hex digits are the millisecond: many ids share one, and their order still holds.
    expect(new Set(ids.map((x) => x.slice(0, 13))).size).toBeLessThan(ids.length);
  });

  it('pathId lower-cases UUIDs and turns anything else into 404', () => {
    expect(pathId(id.toUpperCase(), 'Thing')).toBe(id);
    for (const bad of [undefined, '', 'abc', `${id}x`])
      expect(() => pathId(bad, 'Thing')).toThrowError(expect.objectContaining({ status: 404 }));
  });
});
