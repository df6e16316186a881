/**
 * The name lists of activity buckets (resource types, channels, zones in
 * order of first use), shared: each list is immutable and made once, so the
 * buckets of every actor that used the same names in the same order hold one
 * array, not one each. Three arrays of one name each, and the strings they
 * kept of the event that brought the name, were about 200 of a bucket's 470
 * bytes in the simulated organisation (bench memory --breakdown).
 *
 * A list is reached from the empty one a name at a time (a trie of
 * transitions, keyed by the list object). Names come from events, so the
 * lists shared are capped: past MAX_SHARED a new list is a copy of its own,
 * as every bucket had before; no list is dropped or changed.
 */
import { appended } from './exact-array.js';

export const NO_NAMES: readonly string[] = [];

/** Lists shared at most (a few hundred bytes each with their transitions: well under 2 MB). */
const MAX_SHARED = 4_096;

const transitions = new Map<readonly string[], Map<string, readonly string[]>>();
let shared = 0;

/** The names with one more (the same list if it is there): the shared list of them while there is room. */
export function withName(names: readonly string[], name: string): readonly string[] {
  const n = names.length;
  // Most buckets hold one name of each kind: the last one added is compared first.
  if (n > 0 && names[n - 1] === name) return names;
  if (names.includes(name)) return names;
  let next = transitions.get(names);
  const known = next?.get(name);
  if (known !== undefined) return known;
  const list = appended(names, name);
  if (shared < MAX_SHARED) {
    shared++;
    if (next === undefined) transitions.set(names, (next = new Map()));
    next.set(name, list);
  }
  return list;
}
