/**
 * Time-ordered UUIDs (version 7, RFC 9562) for conversations and messages. Lists break
 * timestamp ties by id, so ids that grow with creation keep two items written in the same
 * millisecond in creation order (within a process; across processes ties stay arbitrary but stable).
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

export function newId(): string {
  const ms = Date.now();
  // A 12-bit counter within one millisecond; a fresh random start each new millisecond.
  if (ms > lastMs) {
    lastMs = ms;
    sequence = randomBytes(2).readUInt16BE() & 0x7ff;
  } else {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
