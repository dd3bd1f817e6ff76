/** GET /api/me: the signed-in user and their usage. */
import type { Store, UserRecord } from '../store/types.js';
import { getUsageView, type UsageView } from '../usage/view.js';
import { presentUser, type PublicUser } from './public-user.js';

export async function getMe(store: Store, user: UserRecord, now: string): Promise<{ user: PublicUser; usage: UsageView }> {
  return { user: presentUser(user), usage: await getUsageView(store, user.id, now) };
}
