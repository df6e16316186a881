/**
 * The form in which the baselines hold an actor's activity rows of one
 * granularity: one typed array, a row every `stride` elements, sorted by
 * bucket start. A row held as an object cost about 200 bytes (its fields, its
 * out-of-object property array, a boxed bucket start, its class counts'
 * array): 13.9 KB per actor of the simulated organisation's 14 days (bench
 * memory, history column).
 *
 * Each field is one element, in one of two forms of the same layout:
 *  - narrow, a Uint16Array (32 bytes a row with one activity class): while
 *    every count held is below 65,536 and every bucket start whole seconds
 *    from 1970 to 2106 (the start is held in seconds, in two elements), which
 *    is what most people's hours and days are;
 *  - wide, a Uint32Array (64 bytes a row): from the first row that is not
 *    (an analyst's day of 200,000 customers), for good; the start is then
 *    held in milliseconds.
 *
 * What a row is, field for field, stays ActorActivityRow: `row(i)` gives it
 * back equal to the row given (the rows stored in ClickHouse are the same), and
 * every figure the baselines read (`start`, `peak1h`, ...) is that row's.
 * Limits of the form, all of them true of the rows custos writes and reads:
 * bucket starts are whole epoch milliseconds (ClickHouse holds seconds);
 * counts are whole numbers from 0 to 2^32 - 1 (UInt32 columns; a count outside
 * is held clamped to that range); local hours 0-23 and weekdays 1-7.
 * Name lists (resource types, channels, zones, classes: sorted, and the same
 * from row to row and actor to actor) are held as numbers of lists shared by
 * every history (NameLists); past MAX_LISTS a row's lists are kept beside the
 * array, by bucket start, as every row's were before.
 */
import type { ActorActivityRow } from '../api.js';

/** Elements of a row before its class counts. */
const BASE = 15;
/** Narrow: seconds / 65,536 and seconds % 65,536; wide: ms / 2^32 (signed) and ms % 2^32. */
const START_HI = 0;
const START_LO = 1;
const FLAGS = 2;
const EVENTS = 3;
const DISTINCT = 4;
const PEAK_5M = 5;
const PEAK_1H = 6;
const PEAK_24H = 7;
const MAX_REQUEST = 8;
const DENIED = 9;
/** The numbers of the row's lists (NO_LIST for class names: the row has none). */
const LIST_OF: Record<ListKind, number> = { resource_types: 10, channels: 11, zones: 12, class_names: 13 };
/** How many class counts follow (with HAS_CLASS_EVENTS). */
const CLASS_COUNT = 14;

// FLAGS (16 bits, so that a narrow row holds them): local hour in bits 0-4, local weekday in bits 5-7, then:
const UNDER_ALERT = 1 << 8;
/** Which optional fields the row has (a row read back has exactly the fields it was given). */
const HAS_UNDER_ALERT = 1 << 9;
const HAS_PEAK_1H = 1 << 10;
const HAS_PEAK_24H = 1 << 11;
const HAS_MAX_REQUEST = 1 << 12;
const HAS_CLASS_EVENTS = 1 << 13;

const TWO_16 = 65_536;
const TWO_32 = 4_294_967_296;
const MAX_NARROW = 0xffff;
const MAX_COUNT = 0xffff_ffff;

/** A list number: 0 the empty list, NO_LIST none at all, SPILLED the row's own list kept beside the array. */
const EMPTY_LIST = 0;
const NO_LIST = 0xffff;
const SPILLED = 0xfffe;
/** Lists shared at most (a few hundred bytes each with their key: a few MB at most). */
const MAX_LISTS = 16_384;

const NONE: readonly string[] = [];

/** Name lists shared by every history: a list's number is the same wherever it is held. */
class NameLists {
  private readonly lists: (readonly string[])[] = [NONE];
  private readonly numbers = new Map<string, number>();

  /** The number of exactly these names in this order (SPILLED once MAX_LISTS are shared). */
  numberOf(names: readonly string[]): number {
    if (names.length === 0) return EMPTY_LIST;
    const key = names.length === 1 ? (names[0] as string) : names.join('\u0000');
    const known = this.numbers.get(key);
    if (known !== undefined) {
      // Compared, not trusted: a name holding a NUL could give another list's key.
      const list = this.lists[known] as readonly string[];
      return list.length === names.length && list.every((n, i) => n === names[i]) ? known : SPILLED;
    }
    if (this.lists.length >= MAX_LISTS) return SPILLED;
    // slice: an array of exactly its length (a spread or push reserves spare slots).
    this.lists.push(Object.freeze(names.slice()));
    this.numbers.set(key, this.lists.length - 1);
    return this.lists.length - 1;
  }

  list(n: number): readonly string[] {
    return this.lists[n] as readonly string[];
  }
}

const NAME_LISTS = new NameLists();

/** The shared list of exactly these names in this order, or a frozen copy of its own past the cap. */
export function sharedNames(names: readonly string[]): readonly string[] {
  const n = NAME_LISTS.numberOf(names);
  return n === SPILLED ? Object.freeze(names.slice()) : NAME_LISTS.list(n);
}

export type ListKind = 'resource_types' | 'channels' | 'zones' | 'class_names';

/** A row's own lists, kept by bucket start where a list could not be shared. */
type OwnLists = Partial<Record<ListKind, readonly string[]>>;

/** Who the rows are of: a row read back carries these strings. */
export interface RowsOwner {
  readonly actorId: string;
  readonly role: string;
  readonly department: string;
}

/** Rows at most this many at a time are reserved beyond the length (a new hour's row rarely allocates). */
const GROW_ROWS = 8;

export class ActivityColumns {
  /** Rows held. */
  length = 0;
  /** Narrow (Uint16Array) until a row needs the wide form (Uint32Array). */
  private words: Uint16Array | Uint32Array = new Uint16Array(0);
  private wide = false;
  /** Elements per row: BASE plus the most class counts of a row held. */
  private stride = BASE + 1;
  private spilled: Map<number, OwnLists> | null = null;

  constructor(readonly granularity: 'hour' | 'day') {}

  /** Which form the rows are held in (for tests and diagnostics). */
  get form(): 'narrow' | 'wide' {
    return this.wide ? 'wide' : 'narrow';
  }

  /** Epoch ms of row i's bucket start. */
  start(i: number): number {
    const at = i * this.stride;
    const hi = this.words[at + START_HI] as number;
    const lo = this.words[at + START_LO] as number;
    return this.wide ? (hi | 0) * TWO_32 + lo : (hi * TWO_16 + lo) * 1000;
  }

  localHour(i: number): number {
    return (this.words[i * this.stride + FLAGS] as number) & 0x1f;
  }

  localWeekday(i: number): number {
    return ((this.words[i * this.stride + FLAGS] as number) >>> 5) & 0x7;
  }

  underAlert(i: number): boolean {
    return ((this.words[i * this.stride + FLAGS] as number) & UNDER_ALERT) !== 0;
  }

  events(i: number): number {
    return this.words[i * this.stride + EVENTS] as number;
  }

  distinctRecords(i: number): number {
    return this.words[i * this.stride + DISTINCT] as number;
  }

  peak5m(i: number): number {
    return this.words[i * this.stride + PEAK_5M] as number;
  }

  /** The sliding hour's peak; rows stored without it fall back to the clock hour's count. */
  peak1h(i: number): number {
    const at = i * this.stride;
    return this.words[at + (((this.words[at + FLAGS] as number) & HAS_PEAK_1H) !== 0 ? PEAK_1H : DISTINCT)] as number;
  }

  /** The sliding 24 hours' peak; rows stored without it fall back to the bucket's count. */
  peak24h(i: number): number {
    const at = i * this.stride;
    return this.words[at + (((this.words[at + FLAGS] as number) & HAS_PEAK_24H) !== 0 ? PEAK_24H : DISTINCT)] as number;
  }

  /** The largest single request counted (0: rows stored without it). */
  maxRequestRecords(i: number): number {
    return this.words[i * this.stride + MAX_REQUEST] as number;
  }

  /** Requests of one activity class in the bucket (0: none, or rows stored without classes). */
  classEvents(i: number, name: string): number {
    const at = i * this.stride;
    if (((this.words[at + FLAGS] as number) & HAS_CLASS_EVENTS) === 0) return 0;
    const names = this.names(i, 'class_names');
    const k = names === undefined ? -1 : names.indexOf(name);
    return k < 0 || k >= (this.words[at + CLASS_COUNT] as number) ? 0 : (this.words[at + BASE + k] as number);
  }

  /** Row i's list of names of a kind (undefined: class names on a row stored without classes). */
  names(i: number, kind: ListKind): readonly string[] | undefined {
    const n = this.words[i * this.stride + LIST_OF[kind]] as number;
    if (n === NO_LIST) return undefined;
    if (n === SPILLED) return this.spilled?.get(this.start(i))?.[kind] ?? NONE;
    return NAME_LISTS.list(n);
  }

  /** First index whose bucket starts at or after `t`. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the row of the bucket starting at `t` (-1: none held), searched from the newest. */
  indexOf(t: number): number {
    for (let i = this.length - 1; i >= 0; i--) {
      const s = this.start(i);
      if (s === t) return i;
      if (s < t) return -1;
    }
    return -1;
  }

  /** Row i as an ActorActivityRow, equal field for field to the row given. */
  row(i: number, owner: RowsOwner): ActorActivityRow {
    const at = i * this.stride;
    const w = this.words;
    const flags = w[at + FLAGS] as number;
    const classNames = this.names(i, 'class_names');
    const classEvents: number[] = [];
    if ((flags & HAS_CLASS_EVENTS) !== 0) for (let k = 0; k < (w[at + CLASS_COUNT] as number); k++) classEvents.push(w[at + BASE + k] as number);
    return {
      actor_id: owner.actorId,
      role: owner.role,
      department: owner.department,
      granularity: this.granularity,
      bucket_start: this.start(i),
      local_hour: this.localHour(i),
      local_weekday: this.localWeekday(i),
      events: w[at + EVENTS] as number,
      distinct_records: w[at + DISTINCT] as number,
      peak_5m_distinct: w[at + PEAK_5M] as number,
      ...((flags & HAS_PEAK_1H) !== 0 ? { peak_1h_distinct: w[at + PEAK_1H] as number } : {}),
      ...((flags & HAS_PEAK_24H) !== 0 ? { peak_24h_distinct: w[at + PEAK_24H] as number } : {}),
      ...((flags & HAS_MAX_REQUEST) !== 0 ? { max_request_records: w[at + MAX_REQUEST] as number } : {}),
      denied: w[at + DENIED] as number,
      ...(classNames !== undefined && { class_names: classNames }),
      ...((flags & HAS_CLASS_EVENTS) !== 0 ? { class_events: classEvents } : {}),
      ...((flags & HAS_UNDER_ALERT) !== 0 ? { under_alert: (flags & UNDER_ALERT) !== 0 } : {}),
      resource_types: this.names(i, 'resource_types') ?? NONE,
      channels: this.names(i, 'channels') ?? NONE,
      zones: this.names(i, 'zones') ?? NONE,
    };
  }

  /** Inserts a row at index i (the caller keeps bucket starts sorted). */
  insert(i: number, row: ActorActivityRow): void {
    this.fit(row);
    // Doubling up to GROW_ROWS at a time: an actor seen once (an id flood) holds one row's elements.
    if (this.words.length < (this.length + 1) * this.stride) this.reallocate(this.length + Math.min(GROW_ROWS, Math.max(1, this.length)), this.stride, this.wide);
    this.words.copyWithin((i + 1) * this.stride, i * this.stride, this.length * this.stride);
    this.length++;
    this.write(i, row);
  }

  /** Replaces row i by a row of the same bucket. */
  replace(i: number, row: ActorActivityRow): void {
    this.fit(row);
    this.write(i, row);
  }

  /** Drops the first n rows (the oldest). */
  dropFirst(n: number): void {
    if (n <= 0) return;
    if (this.spilled !== null) {
      const before = n < this.length ? this.start(n) : Number.POSITIVE_INFINITY;
      for (const s of this.spilled.keys()) if (s < before) this.spilled.delete(s);
      if (this.spilled.size === 0) this.spilled = null;
    }
    this.words.copyWithin(0, n * this.stride, this.length * this.stride);
    this.length -= n;
    // Give back what a long look-back shrunk to no longer needs.
    if (this.words.length > (this.length + 2 * GROW_ROWS) * this.stride) this.reallocate(this.length + GROW_ROWS, this.stride, this.wide);
  }

  private write(i: number, row: ActorActivityRow): void {
    const at = i * this.stride;
    const w = this.words;
    const start = row.bucket_start;
    writeStart(w, at, start, this.wide);
    let flags = (row.local_hour & 0x1f) | ((row.local_weekday & 0x7) << 5);
    if (row.under_alert !== undefined) flags |= HAS_UNDER_ALERT | (row.under_alert ? UNDER_ALERT : 0);
    if (row.peak_1h_distinct !== undefined) flags |= HAS_PEAK_1H;
    if (row.peak_24h_distinct !== undefined) flags |= HAS_PEAK_24H;
    if (row.max_request_records !== undefined) flags |= HAS_MAX_REQUEST;
    if (row.class_events !== undefined) flags |= HAS_CLASS_EVENTS;
    w[at + FLAGS] = flags;
    w[at + EVENTS] = count(row.events);
    w[at + DISTINCT] = count(row.distinct_records);
    w[at + PEAK_5M] = count(row.peak_5m_distinct);
    w[at + PEAK_1H] = count(row.peak_1h_distinct ?? 0);
    w[at + PEAK_24H] = count(row.peak_24h_distinct ?? 0);
    w[at + MAX_REQUEST] = count(row.max_request_records ?? 0);
    w[at + DENIED] = count(row.denied);
    const own: OwnLists = {};
    const numberOf = (kind: ListKind, names: readonly string[] | undefined): void => {
      let n = NO_LIST;
      if (names !== undefined) {
        n = NAME_LISTS.numberOf(names);
        // Past the cap the row keeps the list it came with (no copy: a flood of names costs no more than it did).
        if (n === SPILLED) own[kind] = names;
      }
      w[at + LIST_OF[kind]] = n;
    };
    numberOf('resource_types', row.resource_types);
    numberOf('channels', row.channels);
    numberOf('zones', row.zones);
    numberOf('class_names', row.class_names);
    const classes = row.class_events ?? [];
    w[at + CLASS_COUNT] = classes.length;
    for (let k = 0; k < this.stride - BASE; k++) w[at + BASE + k] = k < classes.length ? count(classes[k] as number) : 0;
    // A row replaced keeps no lists of the row before it.
    if (Object.keys(own).length > 0) (this.spilled ??= new Map()).set(start, own);
    else if (this.spilled?.delete(start) === true && this.spilled.size === 0) this.spilled = null;
  }

  /** Makes room for the row: the wide form for a count or start the narrow one cannot hold, an element for each class count. */
  private fit(row: ActorActivityRow): void {
    const stride = Math.max(this.stride, BASE + (row.class_events?.length ?? 0));
    const wide = this.wide || !fitsNarrow(row);
    if (stride !== this.stride || wide !== this.wide) this.reallocate(Math.max(this.length + 1, this.words.length / this.stride), stride, wide);
  }

  private reallocate(rows: number, stride: number, wide: boolean): void {
    const next = wide ? new Uint32Array(rows * stride) : new Uint16Array(rows * stride);
    if (stride === this.stride && wide === this.wide) next.set(this.words.subarray(0, this.length * stride));
    else {
      for (let i = 0; i < this.length; i++) {
        const start = this.start(i);
        next.set(this.words.subarray(i * this.stride, (i + 1) * this.stride), i * stride);
        // Only narrow to wide: the start from seconds to milliseconds.
        if (wide !== this.wide) writeStart(next, i * stride, start, wide);
      }
    }
    this.words = next;
    this.stride = stride;
    this.wide = wide;
  }
}

/** A bucket start into the row at `at`: wide, ms / 2^32 and ms % 2^32; narrow, seconds / 2^16 and seconds % 2^16. */
function writeStart(w: Uint16Array | Uint32Array, at: number, start: number, wide: boolean): void {
  const unit = wide ? TWO_32 : TWO_16;
  const value = wide ? start : start / 1000;
  const hi = Math.floor(value / unit);
  w[at + START_HI] = hi;
  w[at + START_LO] = value - hi * unit;
}

/** Whether a row's counts and start fit the narrow form. */
function fitsNarrow(row: ActorActivityRow): boolean {
  const start = row.bucket_start;
  if (!(start >= 0 && start % 1000 === 0 && start / 1000 < TWO_32)) return false;
  if (row.events > MAX_NARROW || row.distinct_records > MAX_NARROW || row.peak_5m_distinct > MAX_NARROW || row.denied > MAX_NARROW) return false;
  if ((row.peak_1h_distinct ?? 0) > MAX_NARROW || (row.peak_24h_distinct ?? 0) > MAX_NARROW || (row.max_request_records ?? 0) > MAX_NARROW) return false;
  for (const c of row.class_events ?? []) if (c > MAX_NARROW) return false;
  return (row.class_events?.length ?? 0) <= MAX_NARROW;
}

function count(v: number): number {
  if (!(v > 0)) return 0;
  return v >= MAX_COUNT ? MAX_COUNT : Math.round(v);
}
