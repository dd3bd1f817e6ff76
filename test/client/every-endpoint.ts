/**
 * A frontend program over the typed client that calls every endpoint of docs/openapi.json once.
 * It is compiled on its own with `tsc --strict` and without skipLibCheck (tsconfig.json here), and
 * it has no casts: if the generated types reject a call the contract allows (metadata as a nested
 * JSON object, a message without metadata), compilation fails. typed-client.test.ts runs it
 * against a real server on each backend and checks the outcomes it reports.
 */
import { createThreadbaseClient, type AppendMessageBody, type ErrorCode, type Message } from '../../client/index.js';

export interface EveryEndpointReport {
  healthStatus: string;
  registeredUsername: string;
  loginUsername: string;
  meEmail: string;
  usageDailyUsed: number;
  tokenListed: boolean;
  tokenRevokedStatus: number;
  conversationTitles: string[];
  renamedTitle: string;
  plainMessage: Message;
  richMessage: Message;
  replayedId: string;
  messageIds: string[];
  conversationMessageCount: number;
  searchHits: number;
  requestIdHeader: string | null;
  unauthorized: { status: number; code: ErrorCode | undefined; requestIdMatches: boolean };
  deletedStatus: number;
  missingAfterDelete: ErrorCode | undefined;
  logoutStatus: number;
  afterLogout: ErrorCode | undefined;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what}: no data`);
  return value;
}

export async function runEveryEndpoint(baseUrl: string, tag: string): Promise<EveryEndpointReport> {
  // What a frontend keeps after login; the client asks for the token on every request.
  const session: { token?: string } = {};
  const tb = createThreadbaseClient(baseUrl, { token: () => session.token });

  const health = must((await tb.GET('/api/health')).data, 'health');
  const password = `pw-${tag}-secret`;
  const registered = must(
    (await tb.POST('/api/auth/register', { body: { email: `${tag}@example.test`, username: `u_${tag}`, password } }))
      .data,
    'register',
  );
  const login = must((await tb.POST('/api/auth/login', { body: { login: `u_${tag}`, password } })).data, 'login');
  session.token = login.token;

  const me = must((await tb.GET('/api/me')).data, 'me');
  const usage = must((await tb.GET('/api/usage')).data, 'usage');
  const created = must(
    (await tb.POST('/api/tokens', { body: { name: 'client test', expiresInDays: 1 } })).data,
    'create token',
  );
  const tokens = must((await tb.GET('/api/tokens')).data, 'tokens');
  const revoked = await tb.DELETE('/api/tokens/{id}', { params: { path: { id: created.apiToken.id } } });

  const conversation = must(
    (
      await tb.POST('/api/conversations', {
        body: { title: 'typed' },
        params: { header: { 'Idempotency-Key': `c-${tag}` } },
      })
    ).data,
    'create conversation',
  );
  const path = { id: conversation.id };
  const renamed = must(
    (await tb.PATCH('/api/conversations/{id}', { params: { path }, body: { title: 'typed, renamed' } })).data,
    'rename',
  );
  const plain = must(
    (
      await tb.POST('/api/conversations/{id}/messages', {
        params: { path },
        body: { role: 'user', content: 'plain words' },
      })
    ).data,
    'plain',
  );
  const richBody: AppendMessageBody = {
    role: 'assistant',
    content: 'rich words',
    metadata: { model: 'gpt-x', nested: { a: [1, 'b'] } },
  };
  const idempotent = { path, header: { 'Idempotency-Key': `m-${tag}` } };
  const richPost = await tb.POST('/api/conversations/{id}/messages', { params: idempotent, body: richBody });
  const rich = must(richPost.data, 'rich');
  const replay = must(
    (await tb.POST('/api/conversations/{id}/messages', { params: idempotent, body: richBody })).data,
    'replay',
  );
  const page = must(
    (await tb.GET('/api/conversations/{id}/messages', { params: { path, query: { limit: 10 } } })).data,
    'messages',
  );
  const full = must((await tb.GET('/api/conversations/{id}', { params: { path } })).data, 'conversation');
  const list = must((await tb.GET('/api/conversations', { params: { query: { limit: 5 } } })).data, 'conversations');
  const search = must((await tb.GET('/api/search', { params: { query: { q: 'plain' } } })).data, 'search');

  const anonymous = createThreadbaseClient(baseUrl);
  const denied = await anonymous.GET('/api/me');
  const deleted = await tb.DELETE('/api/conversations/{id}', { params: { path } });
  const gone = await tb.GET('/api/conversations/{id}', { params: { path } });
  const logout = await tb.POST('/api/auth/logout');
  const afterLogout = await tb.GET('/api/me');

  return {
    healthStatus: health.status,
    registeredUsername: registered.user.username,
    loginUsername: login.user.username,
    meEmail: me.user.email,
    usageDailyUsed: usage.daily.used,
    tokenListed: tokens.items.some((t) => t.id === created.apiToken.id),
    tokenRevokedStatus: revoked.response.status,
    conversationTitles: list.items.map((c) => c.title),
    renamedTitle: renamed.title,
    plainMessage: plain,
    richMessage: rich,
    replayedId: replay.id,
    messageIds: page.items.map((m) => m.id),
    conversationMessageCount: full.messages.length,
    searchHits: search.items.length,
    requestIdHeader: richPost.response.headers.get('X-Request-Id'),
    unauthorized: {
      status: denied.response.status,
      code: denied.error?.error.code,
      requestIdMatches: denied.error?.error.requestId === denied.response.headers.get('X-Request-Id'),
    },
    deletedStatus: deleted.response.status,
    missingAfterDelete: gone.error?.error.code,
    logoutStatus: logout.response.status,
    afterLogout: afterLogout.error?.error.code,
  };
}
