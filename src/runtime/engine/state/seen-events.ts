/**
 * Event ids already added to an actor's windows, so a redelivered event (same
 * event_id: Kafka redelivery after a restart, or the restored recent events
 * followed by the same events from Kafka) is never counted twice. This is what
 * makes count-only customers and event counts idempotent; refs are idempotent
 * by construction.
 *
 * Memory (6.25 bytes per id in the log plus about 6 in the index, where a Map
 * of strings costs over 100; no index at all while an actor holds at most
 * SCAN_MAX ids, as most do: a scan of that many is cheaper than the index's
 * bytes are worth): the ids are an arrival-ordered log in one Uint16Array,
 * BLOCK ids to a block. An id is three u16 words: a 32-bit hash of the id and
 * 16 bits of a second, independent hash. A block's first word is the latest
 * time of the ids added to it, rounded UP to UNIT_MS, relative to the log's
 * `unitBase`: the ids carry no time of their own (8 bytes each with 14 bits
 * of time beside 50 of hash: 0.15 KB per actor of the organisation more,
 * bench memory --breakdown). The index's slots hold only positions in that
 * log (the hash to probe with is read from the log).
 *
 * A false "already seen" (which would drop an event) needs a new id to agree
 * with one held by the same actor on all 48 hash bits: about n/2^48 per
 * lookup with n ids held, so E·n/2^48 per actor-day of E events: 3·10^-11
 * for the organisation's typical actor (about 90 ids a day, 87 held), 10^-8
 * for one at 5,000 events a day, 1.4·10^-6 at the 20,000 cap (its every
 * lookup against 20,000 held). Two ids that share only the first hash are
 * both held, each with its own entry.
 *
 * Kept for the longest horizon plus the lateness allowance (nothing older can
 * still change a window), and at most `cap` per actor: beyond that the oldest
 * are forgotten first (a redelivery reaches back to the last committed offset,
 * i.e. the most recent events). Expiry is never earlier than asked: a block
 * goes (from the front, in arrival order) once its latest time is before the
 * expiry instant, so an id is forgotten no earlier than its own time says and
 * at most UNIT_MS after the newest of the BLOCK - 1 ids that arrived with it
 * (at most BLOCK - 1 ids per actor held beyond their time; holding an id
 * longer only keeps a redelivery of it a duplicate, and such an event is
 * late for every window anyway).
 */
import { checkKey, hashKey32 } from './keys.js';
import { OwnArray, type WordHost } from './word-host.js';
import { EMPTY, MAX_LOAD, NO_INDEX, homeSlot, indexSlotsFor, newIndex, nextSlot, placePosition, removePosition, type KeyedLog, type PositionIndex } from './position-index.js';

/** Ids per block (one time word each): a power of two, so an id's block is a shift. */
const BLOCK_SHIFT = 3;
const BLOCK = 1 << BLOCK_SHIFT;
/** u16 words of an id: [hash low 16, hash high 16, check]. */
const ID_WORDS = 3;
/** u16 words of a block: its time word, then BLOCK ids. */
const BLOCK_WORDS = 1 + BLOCK * ID_WORDS;
const CHECK_MASK = 0xffff;
const TIME_MAX = 0xffff;
/** The time a block holds: its ids' latest, rounded up to this (16 s: 2^16 of them are 12 days). */
const UNIT_MS = 16_000;
/**
 * A fresh or rebased log's unitBase is the newest time less this (6 days):
 * room for late events below, and for 6 days of newer ones above before the
 * next rebase (an O(n / BLOCK) rewrite). A time older than unitBase (a longer
 * retention, or a backlog) is held as unitBase: longer, never shorter.
 */
const LATE_ROOM = 1 << 15;
/** Ids of a new log (most actors see a few events a day). */
const INITIAL_ENTRIES = 4;
/**
 * The forgotten front is dropped once it is an eighth of the log, and a full
 * log grows by an eighth: a log of n ids holds about 1.1 n entries, where a
 * quarter each held 1.3 n (0.1 KB per actor of the organisation). A rebuild
 * (a copy, and the index if any) every n/8 ids costs about 8 entry moves per
 * id added: nothing measurable beside an event's evaluation (bench:engine).
 */
const FRONT_SHARE = 8;
const GROWTH = 1.125;
const MIN_SLOTS = 8;
/**
 * Up to this many ids the log is scanned and there is no index (slots 0): an
 * actor of the simulated organisation holds about 90 a day, whose index took
 * 128 slots (512 bytes); one lookup per event, so the scan costs nothing
 * measurable (bench:engine). Past it the index is built; it goes again below a
 * quarter of its slots (below SCAN_MAX / 2 ids at the latest: no rebuild ping-pong).
 */
const SCAN_MAX = 128;

/** Epoch ms -> time units, rounded up (never earlier than ts). */
function unitsOf(ts: number): number {
  return Math.ceil(ts / UNIT_MS);
}

/** The first word of id `entry` (after the time words of its block and of every block before). */
function wordOf(entry: number): number {
  return entry * ID_WORDS + (entry >>> BLOCK_SHIFT) + 1;
}

/** The words a log of `entries` ids takes (the last block may be partial). */
function wordsFor(entries: number): number {
  return entries === 0 ? 0 : wordOf(entries - 1) + ID_WORDS;
}

/** The time word of the block holding id `entry`. */
function timeWordOf(entry: number): number {
  return (entry >>> BLOCK_SHIFT) * BLOCK_WORDS;
}

export class SeenEvents implements KeyedLog {
  /**
   * The log: ids head..len-1 in arrival order, BLOCK to a block from id 0,
   * in the host's array from `start()` on (none until the first id).
   */
  private readonly host: WordHost;
  /**
   * Once more than SCAN_MAX ids are held: open addressing (linear probing) on
   * the hash, slot -> 1 + the id's position in the log, or EMPTY
   * (position-index.ts; every rebuild starts the log at its front's block, so no base).
   */
  private index: PositionIndex = NO_INDEX;
  private head = 0;
  private len = 0;
  /** Block times are units relative to this. */
  private unitBase = 0;
  constructor(
    private readonly cap: number,
    host?: WordHost,
  ) {
    this.host = host ?? new OwnArray();
  }

  /** The log's first word in the host's array. */
  private start(b: Uint16Array): number {
    return b.length - this.host.guestWords;
  }

  has(eventId: string): boolean {
    const key = hashKey32(eventId);
    const lo = key & 0xffff;
    const hi = key >>> 16;
    const check = checkKey(eventId) & CHECK_MASK;
    const b = this.host.array;
    const o = this.start(b);
    const index = this.index;
    const slots = index.length;
    if (slots === 0) {
      for (let e = this.head, p = o + wordOf(e), end = this.len; e < end; ) {
        if (b[p] === lo && b[p + 1] === hi && b[p + 2] === check) return true;
        e++;
        // The next block's ids come after its time word.
        p += (e & (BLOCK - 1)) === 0 ? ID_WORDS + 1 : ID_WORDS;
      }
      return false;
    }
    for (let i = homeSlot(key, slots); ; i = nextSlot(i, slots)) {
      const pos = index[i] as number;
      if (pos === EMPTY) return false;
      const p = o + wordOf(pos - 1);
      if (b[p] === lo && b[p + 1] === hi && b[p + 2] === check) return true;
    }
  }

  /** Adds an event id not held yet (the caller asked has()). */
  add(eventId: string, ts: number): void {
    // Nothing held: the log starts again at its first block (whose time word the first id sets).
    if (this.size === 0) this.head = this.len = 0;
    if (wordsFor(this.len + 1) > this.host.guestWords) this.makeRoom();
    const units = unitsOf(ts);
    if (this.size === 0) this.unitBase = units - LATE_ROOM;
    else if (units - this.unitBase > TIME_MAX) this.rebase(units - LATE_ROOM);
    const key = hashKey32(eventId);
    const b = this.host.array;
    const o = this.start(b);
    const e = this.len;
    const p = o + wordOf(e);
    b[p] = key & 0xffff;
    b[p + 1] = key >>> 16;
    b[p + 2] = checkKey(eventId) & CHECK_MASK;
    const t = o + timeWordOf(e);
    const rel = Math.max(0, units - this.unitBase);
    // A block's first id sets its time (the word may hold a forgotten block's); later ones raise it.
    if ((e & (BLOCK - 1)) === 0 || rel > (b[t] as number)) b[t] = rel;
    const slots = this.index.length;
    if (slots > 0) placePosition(this.index, key, e + 1);
    this.len++;
    if (slots === 0 ? this.size > SCAN_MAX : this.size > slots * MAX_LOAD) this.rebuild(this.capacity, this.slotsFor(this.size));
    if (this.size > this.cap) this.dropFirst();
  }

  /** Forget ids of events older than `before` (arrival order is time order up to lateness), a block at a time. */
  expire(beforeMs: number): void {
    // A block's units u (its latest ts rounded up) go if u < ceil(before): then every ts in it <= u * UNIT_MS < before.
    const limit = unitsOf(beforeMs) - this.unitBase;
    while (this.head < this.len && this.blockTime(this.head) < limit) {
      // The rest of the block (dropFirst may rebuild the log: blocks keep their alignment, so the test holds).
      do this.dropFirst();
      while (this.head < this.len && (this.head & (BLOCK - 1)) !== 0);
    }
    if (this.head >= 16 && this.head * FRONT_SHARE >= this.len) this.rebuild(Math.ceil(this.size * GROWTH), this.slotsFor(this.size));
  }

  /** The time word of the block holding id `entry`, read from the host's current array (a rebuild replaces it). */
  private blockTime(entry: number): number {
    const b = this.host.array;
    return b[this.start(b) + timeWordOf(entry)] as number;
  }

  /** The hash of log entry `entry` (what the index probes with). */
  keyAt(entry: number): number {
    const b = this.host.array;
    const p = this.start(b) + wordOf(entry);
    return (((b[p + 1] as number) << 16) | (b[p] as number)) | 0;
  }

  get size(): number {
    return this.len - this.head;
  }

  /** Whether lookups go through the index (false: the log is scanned, SCAN_MAX). */
  get indexed(): boolean {
    return this.index.length > 0;
  }

  get approxBytes(): number {
    return 8 + this.host.guestWords * 2 + (this.index.length > 0 ? 180 + this.index.byteLength : 0);
  }

  /** Ids the log has room for. */
  private get capacity(): number {
    const words = this.host.guestWords;
    const blocks = Math.floor(words / BLOCK_WORDS);
    const rest = words - blocks * BLOCK_WORDS;
    return blocks * BLOCK + (rest === 0 ? 0 : (rest - 1) / ID_WORDS);
  }

  /** Block times relative to a later unitBase; a block older than it holds unitBase (longer, never shorter). */
  private rebase(unitBase: number): void {
    const shift = unitBase - this.unitBase;
    const b = this.host.array;
    const o = this.start(b);
    for (let t = o + timeWordOf(this.head), end = o + wordsFor(this.len); t < end; t += BLOCK_WORDS) b[t] = Math.max(0, (b[t] as number) - shift);
    this.unitBase = unitBase;
  }

  private dropFirst(): void {
    const slots = this.index.length;
    if (slots > 0) removePosition(this.index, this, 0, this.keyAt(this.head), this.head + 1);
    this.head++;
    // Few ids left: a smaller index (or none), and the log without its forgotten front.
    if (slots > 0 && this.size * 4 < slots) this.rebuild(Math.ceil(this.size * 1.125) + 1, this.slotsFor(this.size));
  }

  /** Index size for n ids: none up to SCAN_MAX, else indexSlotsFor. */
  private slotsFor(n: number): number {
    return n <= SCAN_MAX ? 0 : indexSlotsFor(n, MIN_SLOTS);
  }

  /** The log is full: drop the forgotten front if it is an eighth or more, else grow by an eighth. */
  private makeRoom(): void {
    const live = this.size;
    this.rebuild(this.head * FRONT_SHARE >= this.len ? Math.max(live + 1, Math.ceil(live * GROWTH)) : Math.ceil(this.capacity * GROWTH), this.index.length);
  }

  /**
   * A new log with room for `entries` live ids (at least the live ones)
   * holding the blocks from the front's on (the forgotten ids before the head
   * in its block stay, so blocks keep their ids and times), and an index of
   * `slots` (none: 0) built from the live ids.
   */
  private rebuild(entries: number, slots: number): void {
    const live = this.size;
    const first = (this.head >>> BLOCK_SHIFT) << BLOCK_SHIFT;
    const skipped = this.head - first;
    const capacity = skipped + Math.max(INITIAL_ENTRIES, live, entries);
    const old = this.host.array;
    const from = this.start(old);
    const b = this.host.reserveGuest(wordsFor(capacity));
    b.set(old.subarray(from + timeWordOf(first), from + wordsFor(this.len)), this.start(b));
    this.index = slots > 0 ? newIndex(slots, capacity) : NO_INDEX;
    this.head = skipped;
    this.len = skipped + live;
    if (slots > 0) for (let e = this.head; e < this.len; e++) placePosition(this.index, this.keyAt(e), e + 1);
  }
}
