/**
 * Event ids already added to an actor's windows, so a redelivered event (same
 * event_id: Kafka redelivery after a restart, or the restored recent events
 * followed by the same events from Kafka) is never counted twice. This is what
 * makes count-only customers and event counts idempotent; refs are idempotent
 * by construction.
 *
 * Memory (about 12 bytes per id in the log plus 4 to 11 in the index, where
 * a Map of strings costs over 100): the ids are an arrival-ordered log of
 * three int32s per event (a 30-bit hash of the id; the event's ts as window
 * seconds; its millisecond beside 20 bits of a second, independent hash),
 * and an open-addressing index whose slots hold only positions in that log
 * (the hash to probe with is read from the log). A false "already seen"
 * needs two ids of one actor held at once to agree on 50 hash bits: about
 * n²/2^51 for n ids (2·10^-7 at the 20,000 cap). Two ids that share only
 * the first hash are both held, each with its own entry.
 *
 * Kept for the longest horizon plus the lateness allowance (nothing older can
 * still change a window), and at most `cap` per actor: beyond that the oldest
 * are forgotten first (a redelivery reaches back to the last committed offset,
 * i.e. the most recent events).
 */
import { toWindowSeconds } from './distinct-window.js';
import { checkKey, hashKey } from './keys.js';

/** int32s per log entry: [hash, seconds, (ms << 20) | check]. */
const STRIDE = 3;
const CHECK_MASK = 0xfffff;
const EMPTY = -1;
/** Entries of a new log and slots of a new index (most actors see a few events a day). */
const INITIAL_ENTRIES = 4;
const MIN_SLOTS = 8;
/** The index grows past this share of slots used and halves below a quarter (no resize ping-pong: halving leaves it half full). */
const MAX_LOAD = 0.75;
/** Logical positions (log position + base) are rebased before they could leave the int32 range. */
const MAX_BASE = 1 << 30;

function msOf(ts: number): number {
  const r = ts % 1000;
  return r < 0 ? r + 1000 : r;
}

/** Entry's (seconds, ms) before (sec, ms)? */
function before(log: Int32Array, p: number, sec: number, ms: number): boolean {
  const s = log[p + 1] as number;
  return s < sec || (s === sec && (log[p + 2] as number) >>> 20 < ms);
}

export class SeenEvents {
  /** Entries head..len-1 in arrival order; earlier slots are free. */
  private log = new Int32Array(INITIAL_ENTRIES * STRIDE);
  private head = 0;
  private len = 0;
  /** Logical position of log entry 0: index slots hold entry + base, so dropping the front rewrites nothing. */
  private base = 0;
  /** Open addressing (linear probing) on the hash: slot → logical position of its entry, or EMPTY. */
  private index = new Int32Array(MIN_SLOTS).fill(EMPTY);
  constructor(private readonly cap: number) {}

  has(eventId: string): boolean {
    const key = hashKey(eventId);
    const check = checkKey(eventId) & CHECK_MASK;
    const idx = this.index;
    const log = this.log;
    const mask = idx.length - 1;
    for (let i = key & mask; ; i = (i + 1) & mask) {
      const pos = idx[i] as number;
      if (pos === EMPTY) return false;
      const p = (pos - this.base) * STRIDE;
      if (log[p] === key && ((log[p + 2] as number) & CHECK_MASK) === check) return true;
    }
  }

  /** Adds an event id not held yet (the caller asked has()). */
  add(eventId: string, ts: number): void {
    if (this.len * STRIDE === this.log.length) this.makeRoom();
    const key = hashKey(eventId);
    const p = this.len * STRIDE;
    this.log[p] = key;
    this.log[p + 1] = toWindowSeconds(ts);
    this.log[p + 2] = (msOf(ts) << 20) | (checkKey(eventId) & CHECK_MASK);
    this.place(key, this.len + this.base);
    this.len++;
    if (this.size > this.index.length * MAX_LOAD) this.reindex(this.index.length * 2);
    if (this.size > this.cap) this.dropFirst();
  }

  /** Forget ids of events older than `before` (arrival order is time order up to lateness). */
  expire(beforeMs: number): void {
    const sec = toWindowSeconds(beforeMs);
    const ms = msOf(beforeMs);
    while (this.head < this.len && before(this.log, this.head * STRIDE, sec, ms)) this.dropFirst();
    if (this.head >= 16 && this.head * 4 >= this.len) this.moveToFront(Math.ceil(this.size * 1.25));
  }

  get size(): number {
    return this.len - this.head;
  }

  get approxBytes(): number {
    return 200 + this.log.byteLength + this.index.byteLength;
  }

  /** Puts a logical position in the first free slot of its hash's probe sequence. */
  private place(key: number, pos: number): void {
    const idx = this.index;
    const mask = idx.length - 1;
    let i = key & mask;
    while (idx[i] !== EMPTY) i = (i + 1) & mask;
    idx[i] = pos;
  }

  private dropFirst(): void {
    const pos = this.head + this.base;
    const idx = this.index;
    const mask = idx.length - 1;
    let hole = (this.log[this.head * STRIDE] as number) & mask;
    while (idx[hole] !== pos) hole = (hole + 1) & mask;
    // Backward-shift deletion: later members of the cluster move into the hole
    // unless their home slot lies cyclically in (hole, j].
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const q = idx[j] as number;
      if (q === EMPTY) break;
      const home = (this.log[(q - this.base) * STRIDE] as number) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      idx[hole] = q;
      hole = j;
    }
    idx[hole] = EMPTY;
    this.head++;
    if (idx.length > MIN_SLOTS && this.size * 4 < idx.length) this.reindex(idx.length / 2);
  }

  /** The log is full: drop the forgotten front if it is a quarter or more, else grow by half. */
  private makeRoom(): void {
    const live = this.size;
    this.moveToFront(this.head * 4 >= this.len ? Math.max(live + 1, Math.ceil(live * 1.25)) : Math.ceil(this.len * 1.5));
  }

  /** Moves the live entries to the front of a log of `entries` (at least the live ones). */
  private moveToFront(entries: number): void {
    const live = this.size;
    const log = new Int32Array(Math.max(INITIAL_ENTRIES, live, entries) * STRIDE);
    log.set(this.log.subarray(this.head * STRIDE, this.len * STRIDE));
    this.log = log;
    this.base += this.head;
    this.head = 0;
    this.len = live;
    if (this.base > MAX_BASE) this.reindex(this.index.length);
  }

  /** A new index of `slots` (a power of two) built from the log; positions restart at base 0. */
  private reindex(slots: number): void {
    this.index = new Int32Array(Math.max(MIN_SLOTS, slots)).fill(EMPTY);
    this.base = 0;
    for (let e = this.head; e < this.len; e++) this.place(this.log[e * STRIDE] as number, e);
  }
}
