/**
 * The statements the PostgreSQL store runs for each benchmarked request: imported from
 * lib/store/postgres/*.ts, so they are the store's own text, with its positional parameters
 * (documented where each is defined). The hand-written baseline server runs them through
 * postgres.js `unsafe`, as the store does, and bench/api/pgbench.ts inlines the same parameters
 * for pgbench, so both baselines execute exactly the SQL the API does.
 */
export { GET_CONVERSATION, LIST_CONVERSATIONS } from '../../lib/store/postgres/conversations.js';
export { FIND_CREDENTIAL, TOUCH_API_TOKEN, TOUCH_SESSION } from '../../lib/store/postgres/credentials.js';
export { CLAIM_IDEMPOTENCY_KEY } from '../../lib/store/postgres/idempotency.js';
export { BUMP_CONVERSATION, INSERT_MESSAGE, LIST_MESSAGES } from '../../lib/store/postgres/messages.js';
export { SEARCH_MESSAGES } from '../../lib/store/postgres/search.js';
export { CONSUME_USAGE, READ_USAGE } from '../../lib/store/postgres/usage.js';
