/** GET /api/usage — 200 Usage; 401. */
import { defineRoute } from '../lib/http/route.js';
import { getUsageView } from '../lib/usage/view.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    return { status: 200, body: await getUsageView(ctx.store, user.id, ctx.now()) };
  },
});
