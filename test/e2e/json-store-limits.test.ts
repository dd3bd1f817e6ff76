/**
 * The JSON-file store's per-conversation size limit over HTTP (JSON_STORE_MAX_CONVERSATION_MB,
 * docs/decisions/0017): a message that would make its conversation too large answers
 * 413 payload_too_large naming the variable, writes nothing, and other conversations go on.
 * PostgreSQL has no such limit, so this runs on the JSON store only.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { useE2e } from './api-fixture.js';

const json = backends.filter((b) => b.name === 'json');

describe.each(json)('JSON store size limit ($name)', (backend) => {
  // 0.01 MiB ≈ 10 KB per conversation file.
  const t = useE2e(backend, { JSON_STORE_MAX_CONVERSATION_MB: '0.01' });

  it('refuses a message that would outgrow the limit with 413, and stores nothing', async () => {
    const user = await t.register();
    const id = await t.conversation(user, 'Full');
    const post = (content: string) =>
      t.call<{ error: { code: string; message: string } }>('POST', `/api/conversations/${id}/messages`, {
        json: { role: 'assistant', content },
        token: user.token,
      });
    expect((await post('x'.repeat(4000))).status).toBe(201);
    expect((await post('y'.repeat(4000))).status).toBe(201);
    const refused = await post('z'.repeat(4000));
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('payload_too_large');
    expect(refused.body.error.message).toContain('JSON_STORE_MAX_CONVERSATION_MB');
    const conversation = await t.call<{ messageCount: number }>('GET', `/api/conversations/${id}`, {
      token: user.token,
    });
    expect(conversation.body.messageCount).toBe(2);

    const other = await t.conversation(user, 'Other');
    const ok = await t.call('POST', `/api/conversations/${other}/messages`, {
      json: { role: 'user', content: 'still fine' },
      token: user.token,
    });
    expect(ok.status).toBe(201);
    const renamed = await t.call('PATCH', `/api/conversations/${id}`, {
      json: { title: 'Renamed' },
      token: user.token,
    });
    expect(renamed.status).toBe(200);
  });
});
