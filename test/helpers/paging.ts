/**
 * Walks a keyset-paginated store list page by page, optionally running `between` after each
 * page (to insert rows between page requests), so tests can check nothing repeats or is skipped.
 */
import type { PageRequest, PageResult } from '../../lib/store/types.js';

export interface Walk<T> {
  items: T[];
  pageSizes: number[];
}

export async function walkPages<T, K>(
  fetch: (page: PageRequest<K>) => Promise<PageResult<T> | null>,
  keyOf: (item: T) => K,
  limit: number,
  between?: (pageIndex: number) => Promise<void>,
): Promise<Walk<T>> {
  const items: T[] = [];
  const pageSizes: number[] = [];
  let after: K | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await fetch(after === undefined ? { limit } : { limit, after });
    if (page === null) throw new Error('the list disappeared while paging');
    items.push(...page.items);
    pageSizes.push(page.items.length);
    const last = page.items.at(-1);
    if (!page.hasMore || last === undefined) return { items, pageSizes };
    after = keyOf(last);
    await between?.(i);
  }
  throw new Error('paging did not terminate');
}
