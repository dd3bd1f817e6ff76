/**
 * client/ai-sdk.ts against the real `ai` package (v6) and a real Threadbase server over HTTP, on
 * both backends: a response streamed from the AI SDK's own mock model (ai/test), saved in
 * toUIMessageStreamResponse-style onFinish, loads back equal and passes validateUIMessages;
 * messages with every part kind round-trip exactly; the edit and regenerate flows (as useChat
 * performs them: same id replaced and what follows dropped; last assistant message replaced by a
 * new one) leave the list the SDK expects; a repeated save counts nothing.
 */
import { streamText, validateUIMessages, convertToModelMessages, type UIMessage } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { threadbaseChats, type ThreadbaseChats } from '../../client/ai-sdk.js';
import { backends } from '../helpers/backends.js';
import { useE2e, type E2e } from '../e2e/api-fixture.js';

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** The AI SDK's mock model, streaming reasoning then `text` in two deltas. */
function mockModel(text: string): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'stream-start' as const, warnings: [] },
          { type: 'reasoning-start' as const, id: 'r1' },
          { type: 'reasoning-delta' as const, id: 'r1', delta: 'Thinking about it.' },
          { type: 'reasoning-end' as const, id: 'r1' },
          { type: 'text-start' as const, id: 't1' },
          { type: 'text-delta' as const, id: 't1', delta: text.slice(0, 4) },
          { type: 'text-delta' as const, id: 't1', delta: text.slice(4) },
          { type: 'text-end' as const, id: 't1' },
          { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage },
        ],
      }),
    }),
  });
}

/** What an AI SDK route does: stream a reply to `messages` and save the whole list in onFinish. */
async function respond(
  chats: ThreadbaseChats,
  chatId: string,
  messages: UIMessage[],
  text: string,
): Promise<UIMessage[]> {
  const result = streamText({ model: mockModel(text), messages: await convertToModelMessages(messages) });
  let saved: UIMessage[] | undefined;
  const stream = result.toUIMessageStream({
    originalMessages: messages,
    generateMessageId: () => `a-${Math.random().toString(36).slice(2, 10)}`,
    onFinish: async ({ messages: all }) => {
      await chats.saveChat({ chatId, messages: all });
      saved = all;
    },
  });
  for await (const _chunk of stream) {
    // drain: onFinish runs when the stream ends
  }
  if (!saved) throw new Error('onFinish did not run');
  return saved;
}

const EVERY_PART: UIMessage[] = [
  { id: 'sys-1', role: 'system', parts: [{ type: 'text', text: 'Be brief.' }] },
  {
    id: 'user-1',
    role: 'user',
    metadata: { createdAt: 1764600000000, nested: { tags: ['a'] } },
    parts: [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'file', mediaType: 'image/png', filename: 'p.png', url: 'data:image/png;base64,iVBORw0KGgo=' },
    ],
  },
  {
    id: 'asst-1',
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      { type: 'reasoning', text: 'Look at the image.', state: 'done' },
      {
        type: 'tool-weather',
        toolCallId: 'call-1',
        state: 'output-available',
        input: { city: 'Oslo' },
        output: { tempC: -3 },
      },
      { type: 'tool-lookup', toolCallId: 'call-2', state: 'output-error', input: { q: 'x' }, errorText: 'not found' },
      {
        type: 'dynamic-tool',
        toolName: 'search',
        toolCallId: 'call-3',
        state: 'input-available',
        input: { q: 'otters' },
      },
      { type: 'source-url', sourceId: 'src-1', url: 'https://example.com/otters', title: 'Otters' },
      { type: 'source-document', sourceId: 'src-2', mediaType: 'application/pdf', title: 'Report', filename: 'r.pdf' },
      { type: 'data-weather', id: 'w-1', data: { city: 'Oslo', forecast: [1, 2, 3] } },
      { type: 'text', text: 'A cat in the snow.', state: 'done' },
    ],
  },
];

describe.each(backends)('AI SDK adapter ($name)', (backend) => {
  const t: E2e = useE2e(backend);

  async function chatsFor(): Promise<{ chats: ThreadbaseChats; token: string }> {
    const user = await t.register();
    const created = await t.call<{ token: string }>('POST', '/api/tokens', {
      json: { name: 'ai route' },
      token: user.token,
    });
    expect(created.status).toBe(201);
    return {
      chats: threadbaseChats({ baseUrl: t.server().url, token: created.body.token }),
      token: created.body.token,
    };
  }

  it('a streamed response saved in onFinish loads back equal and passes validateUIMessages', async () => {
    const { chats } = await chatsFor();
    const chatId = await chats.createChat('AI SDK chat');
    const first: UIMessage = { id: 'u-1', role: 'user', parts: [{ type: 'text', text: 'Say hello' }] };
    const saved = await respond(chats, chatId, [first], 'Hello there!');
    expect(saved).toHaveLength(2);
    expect(saved[1]!.parts.some((p) => p.type === 'text' && p.text === 'Hello there!')).toBe(true);
    const loaded = await chats.loadChat(chatId);
    expect(loaded).toEqual(saved);
    expect(await validateUIMessages({ messages: loaded })).toEqual(loaded);

    // The next turn: loadChat + the new user message, saved again.
    const next = await respond(
      chats,
      chatId,
      [...loaded, { id: 'u-2', role: 'user', parts: [{ type: 'text', text: 'Again' }] }],
      'Hello again!',
    );
    expect(await chats.loadChat(chatId)).toEqual(next);
  });

  it('messages with every part kind round-trip exactly; a repeated save counts nothing', async () => {
    const { chats, token } = await chatsFor();
    const chatId = await chats.createChat();
    await chats.saveChat({ chatId, messages: EVERY_PART });
    const loaded = await chats.loadChat(chatId);
    expect(loaded).toEqual(EVERY_PART);
    // Parts come back byte for byte (key order included), not just structurally equal.
    expect(JSON.stringify(loaded.map((m) => m.parts))).toBe(JSON.stringify(EVERY_PART.map((m) => m.parts)));
    expect(await validateUIMessages({ messages: loaded })).toEqual(EVERY_PART);
    const usageOf = async () => (await t.call<{ total: number }>('GET', '/api/usage', { token })).body.total;
    const before = await usageOf();
    expect(before).toBe(1); // one user message
    await chats.saveChat({ chatId, messages: EVERY_PART });
    expect(await usageOf()).toBe(before);
    const hits = await t.call<{ items: { message: { id: string } }[] }>('GET', '/api/search?q=picture', { token });
    expect(hits.body.items.map((h) => h.message.id)).toEqual(['user-1']);
  });

  it('edit and regenerate leave the list the SDK expects', async () => {
    const { chats } = await chatsFor();
    const chatId = await chats.createChat();
    const u1: UIMessage = { id: 'u-1', role: 'user', parts: [{ type: 'text', text: 'First question' }] };
    const turn1 = await respond(chats, chatId, [u1], 'First answer');
    const u2: UIMessage = { id: 'u-2', role: 'user', parts: [{ type: 'text', text: 'Second question' }] };
    const turn2 = await respond(chats, chatId, [...turn1, u2], 'Second answer');
    expect(turn2.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    // regenerate(): useChat drops the last assistant message and asks again.
    const regenerated = await respond(chats, chatId, turn2.slice(0, 3), 'Second answer, take two');
    expect(regenerated[3]!.id).not.toBe(turn2[3]!.id);
    expect(await chats.loadChat(chatId)).toEqual(regenerated);

    // sendMessage({ messageId, text }): useChat replaces that message and drops what follows.
    const edited: UIMessage = { ...u1, parts: [{ type: 'text', text: 'First question, edited' }] };
    const afterEdit = await respond(chats, chatId, [edited], 'Answer to the edit');
    expect(afterEdit.map((m) => m.id)).toEqual(['u-1', afterEdit[1]!.id]);
    expect(await chats.loadChat(chatId)).toEqual(afterEdit);

    // The same flows without resending the list: saveMessage + deleteMessagesAfter.
    await chats.saveMessage(chatId, { ...edited, parts: [{ type: 'text', text: 'Edited once more' }] });
    await chats.deleteMessagesAfter(chatId, 'u-1');
    expect(await chats.loadChat(chatId)).toEqual([{ ...edited, parts: [{ type: 'text', text: 'Edited once more' }] }]);
  });
});
