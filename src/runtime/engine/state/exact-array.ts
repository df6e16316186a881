/**
 * Arrays of exactly their length, for the small per-actor lists the engine
 * holds by the hundred thousand (bucket name sets, event-counter times,
 * measure states). Arrays grown by push, spread or filter reserve spare
 * slots: two items cost about 190 bytes that way, 72 in an array of their
 * length.
 */

/** A new array of exactly the items and one more. */
export function appended<T>(items: readonly T[], item: T): T[] {
  const out = new Array<T>(items.length + 1);
  for (let i = 0; i < items.length; i++) out[i] = items[i] as T;
  out[items.length] = item;
  return out;
}
