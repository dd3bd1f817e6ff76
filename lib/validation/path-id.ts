/**
 * Ids in URL paths. A path id that is not a UUID names nothing, so it is a 404 like any unknown
 * id (a frontend treats both as "not found"), and it never reaches the store.
 */
import { notFound } from '../errors.js';
import { isUuid } from './uuid.js';

/** The id in canonical lower case (both backends then compare alike), or 404 naming `what`. */
export function pathId(value: string | undefined, what: string): string {
  if (value === undefined || !isUuid(value)) throw notFound(what);
  return value.toLowerCase();
}
