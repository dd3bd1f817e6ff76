/**
 * Request bodies of the auth routes. Emails are kept as typed (trimmed) and compared
 * case-insensitively by the store; usernames are 3–32 of [A-Za-z0-9_.-]; passwords 8–200
 * characters (a ceiling so a hash request cannot be made arbitrarily expensive).
 */
import { z } from 'zod';
import { storable } from '../validation/storable-schema.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

export const registerBody = z.object({
  email: storable(z.string().trim().max(254)).pipe(z.email()),
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"'),
  password: storable(z.string().min(PASSWORD_MIN).max(PASSWORD_MAX)),
  displayName: storable(z.string().trim().min(1).max(100)).optional(),
});
export type RegisterBody = z.infer<typeof registerBody>;

export const loginBody = z.object({
  /** Email or username, compared case-insensitively. */
  login: storable(z.string().trim().min(1).max(254)),
  password: storable(z.string().min(1).max(PASSWORD_MAX)),
});
export type LoginBody = z.infer<typeof loginBody>;
