/**
 * The form in which the baselines hold an activity row: its name lists
 * (resource types, channels, zones, activity classes: sorted, and the same
 * from row to row and actor to actor) shared between rows, and its actor id,
 * role and department the history's own strings. Three arrays of one name each were about 170 of
 * an hourly row's 470 bytes: 11 KB per actor of the simulated organisation
 * with 14 days of rows (bench memory, history column). Rows restored from
 * ClickHouse bring strings of their own per row, shared here too.
 *
 * Names come from events, so the lists shared are capped: past MAX_SHARED a
 * row keeps its own lists, as every row did before. No list is changed or dropped.
 */
import type { ActorActivityRow } from '../api.js';

const NONE: readonly string[] = [];
/** Lists shared at most (a few hundred bytes each with their key: about 2 MB at most). */
const MAX_SHARED = 4_096;
const shared = new Map<string, readonly string[]>();

/** The shared list of exactly these names in this order, or `names` itself once the cap is reached. */
export function sharedNames(names: readonly string[]): readonly string[] {
  if (names.length === 0) return NONE;
  const key = names.length === 1 ? (names[0] as string) : names.join('\u0000');
  const known = shared.get(key);
  // (Compared, not trusted: a name holding a NUL could give another list's key.)
  if (known !== undefined) return known.length === names.length && known.every((n, i) => n === names[i]) ? known : names;
  if (shared.size >= MAX_SHARED) return names;
  // slice: an array of exactly its length (a spread or push reserves spare slots).
  const list = Object.freeze(names.slice());
  shared.set(key, list);
  return list;
}

/**
 * The row as held: equal field for field, its lists shared, and its actor,
 * role and department the history's strings (`actor`: the history the row
 * was just added to, whose role and department are the row's).
 */
export function heldRow(row: ActorActivityRow, actor: { readonly actorId: string; readonly role: string; readonly department: string }): ActorActivityRow {
  return {
    ...row,
    actor_id: actor.actorId,
    role: actor.role,
    department: actor.department,
    resource_types: sharedNames(row.resource_types),
    channels: sharedNames(row.channels),
    zones: sharedNames(row.zones),
    ...(row.class_names !== undefined && { class_names: sharedNames(row.class_names) }),
  };
}
