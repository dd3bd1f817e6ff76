/**
 * The typed Threadbase client for frontends: openapi-fetch over the `paths` types that
 * openapi-typescript generates from docs/openapi.json (client/openapi.ts, rewritten by
 * `npm run openapi`). Every call is checked against the contract at compile time: paths, path and
 * query parameters, request bodies, and the success and error body types.
 *
 *   const tb = createThreadbaseClient('https://api.example.com', { token: () => session.token });
 *   const { data, error, response } = await tb.POST('/api/conversations', { body: { title: 'Hi' } });
 *   if (error) console.warn(error.error.code, response.headers.get('X-Request-Id'));
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Conversation = Schemas['Conversation'];
export type ConversationWithMessages = Schemas['ConversationWithMessages'];
export type Message = Schemas['Message'];
export type ApiToken = Schemas['ApiToken'];
export type Usage = Schemas['Usage'];
export type SessionGrant = Schemas['SessionGrant'];
export type AppendMessageBody = Schemas['AppendMessageBody'];
export type ErrorEnvelope = Schemas['Error'];
export type ErrorCode = ErrorEnvelope['error']['code'];

export type ThreadbaseClient = Client<paths>;

export interface ThreadbaseClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /**
   * A session or API token, sent as `Authorization: Bearer …`; a function is asked on every
   * request (so a login can change it). Leave it out to rely on the tb_session cookie, and pass
   * `credentials: 'include'` when the API is on another origin.
   */
  token?: string | (() => string | undefined);
}

/** A client for the API at `baseUrl` (scheme://host[:port], no trailing /api). */
export function createThreadbaseClient(baseUrl: string, options: ThreadbaseClientOptions = {}): ThreadbaseClient {
  const { token, ...rest } = options;
  const client = createClient<paths>({ ...rest, baseUrl: baseUrl.replace(/\/+$/, '') });
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value !== undefined && !request.headers.has('authorization'))
          request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}
