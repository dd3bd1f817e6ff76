/**
 * Threadbase for Vercel AI SDK apps (docs/ai-sdk.md): the persistence helpers an AI SDK route
 * needs — createChat, loadChat(chatId) → UIMessage[], saveChat({ chatId, messages }) — over the
 * Threadbase HTTP API with a bearer token (an API token from POST /api/tokens, kept server-side),
 * plus deleteMessagesAfter / saveMessage for frontends that edit or regenerate without resending
 * the whole list. A UIMessage is stored as a Threadbase message with the same id and role, its
 * `parts` kept exactly, and its `metadata` (any JSON) under `metadata.uiMessageMetadata`.
 * Self-contained: it needs only `fetch`, and `ai` only for types.
 */
import type { UIMessage } from 'ai';

export interface ThreadbaseChatOptions {
  /** e.g. https://threadbase.example.com (no trailing /api). */
  baseUrl: string;
  /** A Threadbase API token or session token. Never send it to the browser. */
  token: string;
  fetch?: typeof fetch;
}

/** A non-2xx answer from Threadbase, with the API's error code (API.md, Error envelope). */
export class ThreadbaseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ThreadbaseError';
  }
}

interface StoredMessage {
  id: string;
  role: UIMessage['role'];
  content: string;
  parts: UIMessage['parts'] | null;
  metadata: Record<string, unknown>;
}

const METADATA_KEY = 'uiMessageMetadata';
/** PUT …/messages takes at most this many messages (API.md). */
export const MAX_SAVED_MESSAGES = 500;

/** The Threadbase body of a UIMessage. */
export function toThreadbaseMessage(message: UIMessage): {
  id: string;
  role: UIMessage['role'];
  parts: UIMessage['parts'];
  metadata: Record<string, unknown>;
} {
  const metadata = message.metadata === undefined ? {} : { [METADATA_KEY]: message.metadata };
  return { id: message.id, role: message.role, parts: message.parts, metadata };
}

/** The UIMessage of a stored Threadbase message (a message stored without parts becomes one text part). */
export function toUIMessage(message: StoredMessage): UIMessage {
  const parts = message.parts ?? [{ type: 'text', text: message.content }];
  const ui: UIMessage = { id: message.id, role: message.role, parts };
  if (Object.hasOwn(message.metadata, METADATA_KEY)) ui.metadata = message.metadata[METADATA_KEY];
  return ui;
}

export function threadbaseChats(options: ThreadbaseChatOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return undefined as T;
    const json = (await res.json()) as unknown;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      throw new ThreadbaseError(
        res.status,
        error?.code ?? 'unknown',
        error?.message ?? `Threadbase answered ${res.status}`,
      );
    }
    return json as T;
  }

  const messagesPath = (chatId: string) => `/api/conversations/${encodeURIComponent(chatId)}/messages`;

  return {
    /** Creates a conversation and returns its id: the chat id for useChat({ id }). */
    async createChat(title?: string): Promise<string> {
      const created = await call<{ id: string }>('POST', '/api/conversations', title === undefined ? {} : { title });
      return created.id;
    },

    /** Every message of the chat, oldest first, as UIMessages (page by page). */
    async loadChat(chatId: string): Promise<UIMessage[]> {
      const out: UIMessage[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '?limit=100' : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
        const page: { items: StoredMessage[]; nextCursor: string | null } = await call(
          'GET',
          `${messagesPath(chatId)}${query}`,
        );
        out.push(...page.items.map(toUIMessage));
        cursor = page.nextCursor;
      } while (cursor !== null);
      return out;
    },

    /**
     * Makes the chat hold exactly `messages` (PUT …/messages, atomic): call it from
     * toUIMessageStreamResponse's onFinish. A repeat writes and counts nothing; an edited message
     * (same id) is replaced in place; messages left out (regenerate, edit) are deleted.
     */
    async saveChat({ chatId, messages }: { chatId: string; messages: UIMessage[] }): Promise<void> {
      if (messages.length === 0) {
        const stored = await this.loadChat(chatId);
        for (const message of stored) await call('DELETE', `${messagesPath(chatId)}/${encodeURIComponent(message.id)}`);
        return;
      }
      if (messages.length > MAX_SAVED_MESSAGES) {
        throw new ThreadbaseError(400, 'validation_failed', `saveChat takes at most ${MAX_SAVED_MESSAGES} messages`);
      }
      await call('PUT', messagesPath(chatId), { messages: messages.map(toThreadbaseMessage) });
    },

    /** Creates or replaces one message (PUT …/messages/{id}): an edit without resending the list. */
    async saveMessage(chatId: string, message: UIMessage): Promise<void> {
      const { id: _id, ...body } = toThreadbaseMessage(message);
      await call('PUT', `${messagesPath(chatId)}/${encodeURIComponent(message.id)}`, body);
    },

    /** Deletes every message after `messageId` (DELETE …/messages?after=): what regenerate drops. */
    async deleteMessagesAfter(chatId: string, messageId: string): Promise<void> {
      await call('DELETE', `${messagesPath(chatId)}?after=${encodeURIComponent(messageId)}`);
    },
  };
}

export type ThreadbaseChats = ReturnType<typeof threadbaseChats>;
