/** GET /api/tokens — 200 { items: ApiToken[] }. POST /api/tokens — { name, expiresInDays? } → 201 { token, apiToken }. */
import { defineRoute } from '../../lib/http/route.js';
import { createApiToken, createTokenBody, listApiTokens } from '../../lib/tokens/api-tokens.js';

export default defineRoute({
  GET: async (ctx) => {
    const { user } = await ctx.auth();
    return { status: 200, body: await listApiTokens(ctx.store, user.id) };
  },
  POST: async (ctx) => {
    const { user } = await ctx.auth();
    return { status: 201, body: await createApiToken(ctx.store, user.id, await ctx.body(createTokenBody), ctx.now()) };
  },
});
