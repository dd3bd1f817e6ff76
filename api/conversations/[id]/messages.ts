/** GET /api/conversations/{id}/messages — ?limit&cursor → { items, nextCursor }, oldest first. POST { role, content, metadata? } → 201 Message (Idempotency-Key; 429 when the quota is used up). */
import { defineRoute } from '../../../lib/http/route.js';
import { IDEMPOTENCY_HEADER, idempotencyFor } from '../../../lib/idempotency/key.js';
import { appendMessage, appendMessageBody, listMessages } from '../../../lib/messages/messages.js';
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
});
