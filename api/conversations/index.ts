/** GET /api/conversations — ?limit&cursor&archived → 200 { items, nextCursor }, newest updatedAt first. POST — { title? } → 201 Conversation (Idempotency-Key). */
import {
  createConversation,
  createConversationBody,
  listConversations,
  listConversationsQuery,
} from '../../lib/conversations/conversations.js';
import { defineRoute } from '../../lib/http/route.js';
import { IDEMPOTENCY_HEADER, idempotencyFor } from '../../lib/idempotency/key.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    return { status: 200, body: await listConversations(ctx.store, user.id, ctx.query(listConversationsQuery)) };
  },
  POST: async (ctx) => {
    const { user } = await ctx.auth();
    const body = await ctx.body(createConversationBody);
    const now = ctx.now();
    const idempotency = idempotencyFor(ctx.header(IDEMPOTENCY_HEADER), {
      method: 'POST',
      path: '/api/conversations',
      body,
      now,
    });
    const { value } = await createConversation(ctx.store, user.id, body, now, idempotency);
    return { status: 201, body: value };
  },
});
