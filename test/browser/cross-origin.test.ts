/**
 * A real browser on another origin, per backend: Chromium loads a page from http://127.0.0.1:A
 * (listed in CORS_ORIGINS) and runs the frontend flow with fetch against the API server process on
 * http://localhost:B — a different site, so the session cookie needs COOKIE_SAME_SITE=none.
 * A page on http://127.0.0.1:C (not listed) is blocked, and its cross-site forms (which carry the
 * cookie) create nothing and cannot log the user out. See docs/browsers.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { backends, type BackendInstance } from '../helpers/backends.js';
import { api, startTestServer, type TestServer } from '../e2e/harness.js';
import {
  browserAvailability,
  CHROMIUM_PATH,
  launchChromium,
  launchChromiumAllowingThirdPartyCookies,
  serveStaticPage,
  type StaticSite,
} from './chromium.js';

const availability = browserAvailability();
if (availability === 'skip')
  console.warn(`[browser] ${CHROMIUM_PATH} not found: skipping the browser tests (apt-get install chromium)`);

describe.runIf(availability === 'fail')('browser', () => {
  it('needs Chromium under CI', () => {
    expect.fail(
      `${CHROMIUM_PATH} is missing; CI must install it (scripts/ci/browser.sh does: apt-get install chromium)`,
    );
  });
});

interface FlowResult {
  register: { status: number; requestId: string | null; token: string };
  conversation: { status: number; id: string };
  message: { status: number; id: string; replayStatus: number; replayId: string };
  list: { status: number; ids: string[] };
  unauthorized: { status: number; code: string; envelopeRequestId: string; headerRequestId: string | null };
  cookie: { meStatus: number; username: string; createStatus: number };
}

/** Runs inside the page: what a frontend on another origin does. */
async function frontendFlow(base: string): Promise<FlowResult> {
  const json = (body: unknown, extra: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...extra },
    body: JSON.stringify(body),
  });
  const tag = Math.random().toString(36).slice(2, 10);
  const reg = await fetch(`${base}/api/auth/register`, {
    ...json({ email: `b-${tag}@example.test`, username: `b_${tag}`, password: 'browser-secret-1' }),
    credentials: 'include',
  });
  const grant = (await reg.json()) as { token: string };
  const bearer = { authorization: `Bearer ${grant.token}` };
  const conv = await fetch(`${base}/api/conversations`, json({ title: 'from the browser' }, bearer));
  const conversation = (await conv.json()) as { id: string };
  const messageUrl = `${base}/api/conversations/${conversation.id}/messages`;
  const idem = { ...bearer, 'idempotency-key': `k-${tag}` };
  const msg = await fetch(messageUrl, json({ role: 'user', content: 'hello' }, idem));
  const replay = await fetch(messageUrl, json({ role: 'user', content: 'hello' }, idem));
  const list = await fetch(messageUrl, { headers: bearer });
  const anon = await fetch(`${base}/api/me`);
  const anonBody = (await anon.json()) as { error: { code: string; requestId: string } };
  const me = await fetch(`${base}/api/me`, { credentials: 'include' });
  const cookieCreate = await fetch(`${base}/api/conversations`, {
    ...json({ title: 'by cookie' }),
    credentials: 'include',
  });
  return {
    register: { status: reg.status, requestId: reg.headers.get('x-request-id'), token: grant.token },
    conversation: { status: conv.status, id: conversation.id },
    message: {
      status: msg.status,
      id: ((await msg.json()) as { id: string }).id,
      replayStatus: replay.status,
      replayId: ((await replay.json()) as { id: string }).id,
    },
    list: { status: list.status, ids: ((await list.json()) as { items: { id: string }[] }).items.map((m) => m.id) },
    unauthorized: {
      status: anon.status,
      code: anonBody.error.code,
      envelopeRequestId: anonBody.error.requestId,
      headerRequestId: anon.headers.get('x-request-id'),
    },
    cookie: {
      meStatus: me.status,
      username: me.ok ? ((await me.json()) as { user: { username: string } }).user.username : '',
      createStatus: cookieCreate.status,
    },
  };
}

/** Runs inside the unlisted page: each attempt's outcome ('blocked' when fetch throws). */
async function unlistedAttempts(input: { base: string; token: string }): Promise<Record<string, string>> {
  const attempt = async (init: RequestInit, path = '/api/conversations'): Promise<string> => {
    try {
      const res = await fetch(`${input.base}${path}`, init);
      return res.type === 'opaque' ? 'opaque' : String(res.status);
    } catch (error) {
      return error instanceof TypeError ? 'blocked' : `error: ${String(error)}`;
    }
  };
  const jsonBody = JSON.stringify({ title: 'from an unlisted origin' });
  return {
    read: await attempt({}, '/api/health'),
    bearerWrite: await attempt({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${input.token}` },
      body: jsonBody,
    }),
    cookieJsonWrite: await attempt({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: jsonBody,
      credentials: 'include',
    }),
    noCorsTextWrite: await attempt({
      method: 'POST',
      mode: 'no-cors',
      headers: { 'content-type': 'text/plain' },
      body: jsonBody,
      credentials: 'include',
    }),
  };
}

describe.runIf(availability === 'run')('frontends in Chromium on other origins', () => {
  let listed: StaticSite;
  let unlisted: StaticSite;
  // The user's browser allows third-party cookies (else no cross-site cookie session can work)...
  let allowing: Awaited<ReturnType<typeof launchChromiumAllowingThirdPartyCookies>>;
  // ...and a browser with Chromium's defaults, where only Bearer tokens work cross-site.
  let defaults: Browser;

  beforeAll(async () => {
    [allowing, defaults, listed, unlisted] = await Promise.all([
      launchChromiumAllowingThirdPartyCookies(),
      launchChromium(),
      serveStaticPage('frontend'),
      serveStaticPage('elsewhere'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([allowing?.close(), defaults?.close(), listed?.close(), unlisted?.close()]);
  });

  describe.each(backends)('$name', (backend) => {
    let instance: BackendInstance;
    let server: TestServer;
    let apiBase: string;
    let context: BrowserContext;
    let page: Page;
    let flow: FlowResult;

    beforeAll(async () => {
      instance = await backend.create();
      server = await startTestServer(instance, { CORS_ORIGINS: listed.origin, COOKIE_SAME_SITE: 'none' });
      apiBase = `http://localhost:${new URL(server.url).port}`;
      context = allowing.context;
      // Cookies are per host, not per port: start each backend's run without the other's session.
      await context.clearCookies();
      page = await context.newPage();
      await page.goto(`${listed.origin}/`);
    });
    afterAll(async () => {
      await page?.close();
      await server?.stop();
      await instance?.cleanup();
    });

    const conversationCount = async (): Promise<number> => {
      const res = await api(server.url)<{ items: unknown[] }>('GET', '/api/conversations', {
        token: flow.register.token,
      });
      return res.body.items.length;
    };

    it('runs the frontend flow from a listed origin: Bearer, Idempotency-Key, X-Request-Id, 401 envelope, cross-site cookie', async () => {
      flow = await page.evaluate(frontendFlow, apiBase);
      expect(flow.register.status).toBe(201);
      expect(flow.register.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(flow.conversation.status).toBe(201);
      expect(flow.message.status).toBe(201);
      expect(flow.message.replayStatus).toBe(201);
      expect(flow.message.replayId).toBe(flow.message.id);
      expect(flow.list).toEqual({ status: 200, ids: [flow.message.id] });
      expect(flow.unauthorized.status).toBe(401);
      expect(flow.unauthorized.code).toBe('unauthorized');
      expect(flow.unauthorized.headerRequestId).toBe(flow.unauthorized.envelopeRequestId);
      // The tb_session cookie set by the cross-site register response (SameSite=None; Secure on
      // http://localhost, which Chromium treats as a secure context) authenticates later requests.
      expect(flow.cookie.meStatus).toBe(200);
      expect(flow.cookie.username).toMatch(/^b_/);
      expect(flow.cookie.createStatus).toBe(201);
      const cookies = await context.cookies(apiBase);
      expect(cookies.find((c) => c.name === 'tb_session')).toMatchObject({
        sameSite: 'None',
        secure: true,
        httpOnly: true,
      });
    });

    it('blocks a page on an unlisted origin, and its forms create nothing', async () => {
      expect(flow, 'the listed-origin flow ran first').toBeDefined();
      const before = await conversationCount();
      const other = await context.newPage();
      await other.goto(`${unlisted.origin}/`);
      const outcomes = await other.evaluate(unlistedAttempts, { base: apiBase, token: flow.register.token });
      // fetch cannot read any response, and the JSON writes never leave the failed preflight.
      expect(outcomes).toEqual({
        read: 'blocked',
        bearerWrite: 'blocked',
        cookieJsonWrite: 'blocked',
        noCorsTextWrite: 'opaque',
      });

      // A cross-site form posts with the cookie: text/plain smuggling JSON-looking text gets 415.
      const smuggle = new URLSearchParams({
        action: `${apiBase}/api/conversations`,
        enctype: 'text/plain',
        name: '{"title":"csrf","x":"',
        value: '"}',
      });
      await other.goto(`${unlisted.origin}/form?${smuggle}`);
      const [formResponse] = await Promise.all([
        other.waitForResponse(`${apiBase}/api/conversations`),
        other.click('#go'),
      ]);
      expect(formResponse.status()).toBe(415);
      // An empty form to logout has no body to refuse: the Origin check on cookie writes answers 401.
      const logout = new URLSearchParams({
        action: `${apiBase}/api/auth/logout`,
        enctype: 'application/x-www-form-urlencoded',
      });
      await other.goto(`${unlisted.origin}/form?${logout}`);
      const [logoutResponse] = await Promise.all([
        other.waitForResponse(`${apiBase}/api/auth/logout`),
        other.click('#go'),
      ]);
      expect(logoutResponse.status()).toBe(401);
      expect(await logoutResponse.request().headerValue('cookie')).toContain('tb_session=');
      await other.close();

      expect(await conversationCount()).toBe(before);
      const me = await page.evaluate(
        async (base) => (await fetch(`${base}/api/me`, { credentials: 'include' })).status,
        apiBase,
      );
      expect(me, 'the session survived the cross-site logout form').toBe(200);
    });

    it('with Chromium defaults the cross-site cookie is blocked, while Bearer tokens work', async () => {
      const fresh = await defaults.newContext();
      try {
        const other = await fresh.newPage();
        await other.goto(`${listed.origin}/`);
        const result = await other.evaluate(frontendFlow, apiBase);
        expect(result.message.status).toBe(201);
        expect(result.list.ids).toEqual([result.message.id]);
        expect(result.cookie.meStatus).toBe(401);
        expect(await fresh.cookies(apiBase)).toEqual([]);
      } finally {
        await fresh.close();
      }
    });
  });
});
