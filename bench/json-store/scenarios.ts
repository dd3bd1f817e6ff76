/**
 * The JSON-store benchmark's scenarios, each timed over real HTTP at concurrency 1: plain and
 * keyed appends, the conversation list right after a write (only the list is timed), a search
 * (a two-word query paged by 20), getting a conversation; and across processes: a write on one
 * server, then the list (and a keyed replay) on another server on the same directory, which must
 * see it (checked, not just timed).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from './client.js';

export interface Scenario {
  name: string;
  /** One timed sample, in ms. */
  run(i: number): Promise<number>;
}

/** A word only the benchmark's own appends hold: as many hits in either store. */
export const SEARCH_PATH = '/api/search?q=lighthouse&limit=20';
/** Two words most generated messages hold: hits grow with the store. */
export const BROAD_SEARCH_PATH = '/api/search?q=postgres%20thread&limit=20';

const message = (i: number) => ({ role: 'user', content: `bench message ${i} lighthouse` });

export function scenarios(client: Client, conversationId: string): Scenario[] {
  const messages = `/api/conversations/${conversationId}/messages`;
  return [
    { name: 'append', run: async (i) => (await client.expect(201, 'POST', messages, message(i))).ms },
    {
      name: 'append + Idempotency-Key',
      run: async (i) =>
        (await client.expect(201, 'POST', messages, message(i), { 'idempotency-key': randomUUID() })).ms,
    },
    {
      name: 'list after a write',
      run: async (i) => {
        await client.expect(201, 'POST', messages, message(i));
        return (await client.expect(200, 'GET', '/api/conversations?limit=20')).ms;
      },
    },
    { name: 'search', run: async () => (await client.expect(200, 'GET', SEARCH_PATH)).ms },
    { name: 'search, broad', run: async () => (await client.expect(200, 'GET', BROAD_SEARCH_PATH)).ms },
    {
      name: 'get conversation',
      run: async () => (await client.expect(200, 'GET', `/api/conversations/${conversationId}`)).ms,
    },
  ];
}

/**
 * Writes on `writer`, then reads on `reader` (another process on the same directory): the list
 * must show the new conversation first, and the writer's key must replay on the reader.
 */
export function crossProcess(writer: Client, reader: Client): Scenario[] {
  return [
    {
      name: 'list on B after a create on A',
      run: async (i) => {
        const created = await writer.expect(201, 'POST', '/api/conversations', { title: `cross ${i}` });
        const id = (created.json as { id: string }).id;
        const list = await reader.expect(200, 'GET', '/api/conversations?limit=20');
        const first = (list.json as { items: Array<{ id: string }> }).items[0]?.id;
        if (first !== id) throw new Error(`process B did not see process A's conversation ${id} (first: ${first})`);
        return list.ms;
      },
    },
    {
      name: 'keyed replay on B of a write on A',
      run: async (i) => {
        const key = randomUUID();
        const body = { title: `keyed ${i}` };
        const created = await writer.expect(201, 'POST', '/api/conversations', body, { 'idempotency-key': key });
        const replay = await reader.send('POST', '/api/conversations', body, { 'idempotency-key': key });
        const same = (replay.json as { id?: string }).id === (created.json as { id: string }).id;
        if (replay.status >= 300 || !same) throw new Error(`process B did not replay process A's key ${key}`);
        return replay.ms;
      },
    },
  ];
}
