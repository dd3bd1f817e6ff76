/**
 * Order-independent, streamable table checksums: each canonical row's 64-bit fingerprint (two
 * 32-bit lanes of a cyrb53-style multiply-xor hash over its UTF-16 text), summed lane by lane
 * modulo 2^32, beside the row count. Rows can be added in any order, one at a time, in constant
 * memory. It detects accidental differences, not forgeries; why our own hash and not
 * node:crypto: docs/decisions/0009. Manifests and reports carry these values, so the algorithm
 * is part of the backup format.
 */

import type { TableName } from './canonical-row.js';

export interface TableChecksum {
  count: number;
  /** Lane sums, each kept in 0..2^32-1. */
  hi: number;
  lo: number;
}

export type Checksums = Record<TableName, TableChecksum>;

/** A checksum as written to reports and manifests. */
export interface ChecksumSummary {
  count: number;
  checksum: string;
}

export const emptyChecksum = (): TableChecksum => ({ count: 0, hi: 0, lo: 0 });

export function emptyChecksums(): Checksums {
  return {
    users: emptyChecksum(),
    usage: emptyChecksum(),
    sessions: emptyChecksum(),
    apiTokens: emptyChecksum(),
    conversations: emptyChecksum(),
    messages: emptyChecksum(),
  };
}

/** The 64-bit fingerprint of one canonical row, as two unsigned 32-bit lanes. */
function rowLanes(canonical: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < canonical.length; i++) {
    const ch = canonical.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h2 >>> 0, h1 >>> 0];
}

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

/** The fingerprint of one row as 16 hex digits (for record-by-record comparisons). */
export function rowHash(canonical: string): string {
  const [hi, lo] = rowLanes(canonical);
  return hex32(hi) + hex32(lo);
}

/** Adds one canonical row to `acc` (mutates it). */
export function addRow(acc: TableChecksum, canonical: string): void {
  const [hi, lo] = rowLanes(canonical);
  acc.count += 1;
  acc.hi = (acc.hi + hi) >>> 0;
  acc.lo = (acc.lo + lo) >>> 0;
}

export function sameChecksum(a: TableChecksum, b: TableChecksum): boolean {
  return a.count === b.count && a.hi === b.hi && a.lo === b.lo;
}

export function summarize(acc: TableChecksum): ChecksumSummary {
  return { count: acc.count, checksum: hex32(acc.hi) + hex32(acc.lo) };
}

export function summarizeAll(all: Checksums): Record<TableName, ChecksumSummary> {
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, summarize(v)])) as Record<
    TableName,
    ChecksumSummary
  >;
}
