/** GET /api/me — 200 { user, usage }; 401. */
import { getMe } from '../lib/auth/me.js';
import { defineRoute } from '../lib/http/route.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    return { status: 200, body: await getMe(ctx.store, user, ctx.now()) };
  },
});
