/** GET /api/conversations/{id} → { ...Conversation, messages }; PATCH { title?, archived? } → Conversation; DELETE → 204. 404 when not the caller's. */
import {
  deleteConversation,
  getConversationWithMessages,
  updateConversation,
  updateConversationBody,
} from '../../lib/conversations/conversations.js';
import { defineRoute } from '../../lib/http/route.js';
import { pathId } from '../../lib/validation/path-id.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    return { status: 200, body: await getConversationWithMessages(ctx.store, user.id, id) };
  },
  PATCH: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    const changes = await ctx.body(updateConversationBody);
    return { status: 200, body: await updateConversation(ctx.store, user.id, id, changes, ctx.now()) };
  },
  DELETE: async (ctx) => {
    const { user } = await ctx.auth();
    await deleteConversation(ctx.store, user.id, pathId(ctx.params.id, 'Conversation'));
    return { status: 204 };
  },
});
