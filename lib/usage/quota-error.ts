/**
 * The 429 both stores throw when a message would exceed the user's daily or monthly limit, with
 * Retry-After counting down to the moment the exhausted window resets.
 */
import { rateLimited, type AppError } from '../errors.js';
import type { ConsumeResult } from '../store/types.js';

export function quotaExceeded(result: Extract<ConsumeResult, { allowed: false }>, now: string): AppError {
  const seconds = (Date.parse(result.retryAt) - Date.parse(now)) / 1000;
  return rateLimited(seconds, `The ${result.exhausted} message limit is used up.`);
}
