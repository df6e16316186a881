/**
 * A map from 30-bit non-negative integer keys to int32 values, open
 * addressing with linear probing in one Int32Array ([key, value] pairs side by
 * side). Keys here are already uniform (leading bits of an HMAC, or a hash),
 * so the key itself picks the slot: one memory access per lookup in the usual
 * case, where a JS Map costs several scattered ones. Deletion shifts the
 * following cluster back (no tombstones), so lookups stay short forever.
 */
export const MISSING = -2_147_483_648;
const EMPTY = -1;
/** Slots of an empty map: most maps (one actor's refs or event ids) stay small. */
const MIN_CAPACITY = 4;
/**
 * Grows past this share of slots used (keys are uniform, so linear probing
 * stays short: about 2.5 probes for a hit, a cache line for a miss); shrinks
 * below an eighth (no resize ping-pong).
 */
const MAX_LOAD = 0.75;

export class IntMap {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 8) {
    let cap = MIN_CAPACITY;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Int32Array(cap * 2).fill(EMPTY);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value, or MISSING. */
  get(key: number): number {
    const s = this.slots;
    let i = key & this.mask;
    for (;;) {
      const k = s[i * 2] as number;
      if (k === key) return s[i * 2 + 1] as number;
      if (k === EMPTY) return MISSING;
      i = (i + 1) & this.mask;
    }
  }

  set(key: number, value: number): void {
    const s = this.slots;
    let i = key & this.mask;
    for (;;) {
      const k = s[i * 2] as number;
      if (k === key) {
        s[i * 2 + 1] = value;
        return;
      }
      if (k === EMPTY) {
        s[i * 2] = key;
        s[i * 2 + 1] = value;
        if (++this.count > (this.mask + 1) * MAX_LOAD) this.resize((this.mask + 1) * 2);
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const s = this.slots;
    const mask = this.mask;
    let i = key & mask;
    for (;;) {
      const k = s[i * 2] as number;
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the cluster into the hole
    // when their home slot does not lie cyclically in (hole, current].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = s[j * 2] as number;
      if (k === EMPTY) break;
      const home = k & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      s[hole * 2] = k;
      s[hole * 2 + 1] = s[j * 2 + 1] as number;
      hole = j;
    }
    s[hole * 2] = EMPTY;
    this.count--;
    // Shrink when very sparse so an actor that was busy once does not keep a large table.
    if (this.mask + 1 > MIN_CAPACITY && this.count * 8 < this.mask + 1) this.resize((this.mask + 1) / 2);
    return true;
  }

  clear(): void {
    this.slots = new Int32Array(MIN_CAPACITY * 2).fill(EMPTY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  forEach(fn: (key: number, value: number) => void): void {
    const s = this.slots;
    for (let i = 0; i <= this.mask; i++) {
      const k = s[i * 2] as number;
      if (k !== EMPTY) fn(k, s[i * 2 + 1] as number);
    }
  }

  get approxBytes(): number {
    return this.slots.byteLength + 120;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i] as number;
      if (k !== EMPTY) this.set(k, old[i + 1] as number);
    }
  }
}
