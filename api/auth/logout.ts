/** POST /api/auth/logout — revokes the presented session and clears the cookie → 204; 401. */
import { clearSessionCookie } from '../../lib/auth/credentials.js';
import { logout } from '../../lib/auth/sessions.js';
import { defineRoute } from '../../lib/http/route.js';

export default defineRoute({
  POST: async (ctx) => {
    const { credential } = await ctx.auth();
    await logout(ctx.store, credential);
    return { status: 204, cookies: [clearSessionCookie()] };
  },
});
