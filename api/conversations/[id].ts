/** GET /api/conversations/{id} → { ...Conversation, messages }; PATCH { title } → Conversation; DELETE → 204. 404 when not the caller's. */
import {
  deleteConversation,
  getConversationWithMessages,
  renameConversation,
  renameConversationBody,
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
    const { title } = await ctx.body(renameConversationBody);
    return { status: 200, body: await renameConversation(ctx.store, user.id, id, title, ctx.now()) };
  },
  DELETE: async (ctx) => {
    const { user } = await ctx.auth();
    await deleteConversation(ctx.store, user.id, pathId(ctx.params.id, 'Conversation'));
    return { status: 204 };
  },
});
