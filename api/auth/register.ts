/** POST /api/auth/register — { email, username, password, displayName? } → 201 { user, token, expiresAt } + cookie. */
import { sessionCookie } from '../../lib/auth/credentials.js';
import { registerBody } from '../../lib/auth/schemas.js';
import { register } from '../../lib/auth/sessions.js';
import { defineRoute } from '../../lib/http/route.js';

export default defineRoute({
  POST: async (ctx) => {
    const grant = await register(ctx.store, await ctx.body(registerBody), ctx.now());
    return { status: 201, body: grant, cookies: [sessionCookie(grant.token, grant.expiresAt)] };
  },
});
