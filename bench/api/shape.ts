/**
 * Checks that the hand-written server answers what the API answers: the same JSON shape (keys,
 * value types, array lengths), so the baseline does the same work of serializing the same data.
 * Values themselves differ (ids, timestamps of appended messages) and are not compared.
 */

/** Paths where `a` and `b` differ in shape, e.g. `items[0].messageCount: number ≠ string`. */
export function shapeDifferences(a: unknown, b: unknown, path = '$'): string[] {
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(a) !== kind(b)) return [`${path}: ${kind(a)} ≠ ${kind(b)}`];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: ${a.length} items ≠ ${b.length}`];
    return a.flatMap((item, i) => shapeDifferences(item, b[i], `${path}[${i}]`));
  }
  if (kind(a) !== 'object') return [];
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys.flatMap((k) =>
    k in x && k in y
      ? shapeDifferences(x[k], y[k], `${path}.${k}`)
      : [`${path}.${k}: only in ${k in x ? 'the first' : 'the second'}`],
  );
}
