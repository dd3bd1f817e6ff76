/** GET /api/search — ?q&role&conversationId&limit&cursor&meta.<key>=<value> → 200 { items: [{ message, conversationTitle, snippet }], nextCursor }. */
import { defineRoute } from '../lib/http/route.js';
import { metaFilters, searchMessages, searchQuery } from '../lib/search/search.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    const params = ctx.query(searchQuery);
    return { status: 200, body: await searchMessages(ctx.store, user.id, params, metaFilters(ctx.rawQuery)) };
  },
});
