/**
 * The benchmark's data, written through the PostgreSQL Store (as the API would write it): one user
 * with a session token, `conversations` conversations, one of them with 100 messages (the "get"
 * scenario), an empty one the append scenarios write to, and `searchMessages` short messages
 * spread over the others, a third of them containing the searched word.
 */
import { randomUUID } from 'node:crypto';
import { generateToken } from '../../lib/auth/credentials.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';

export interface Seed {
  token: string;
  userId: string;
  /** The conversation holding exactly 100 messages. */
  fullConversationId: string;
  /** The conversation the append scenarios write to. */
  appendConversationId: string;
  searchWord: string;
}

export const SEARCH_WORD = 'lighthouse';
const WORDS = ['harbor', 'engine', 'window', 'garden', 'rocket', 'pencil', 'river', 'castle'];

export async function seed(url: string, sizes: { conversations: number; searchMessages: number }): Promise<Seed> {
  const store = createPostgresStore({ url, poolMax: 3 });
  try {
    const start = Date.now() - 3_600_000;
    let tick = 0;
    const at = (): string => new Date(start + tick++ * 10).toISOString();
    const userId = randomUUID();
    const { token, hash } = generateToken();
    const now = at();
    const user = {
      id: userId,
      email: 'bench@example.com',
      username: 'bench',
      displayName: 'Bench User',
      passwordHash: '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      createdAt: now,
      updatedAt: now,
    };
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    await store.createUser(user, {
      id: randomUUID(),
      userId,
      tokenHash: hash,
      createdAt: now,
      expiresAt,
      lastSeenAt: now,
    });
    const ids: string[] = [];
    for (let i = 0; i < Math.max(3, sizes.conversations); i++) {
      const id = randomUUID();
      await store.createConversation({ id, userId, title: `Conversation ${i}`, createdAt: at() });
      ids.push(id);
    }
    const [fullConversationId, appendConversationId, ...others] = ids as [string, string, ...string[]];
    const append = (conversationId: string, content: string, role: 'user' | 'assistant') => {
      const createdAt = at();
      const message = { id: randomUUID(), conversationId, role, content, parts: null, metadata: {}, createdAt };
      return store.appendMessage(userId, { ...message, updatedAt: createdAt });
    };
    for (let i = 0; i < 100; i++) {
      await append(
        fullConversationId,
        `Message ${i} about the ${WORDS[i % WORDS.length]}.`,
        i % 2 ? 'assistant' : 'user',
      );
    }
    for (let i = 0; i < sizes.searchMessages; i++) {
      const word = i % 3 === 0 ? SEARCH_WORD : WORDS[i % WORDS.length];
      await append(
        others[i % others.length]!,
        `A note ${i} on the ${word} and the ${WORDS[(i + 3) % WORDS.length]}.`,
        'user',
      );
    }
    return { token, userId, fullConversationId, appendConversationId, searchWord: SEARCH_WORD };
  } finally {
    await store.close();
  }
}
