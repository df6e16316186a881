/**
 * The open-addressing index that the event-id store (seen-events.ts) and
 * the distinct-customer window (distinct-window.ts) keep in the tail of
 * their one Int32Array: `slots` (a power of two) slots from offset `ix`,
 * each holding a log position (entry + base) or EMPTY, probed linearly
 * from the entry's hashed key. The logs differ only in their entry's width
 * (`stride` int32s) and where its key sits in it (`keyOffset`).
 */
export const EMPTY = -1;

/** Puts a log position in the first free slot of its key's probe sequence. */
export function placePosition(b: Int32Array, ix: number, slots: number, key: number, pos: number): void {
  const mask = slots - 1;
  let i = key & mask;
  while (b[ix + i] !== EMPTY) i = (i + 1) & mask;
  b[ix + i] = pos;
}

/** Removes log position `pos` (whose key is `key`) from the index, keeping every other position findable. */
export function removePosition(b: Int32Array, ix: number, slots: number, base: number, stride: number, keyOffset: number, key: number, pos: number): void {
  const mask = slots - 1;
  let hole = key & mask;
  while (b[ix + hole] !== pos) hole = (hole + 1) & mask;
  // Backward-shift deletion: later members of the cluster move into the hole
  // unless their home slot lies cyclically in (hole, j].
  for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
    const q = b[ix + j] as number;
    if (q === EMPTY) break;
    const home = (b[(q - base) * stride + keyOffset] as number) & mask;
    const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (between) continue;
    b[ix + hole] = q;
    hole = j;
  }
  b[ix + hole] = EMPTY;
}
