/**
 * Order-independent, streamable table checksums. Each canonical row is hashed (md5, first 64
 * bits) and the hashes are summed modulo 2^64, so rows can be added in any order, one at a time,
 * in constant memory; a sum (unlike xor) does not cancel out a duplicated pair of rows. The row
 * count is kept beside it. md5 is used as a fast fingerprint here, not for security.
 */
import { createHash } from 'node:crypto';
import type { TableName } from './canonical-row.js';

export interface TableChecksum {
  count: number;
  sum: bigint;
}

export type Checksums = Record<TableName, TableChecksum>;

/** A checksum as written to reports and manifests. */
export interface ChecksumSummary {
  count: number;
  checksum: string;
}

const MASK = (1n << 64n) - 1n;

export const emptyChecksum = (): TableChecksum => ({ count: 0, sum: 0n });

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

/** The 64-bit fingerprint of one canonical row. */
export function rowHash(canonical: string): bigint {
  return createHash('md5').update(canonical).digest().readBigUInt64BE(0);
}

/** Adds one canonical row to `acc` (mutates it). */
export function addRow(acc: TableChecksum, canonical: string): void {
  acc.count += 1;
  acc.sum = (acc.sum + rowHash(canonical)) & MASK;
}

export function sameChecksum(a: TableChecksum, b: TableChecksum): boolean {
  return a.count === b.count && a.sum === b.sum;
}

export function summarize(acc: TableChecksum): ChecksumSummary {
  return { count: acc.count, checksum: acc.sum.toString(16).padStart(16, '0') };
}

export function summarizeAll(all: Checksums): Record<TableName, ChecksumSummary> {
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, summarize(v)])) as Record<TableName, ChecksumSummary>;
}
