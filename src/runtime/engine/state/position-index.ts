/**
 * The open-addressing index that the event-id store (seen-events.ts) and
 * the distinct-customer window (distinct-window.ts) keep in the tail of
 * their one Int32Array: `slots` slots (any number: see indexSlotsFor) from
 * offset `ix`, each holding a log position (entry + base) or EMPTY, probed
 * linearly from the entry's hashed key (homeSlot, then nextSlot). The logs
 * differ only in their entry's width (`stride` int32s) and where its key
 * sits in it (`keyOffset`).
 */
export const EMPTY = -1;

/** An index grows (indexSlotsFor) once more than this share of its slots is used. */
export const MAX_LOAD = 0.75;
/**
 * A rebuilt index is this full: growth by a quarter at a time (0.6 to 0.75
 * full, about 0.67 on average), where doubling a power of two left it 0.375
 * to 0.75 full (the window's index was 1.2 KB per actor of the organisation).
 * The home slot is a remainder instead of a mask (a division per probe
 * sequence: nothing measurable, bench:engine).
 */
const FILL = 0.6;

/** Slots for an index of n keys (at least `min`): FILL full. */
export function indexSlotsFor(n: number, min: number): number {
  return Math.max(min, Math.ceil(n / FILL));
}

/** The first slot of a key's probe sequence. */
export function homeSlot(key: number, slots: number): number {
  return (key & 0x7fffffff) % slots;
}

/** The slot after i, cyclically. */
export function nextSlot(i: number, slots: number): number {
  return i + 1 === slots ? 0 : i + 1;
}

/** Puts a log position in the first free slot of its key's probe sequence. */
export function placePosition(b: Int32Array, ix: number, slots: number, key: number, pos: number): void {
  let i = homeSlot(key, slots);
  while (b[ix + i] !== EMPTY) i = nextSlot(i, slots);
  b[ix + i] = pos;
}

/** Removes log position `pos` (whose key is `key`) from the index, keeping every other position findable. */
export function removePosition(b: Int32Array, ix: number, slots: number, base: number, stride: number, keyOffset: number, key: number, pos: number): void {
  let hole = homeSlot(key, slots);
  while (b[ix + hole] !== pos) hole = nextSlot(hole, slots);
  // Backward-shift deletion: later members of the cluster move into the hole
  // unless their home slot lies cyclically in (hole, j].
  for (let j = nextSlot(hole, slots); ; j = nextSlot(j, slots)) {
    const q = b[ix + j] as number;
    if (q === EMPTY) break;
    const home = homeSlot(b[(q - base) * stride + keyOffset] as number, slots);
    const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (between) continue;
    b[ix + hole] = q;
    hole = j;
  }
  b[ix + hole] = EMPTY;
}
