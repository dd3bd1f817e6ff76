/**
 * Ids of conversations and messages: time-ordered UUIDs (version 7, RFC 9562) from the uuid
 * package. Within one process, ids made in the same millisecond still increase (uuid keeps a
 * per-process sequence), so lists that break timestamp ties by id keep creation order.
 */
import { v7 } from 'uuid';

export function newId(): string {
  return v7();
}
