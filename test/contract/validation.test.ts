/**
 * Contract: stored text round-trips exactly (unicode, emoji, 100,000 characters, nested
 * metadata), and text PostgreSQL cannot store (NUL, lone surrogates) is refused with
 * 400 validation_failed on every backend, with nothing written.
 */
import { describe, expect, test } from 'vitest';
import type { JsonObject, MessageRecord } from '../../lib/store/types.js';
import { backendCases } from '../helpers/backends.js';
import { expectAppError, expectResolvesOrValidationError, useStore } from '../helpers/contract.js';
import { makeConversation, makeUser, newConversation, newMessage, newUser, now } from '../helpers/factories.js';

const UNICODE = 'Grüße, 東京, עברית, Ελληνικά, 😀👩🏽‍💻🏳️‍🌈, e\u0301, \u2028\u2029, tab\t, crlf\r\n, \uFEFF, 𝔘𝔫𝔦';
const invalid: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'a\uD83Db'],
  ['lone low surrogate', 'a\uDE00b'],
  ['trailing high surrogate', 'abc\uD83D'],
];

const validation = { status: 400, code: 'validation_failed' };

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  async function roundTrip(content: string, metadata: JsonObject = {}): Promise<MessageRecord> {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const message = newMessage(conversation.id, { content, metadata });
    expect((await store().appendMessage(user.id, message)).value).toEqual(message);
    const [stored] = (await store().listMessages(user.id, conversation.id, { limit: 1 }))!.items;
    return stored!;
  }

  test('unicode and emoji content round-trips exactly', async () => {
    expect((await roundTrip(UNICODE)).content).toBe(UNICODE);
  });

  test('100,000-character content round-trips exactly', async () => {
    const ascii = 'x'.repeat(99_999) + '!';
    expect((await roundTrip(ascii)).content).toBe(ascii);
    const emoji = '😀'.repeat(50_000);
    expect(emoji).toHaveLength(100_000);
    expect((await roundTrip(emoji)).content).toBe(emoji);
  });

  test('metadata round-trips exactly', async () => {
    const metadata: JsonObject = {
      [UNICODE]: UNICODE,
      nested: { list: [1, 2.5, -3, 0, true, false, null, 'x', { deep: ['y'] }], empty: {}, none: [] },
      big: 9007199254740991,
      small: 1e-7,
      quote: '"\'\\/<>&',
      '': 'empty key',
      'dot.key': 'dots',
      long: 'm'.repeat(10_000),
    };
    expect((await roundTrip('meta', metadata)).metadata).toStrictEqual(metadata);
  });

  test('unicode titles round-trip on create and rename', async () => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id, { title: UNICODE });
    expect((await store().getConversation(user.id, conversation.id))?.title).toBe(UNICODE);
    const renamed = `${UNICODE} 2`;
    await store().updateConversation(user.id, conversation.id, { title: renamed }, now());
    expect((await store().getConversation(user.id, conversation.id))?.title).toBe(renamed);
  });

  test.each(invalid)('%s in content, metadata value/key → 400, nothing written', async (_name, bad) => {
    const user = await makeUser(store());
    const conversation = await makeConversation(store(), user.id);
    const attempts: MessageRecord[] = [
      newMessage(conversation.id, { content: bad }),
      newMessage(conversation.id, { metadata: { note: bad } }),
      newMessage(conversation.id, { metadata: { [bad]: 'value' } }),
      newMessage(conversation.id, { metadata: { nested: { list: ['ok', { [bad]: 1 }] } } }),
      newMessage(conversation.id, { metadata: { nested: [[bad]] } }),
    ];
    for (const message of attempts) await expectAppError(store().appendMessage(user.id, message), validation);
    expect(await store().getConversation(user.id, conversation.id)).toEqual(conversation);
    expect((await store().listMessages(user.id, conversation.id, { limit: 10 }))?.items).toEqual([]);
  });

  test.each(invalid)('%s in a title → 400 on create and rename, nothing written', async (_name, bad) => {
    const user = await makeUser(store());
    const input = newConversation(user.id, { title: bad });
    await expectAppError(store().createConversation(input), validation);
    expect(await store().getConversation(user.id, input.id)).toBeNull();
    const conversation = await makeConversation(store(), user.id);
    await expectAppError(store().updateConversation(user.id, conversation.id, { title: `x${bad}` }, now()), validation);
    expect(await store().getConversation(user.id, conversation.id)).toEqual(conversation);
  });

  test.each(invalid)('%s in a user email, username or display name → 400, nothing written', async (_name, bad) => {
    for (const field of ['email', 'username', 'displayName'] as const) {
      const input = newUser();
      input[field] = `${input[field]}${bad}`;
      await expectAppError(store().createUser(input), validation);
      expect(await store().getUserById(input.id)).toBeNull();
    }
  });

  test.each(invalid)('%s in a login lookup → null or 400, never a crash', async (_name, bad) => {
    for (const lookup of [
      () => store().findUserByLogin(bad),
      () => store().findUserByEmail(bad),
      () => store().findUserByUsername(bad),
    ]) {
      const result = await expectResolvesOrValidationError(lookup());
      if (!(result instanceof Error)) expect(result).toBeNull();
    }
  });

  test('a valid surrogate pair is accepted', async () => {
    expect((await roundTrip('pair \uD83D\uDE00 ok')).content).toBe('pair 😀 ok');
  });
});
