/**
 * The open-addressing index that the event-id store (seen-events.ts) and
 * the distinct-customer window (distinct-window.ts) keep beside their log
 * once it holds many entries: `slots` slots (any number: see indexSlotsFor),
 * each holding a log position or EMPTY, probed linearly from the entry's
 * hashed key (homeSlot, then nextSlot). The logs differ in how an entry
 * holds its key: each tells it (KeyedLog.keyAt).
 *
 * A slot holds 1 + (entry + base) modulo the index's span (0 is EMPTY, so a
 * new index is empty as allocated): 16 bits while the log has at most
 * SHORT_SPAN entries (always, but for a window far beyond the organisation's
 * largest), 32 beyond. 2 bytes a slot, where 4 cost the organisation about
 * 0.6 KB per actor (bench memory --breakdown). `base` lets a log drop its front
 * without rewriting the index; positions stay recoverable because no entry
 * lies SHORT_SPAN or more past the front.
 */
export type PositionIndex = Uint16Array | Int32Array;

export const EMPTY = 0;
/** No index (the log is scanned): shared, never written to. */
export const NO_INDEX: PositionIndex = new Uint16Array(0);
/** Positions a 16-bit index tells apart: the slot values 1..SHORT_SPAN. */
const SHORT_SPAN = 0xffff;
const LONG_SPAN = 0x7fffffff;

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

/** An empty index of `slots` for a log of up to `entries` entries (16-bit slots when they suffice). */
export function newIndex(slots: number, entries: number): PositionIndex {
  return entries <= SHORT_SPAN ? new Uint16Array(slots) : new Int32Array(slots);
}

/** How many positions `index` tells apart (bases are kept below it). */
export function spanOf(index: PositionIndex): number {
  return index instanceof Uint16Array ? SHORT_SPAN : LONG_SPAN;
}

/** Whether a log of `entries` entries fits `index`'s positions. */
export function fits(index: PositionIndex, entries: number): boolean {
  return entries <= spanOf(index);
}

/** The slot value of log entry `entry` (base below span, entry below span). */
export function encodePosition(entry: number, base: number, span: number): number {
  const p = entry + base;
  return (p >= span ? p - span : p) + 1;
}

/** The log entry of a (non-EMPTY) slot value. */
export function decodePosition(value: number, base: number, span: number): number {
  const e = value - 1 - base;
  return e < 0 ? e + span : e;
}

/** The first slot of a key's probe sequence. */
export function homeSlot(key: number, slots: number): number {
  return (key & 0x7fffffff) % slots;
}

/** The slot after i, cyclically. */
export function nextSlot(i: number, slots: number): number {
  return i + 1 === slots ? 0 : i + 1;
}

/** Puts a slot value in the first free slot of its key's probe sequence. */
export function placePosition(index: PositionIndex, key: number, value: number): void {
  const slots = index.length;
  let i = homeSlot(key, slots);
  while (index[i] !== EMPTY) i = nextSlot(i, slots);
  index[i] = value;
}

/** A log the index points into: the key of its entry `entry` (what the index hashed it by). */
export interface KeyedLog {
  keyAt(entry: number): number;
}

/** Removes slot value `value` (of an entry whose key is `key`) from the index, keeping every other position findable. */
export function removePosition(index: PositionIndex, log: KeyedLog, base: number, key: number, value: number): void {
  const slots = index.length;
  const span = spanOf(index);
  let hole = homeSlot(key, slots);
  while (index[hole] !== value) hole = nextSlot(hole, slots);
  // Backward-shift deletion: later members of the cluster move into the hole
  // unless their home slot lies cyclically in (hole, j].
  for (let j = nextSlot(hole, slots); ; j = nextSlot(j, slots)) {
    const q = index[j] as number;
    if (q === EMPTY) break;
    const home = homeSlot(log.keyAt(decodePosition(q, base, span)), slots);
    const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (between) continue;
    index[hole] = q;
    hole = j;
  }
  index[hole] = EMPTY;
}
