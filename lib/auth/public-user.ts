/** The User resource as the API shows it: never the password hash or internal fields. */
import type { UserRecord } from '../store/types.js';

export interface PublicUser {
  id: string;
  email: string;
  username: string;
  displayName: string;
  createdAt: string;
  lastLoginAt: string | null;
}

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
