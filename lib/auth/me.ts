/** GET /api/me: the signed-in user and their usage. */
import { z } from 'zod';
import type { Store, UserRecord } from '../store/types.js';
import { getUsageView, usageView } from '../usage/view.js';
import { presentUser, publicUser } from './public-user.js';

export const me = z.object({ user: publicUser, usage: usageView });

export async function getMe(store: Store, user: UserRecord, now: string): Promise<z.infer<typeof me>> {
  return { user: presentUser(user), usage: await getUsageView(store, user.id, now) };
}
