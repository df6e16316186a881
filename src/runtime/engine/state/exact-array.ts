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

/**
 * appended for numbers (event-counter times: ms, not small integers). A
 * function of its own, so its arrays have an allocation site of their own:
 * appended's also makes arrays of strings and objects, after which V8 starts
 * its new arrays with boxed elements, and every time in them became a heap
 * number of 16 bytes beside its 8-byte slot (0.04 KB per actor of the
 * organisation); here they stay unboxed doubles.
 */
export function appendedNumber(items: readonly number[], item: number): number[] {
  const out = new Array<number>(items.length + 1);
  for (let i = 0; i < items.length; i++) out[i] = items[i] as number;
  out[items.length] = item;
  return out;
}
