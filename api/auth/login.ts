/** POST /api/auth/login — { login, password } → 200 { user, token, expiresAt } + cookie; 401; 429 after repeated failures. */
import { sessionCookie } from '../../lib/auth/credentials.js';
import { loginBody } from '../../lib/auth/schemas.js';
import { login } from '../../lib/auth/sessions.js';
import { defineRoute } from '../../lib/http/route.js';

export default defineRoute({
  POST: async (ctx) => {
    const grant = await login(ctx.store, await ctx.body(loginBody), ctx.now());
    return { status: 200, body: grant, cookies: [sessionCookie(grant.token, grant.expiresAt)] };
  },
});
