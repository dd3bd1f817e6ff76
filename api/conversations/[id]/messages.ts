/**
 * GET /api/conversations/{id}/messages — ?limit&cursor → { items, nextCursor }, oldest first.
 * POST { id?, role, content?, parts?, metadata? } → 201 Message (Idempotency-Key; 409 id taken; 429 quota).
 * PUT { messages: [...] } → 200 { items }: the whole list, atomically (Idempotency-Key; 409 reorder; 429 quota).
 * DELETE ?after={messageId} → 204: every message after that one is gone (404 when it is not found).
 */
import { defineRoute } from '../../../lib/http/route.js';
import { IDEMPOTENCY_HEADER, idempotencyFor } from '../../../lib/idempotency/key.js';
import { deleteAfterQuery } from '../../../lib/messages/message-body.js';
import {
  appendMessage,
  appendMessageBody,
  deleteMessagesAfter,
  listMessages,
  replaceMessages,
  replaceMessagesBody,
} from '../../../lib/messages/messages.js';
import { pageQuery } from '../../../lib/pagination/cursor.js';
import { pathId } from '../../../lib/validation/path-id.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    return { status: 200, body: await listMessages(ctx.store, user.id, id, ctx.query(pageQuery)) };
  },
  POST: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    const body = await ctx.body(appendMessageBody);
    const now = ctx.now();
    const path = `/api/conversations/${id}/messages`;
    const idempotency = idempotencyFor(ctx.header(IDEMPOTENCY_HEADER), { method: 'POST', path, body, now });
    const { value } = await appendMessage(ctx.store, user.id, id, body, now, idempotency);
    return { status: 201, body: value };
  },
  PUT: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    const body = await ctx.body(replaceMessagesBody);
    const now = ctx.now();
    const path = `/api/conversations/${id}/messages`;
    const idempotency = idempotencyFor(ctx.header(IDEMPOTENCY_HEADER), { method: 'PUT', path, body, now });
    const { value } = await replaceMessages(ctx.store, user.id, id, body, now, idempotency);
    return { status: 200, body: value };
  },
  DELETE: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    const { after } = ctx.query(deleteAfterQuery);
    await deleteMessagesAfter(ctx.store, user.id, id, after, ctx.now());
    return { status: 204 };
  },
});
