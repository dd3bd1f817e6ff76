/**
 * The validation fast path never accepts what the zod schema rejects, and builds the same value.
 */
import { describe, expect, it } from 'vitest';
import { quickConversation } from '../../lib/data-transfer/fast-check.js';
import { conversationFileSchema } from '../../lib/data-transfer/format.js';

const base = {
  id: '0b0e3c1e-1111-4000-8000-000000000001',
  userId: '0b0e3c1e-2222-4000-8000-000000000002',
  title: 'T',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  idempotency: [],
  messages: [
    {
      id: '0b0e3c1e-3333-4000-8000-000000000003',
      role: 'user',
      content: 'hi',
      metadata: { a: [1, { b: 'c' }] },
      createdAt: '2026-01-01T00:00:00.500Z',
      extra: 1,
    },
  ],
};
const msg = (patch: Record<string, unknown>): unknown => ({ ...base, messages: [{ ...base.messages[0], ...patch }] });

const variants: Array<[string, unknown]> = [
  ['valid', base],
  ['__proto__ metadata key', msg({ metadata: JSON.parse('{"__proto__":{"x":1},"n":{"__proto__":2}}') as unknown })],
  ['metadata missing', msg({ metadata: undefined })],
  ['NUL content', msg({ content: 'a\u0000b' })],
  ['lone surrogate', msg({ content: 'a\ud800' })],
  ['NUL metadata key', msg({ metadata: { 'a\u0000': 1 } })],
  ['NUL nested metadata', msg({ metadata: { a: ['x\u0000'] } })],
  ['array metadata', msg({ metadata: [1] })],
  ['null metadata', msg({ metadata: null })],
  ['bad role', msg({ role: 'robot' })],
  ['no ms', msg({ createdAt: '2026-01-01T00:00:00Z' })],
  ['offset', msg({ createdAt: '2026-01-01T00:00:00.000+01:00' })],
  ['impossible date', msg({ createdAt: '2026-02-30T00:00:00.000Z' })],
  ['year 0000 (PostgreSQL 22008)', msg({ createdAt: '0000-01-01T00:00:00.000Z' })],
  ['metadata nested 65 levels', msg({ metadata: JSON.parse('{"a":'.repeat(65) + '1' + '}'.repeat(65)) as unknown })],
  [
    'metadata nested 5,000 levels',
    msg({ metadata: JSON.parse('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)) as unknown }),
  ],
  ['client id', msg({ id: 'not-a-uuid_1' })],
  ['bad id', msg({ id: 'not a uuid' })],
  ['client id too long', msg({ id: 'x'.repeat(129) })],
  // Version-2 fields.
  ['v2 message', msg({ parts: [{ type: 'text', text: 'p' }], updatedAt: '2026-01-01T00:00:02.000Z', seq: 4 })],
  ['v2 conversation', { ...base, archived: true, lastSeq: 9 }],
  ['null parts', msg({ parts: null })],
  ['parts not an array', msg({ parts: { type: 'text' } })],
  ['parts item not an object', msg({ parts: ['text'] })],
  ['NUL in parts', msg({ parts: [{ type: 'text', text: 'a\u0000' }] })],
  ['bad updatedAt', msg({ updatedAt: '2026-01-01' })],
  ['seq 0', msg({ seq: 0 })],
  ['seq not an integer', msg({ seq: 1.5 })],
  ['archived not boolean', { ...base, archived: 'yes' }],
  ['braced id', msg({ id: '{0b0e3c1e-3333-4000-8000-000000000003}' })],
  ['number content', msg({ content: 5 })],
  ['title NUL', { ...base, title: 'x\u0000' }],
  ['messages not array', { ...base, messages: {} }],
  ['not an object', [base]],
];

describe('conversation fast check', () => {
  it.each(variants)('%s: agrees with zod', (label, input) => {
    const quick = quickConversation(input);
    const accepted = [
      'valid',
      'metadata missing',
      '__proto__ metadata key',
      'client id',
      'v2 message',
      'v2 conversation',
      'null parts',
    ];
    if (accepted.includes(label)) expect(quick).not.toBeNull();
    else expect(quick).toBeNull();
    const parsed = conversationFileSchema.safeParse(input);
    if (quick) {
      expect(parsed.success).toBe(true);
      expect(quick).toEqual(parsed.data);
    } else {
      // The fast path may be stricter only where zod also rejects (this table has no such case).
      expect(parsed.success).toBe(false);
    }
  });
});

describe('import rules shared with the API', () => {
  const byLabel = new Map(variants);

  it('refuses a year-0000 timestamp and metadata nested beyond 64 levels (5,000 levels: no stack overflow)', () => {
    for (const label of ['year 0000 (PostgreSQL 22008)', 'metadata nested 65 levels', 'metadata nested 5,000 levels']) {
      expect(quickConversation(byLabel.get(label)), label).toBeNull();
      expect(conversationFileSchema.safeParse(byLabel.get(label)).success, label).toBe(false);
    }
  });

  it('keeps __proto__ metadata keys as data', () => {
    const parsed = conversationFileSchema.parse(byLabel.get('__proto__ metadata key'));
    const metadata = parsed.messages[0]!.metadata;
    expect(Object.hasOwn(metadata, '__proto__')).toBe(true);
    expect(JSON.stringify(metadata)).toBe('{"__proto__":{"x":1},"n":{"__proto__":2}}');
    expect(JSON.stringify(quickConversation(byLabel.get('__proto__ metadata key'))?.messages[0]?.metadata)).toBe(
      JSON.stringify(metadata),
    );
  });
});
