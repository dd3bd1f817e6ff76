/**
 * A compact set of ids for duplicate detection across a million messages: each id is kept as
 * its 64-bit fingerprint in an open-addressing table of two Uint32Arrays (16 bytes a slot at
 * most half full): 16 MB for a million ids (24 MB while growing), where a Set of strings would
 * take over 100 MB.
 * A fingerprint collision would report a false duplicate with a chance of about 2^-64 per pair.
 */
import { rowLanes } from './checksum.js';

export class IdSet {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  private size = 0;

  /** Adds `id` (case-insensitively); false when it was already present. */
  add(id: string): boolean {
    const [h, l0] = rowLanes(id.toLowerCase());
    const l = h === 0 && l0 === 0 ? 1 : l0; // (0, 0) marks an empty slot
    if (!this.insert(h, l)) return false;
    this.size += 1;
    if (this.size * 2 > this.hi.length) this.grow();
    return true;
  }

  private insert(h: number, l: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = (l ^ h) & mask; ; i = (i + 1) & mask) {
      if (this.hi[i] === 0 && this.lo[i] === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        return true;
      }
      if (this.hi[i] === h && this.lo[i] === l) return false;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}
