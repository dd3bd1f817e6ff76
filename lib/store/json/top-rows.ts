/**
 * The first `n` rows in an order, kept while rows stream past: what a keyset page needs (its
 * `limit` rows plus one to tell `hasMore`) without sorting every row of a large store.
 */
export class TopRows<T> {
  readonly rows: T[] = [];

  constructor(
    private readonly n: number,
    private readonly order: (a: T, b: T) => number,
  ) {}

  /** Offers a row; kept when it is among the first `n` so far. */
  offer(row: T): void {
    const rows = this.rows;
    if (rows.length === this.n && this.order(row, rows[this.n - 1]!) >= 0) return;
    let at = rows.length;
    while (at > 0 && this.order(row, rows[at - 1]!) < 0) at -= 1;
    rows.splice(at, 0, row);
    if (rows.length > this.n) rows.pop();
  }
}
