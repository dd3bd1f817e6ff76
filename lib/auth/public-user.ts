/** The User resource as the API shows it: never the password hash or internal fields. */
import { z } from 'zod';
import type { UserRecord } from '../store/types.js';
import { isoTimestamp, uuid } from '../validation/resource-fields.js';

export const publicUser = z.object({
  id: uuid,
  email: z.string(),
  username: z.string(),
  displayName: z.string(),
  createdAt: isoTimestamp,
  lastLoginAt: isoTimestamp.nullable(),
});
export type PublicUser = z.infer<typeof publicUser>;

export function presentUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    displayName: user.displayName,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
  };
}
