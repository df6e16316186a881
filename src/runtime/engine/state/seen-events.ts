/**
 * Event ids already added to an actor's windows, so a redelivered event (same
 * event_id: Kafka redelivery after a restart, or the restored recent events
 * followed by the same events from Kafka) is never counted twice. This is what
 * makes count-only customers and event counts idempotent; refs are idempotent
 * by construction.
 *
 * Memory (8 bytes per id in the log plus about 6 in the index, where a Map
 * of strings costs over 100; no index at all while an actor holds at most
 * SCAN_MAX ids, as most do: a scan of that many is cheaper than the index's
 * bytes are worth): the ids are an arrival-ordered log of two int32s per
 * event (a 32-bit hash of the id; 18 bits of a second, independent hash
 * beside the event's time rounded UP to UNIT_MS, in 14 bits relative to the
 * log's `unitBase`), and an open-addressing index whose slots hold only
 * positions in that log (the hash to probe with is read from the log). A
 * false "already seen" needs two ids of one actor held at once to agree on
 * 50 hash bits: about n²/2^51 for n ids (2·10^-7 at the 20,000 cap). Two ids
 * that share only the first hash are both held, each with its own entry.
 *
 * Kept for the longest horizon plus the lateness allowance (nothing older can
 * still change a window), and at most `cap` per actor: beyond that the oldest
 * are forgotten first (a redelivery reaches back to the last committed offset,
 * i.e. the most recent events). Expiry is never earlier than asked, since the
 * time held is rounded up: an id is forgotten at most UNIT_MS after its
 * event's time passed the expiry instant (holding an id longer only keeps a
 * redelivery of it a duplicate; it was 12 bytes per id with the exact ms).
 */
import { checkKey, hashKey32 } from './keys.js';
import { EMPTY, MAX_LOAD, NO_INDEX, homeSlot, indexSlotsFor, newIndex, nextSlot, placePosition, removePosition, type KeyedLog, type PositionIndex } from './position-index.js';

/** int32s per log entry: [hash, (check << TIME_BITS) | time]. */
const STRIDE = 2;
const TIME_BITS = 14;
const TIME_MAX = (1 << TIME_BITS) - 1;
const CHECK_MASK = (1 << (32 - TIME_BITS)) - 1;
/** The time an entry holds: its event's, rounded up to this (16 s: 2^14 of them are 72 hours). */
const UNIT_MS = 16_000;
/**
 * A fresh or rebased log's unitBase is the newest time less this (36 hours):
 * room for late events below, and for 36 hours of newer ones above before
 * the next rebase (an O(n) rewrite). An entry older than unitBase (a longer
 * retention than 36 hours, or a backlog) is held as unitBase: longer, never
 * shorter.
 */
const LATE_ROOM = 1 << (TIME_BITS - 1);
/** Entries of a new log and slots of a new index (most actors see a few events a day). */
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
/** The log of a store that holds nothing yet: shared, never written to (the first add allocates). */
const NO_LOG = new Int32Array(0);
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

export class SeenEvents implements KeyedLog {
  /**
   * The log: `capacity` entries of STRIDE int32s, entries head..len-1 in
   * arrival order (each typed array costs about 200 bytes of its own: none
   * until the first id).
   */
  private buf = NO_LOG;
  /**
   * Once more than SCAN_MAX ids are held: open addressing (linear probing) on
   * the hash, slot -> 1 + the entry's position in the log, or EMPTY
   * (position-index.ts; every rebuild starts the log at 0, so no base).
   */
  private index: PositionIndex = NO_INDEX;
  private head = 0;
  private len = 0;
  /** Entries hold their time in units relative to this. */
  private unitBase = 0;
  constructor(private readonly cap: number) {}

  has(eventId: string): boolean {
    const key = hashKey32(eventId);
    const check = checkKey(eventId) & CHECK_MASK;
    const b = this.buf;
    const index = this.index;
    const slots = index.length;
    if (slots === 0) {
      for (let p = this.head * STRIDE, end = this.len * STRIDE; p < end; p += STRIDE) {
        if (b[p] === key && (b[p + 1] as number) >>> TIME_BITS === check) return true;
      }
      return false;
    }
    for (let i = homeSlot(key, slots); ; i = nextSlot(i, slots)) {
      const pos = index[i] as number;
      if (pos === EMPTY) return false;
      const p = (pos - 1) * STRIDE;
      if (b[p] === key && (b[p + 1] as number) >>> TIME_BITS === check) return true;
    }
  }

  /** Adds an event id not held yet (the caller asked has()). */
  add(eventId: string, ts: number): void {
    if (this.len * STRIDE === this.buf.length) this.makeRoom();
    const units = unitsOf(ts);
    if (this.size === 0) this.unitBase = units - LATE_ROOM;
    else if (units - this.unitBase > TIME_MAX) this.rebase(units - LATE_ROOM);
    const key = hashKey32(eventId);
    const p = this.len * STRIDE;
    this.buf[p] = key;
    this.buf[p + 1] = ((checkKey(eventId) & CHECK_MASK) << TIME_BITS) | Math.max(0, units - this.unitBase);
    const slots = this.index.length;
    if (slots > 0) placePosition(this.index, key, this.len + 1);
    this.len++;
    if (slots === 0 ? this.size > SCAN_MAX : this.size > slots * MAX_LOAD) this.rebuild(this.buf.length / STRIDE, this.slotsFor(this.size));
    if (this.size > this.cap) this.dropFirst();
  }

  /** Forget ids of events older than `before` (arrival order is time order up to lateness). */
  expire(beforeMs: number): void {
    // An entry's units u (ts rounded up) go if u < ceil(before): then ts <= u * UNIT_MS < before.
    const limit = unitsOf(beforeMs) - this.unitBase;
    while (this.head < this.len && ((this.buf[this.head * STRIDE + 1] as number) & TIME_MAX) < limit) this.dropFirst();
    if (this.head >= 16 && this.head * FRONT_SHARE >= this.len) this.rebuild(Math.ceil(this.size * GROWTH), this.slotsFor(this.size));
  }

  /** The hash of log entry `entry` (what the index probes with). */
  keyAt(entry: number): number {
    return this.buf[entry * STRIDE] as number;
  }

  get size(): number {
    return this.len - this.head;
  }

  /** Whether lookups go through the index (false: the log is scanned, SCAN_MAX). */
  get indexed(): boolean {
    return this.index.length > 0;
  }

  get approxBytes(): number {
    return 200 + this.buf.byteLength + (this.index.length > 0 ? 200 + this.index.byteLength : 0);
  }

  /** Times relative to a later unitBase; an entry older than it holds unitBase (longer, never shorter). */
  private rebase(unitBase: number): void {
    const shift = unitBase - this.unitBase;
    const b = this.buf;
    for (let p = this.head * STRIDE + 1, end = this.len * STRIDE; p < end; p += STRIDE) {
      const w = b[p] as number;
      b[p] = (w & ~TIME_MAX) | Math.max(0, (w & TIME_MAX) - shift);
    }
    this.unitBase = unitBase;
  }

  private dropFirst(): void {
    const slots = this.index.length;
    if (slots > 0) removePosition(this.index, this, 0, this.buf[this.head * STRIDE] as number, this.head + 1);
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
    const capacity = this.buf.length / STRIDE;
    this.rebuild(this.head * FRONT_SHARE >= this.len ? Math.max(live + 1, Math.ceil(live * GROWTH)) : Math.ceil(capacity * GROWTH), this.index.length);
  }

  /**
   * A new log of `entries` (at least the live ones) holding the live entries
   * from its front, and an index of `slots` (none: 0) built from them.
   */
  private rebuild(entries: number, slots: number): void {
    const live = this.size;
    const capacity = Math.max(INITIAL_ENTRIES, live, entries);
    const b = new Int32Array(capacity * STRIDE);
    b.set(this.buf.subarray(this.head * STRIDE, this.len * STRIDE));
    this.buf = b;
    this.index = slots > 0 ? newIndex(slots, capacity) : NO_INDEX;
    this.head = 0;
    this.len = live;
    if (slots > 0) for (let e = 0; e < live; e++) placePosition(this.index, b[e * STRIDE] as number, e + 1);
  }
}
