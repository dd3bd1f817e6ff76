/** DELETE /api/tokens/{id} — 204; 404 (also for another user's token or a non-UUID id). */
import { defineRoute } from '../../lib/http/route.js';
import { revokeApiToken } from '../../lib/tokens/api-tokens.js';

export default defineRoute({
  DELETE: async (ctx) => {
    const { user } = await ctx.auth();
    await revokeApiToken(ctx.store, user.id, ctx.params.id);
    return { status: 204 };
  },
});
