/**
 * Distinct customers an actor touched in sliding event-time windows of several
 * horizons at once (e.g. 5m, 1h, 24h), kept up to date incrementally: adding a
 * ref and moving time are O(1) amortised per horizon, and reading a count is
 * O(1). No per-event scan of the window.
 *
 * How: one log of touches sorted by event time, one read position ("head") per
 * horizon, and for each ref the time of its LATEST touch. A ref is in horizon
 * h's window iff its latest touch is at or after h's cutoff (watermark - h).
 * When a head passes the entry that is its ref's latest touch, the ref leaves
 * that window; an older, superseded ("dead") touch changes nothing. Re-adding
 * a ref already counted is a no-op for the count, which is what makes replays
 * of the same refs idempotent.
 *
 * Time: whole seconds (relative to a fixed epoch, so they stay V8 small
 * integers and nothing is boxed); horizons are whole seconds too. The
 * watermark is the actor's highest event time seen. Late events (within the
 * engine's lateness allowance) are inserted in time order; a touch older than
 * the longest horizon is ignored.
 *
 * addRef returns the previous latest touch of the ref (or NONE / SKETCHED),
 * so the caller learns "first touch since t" (e.g. new in this hour's bucket)
 * without a hash lookup of its own.
 *
 * Memory: the log is one Uint16Array of 6-byte entries (no object per
 * touch): a 31-bit key word (a ref's 30-bit key, DEAD, or a count-only
 * entry's amount) and the second as a 17-bit offset from the window's own
 * base second `t0` (see "Entries" below; 8 bytes with an int32 second, 0.4 KB
 * per actor of the organisation more). A
 * ref's latest touch is found through an open-addressing index whose slots
 * hold only log positions (the key to probe with is read from the log), and
 * a superseded touch is marked dead in place: about 6 bytes per held touch
 * plus about 3 per live ref (2-byte slots 0.6 to 0.75 full), where a key-to-time hash map cost 8 per slot on
 * top. Up to SCAN_MAX live refs there is no index at all: the live region is
 * scanned. Dead entries are dropped early and the arrays shrink, so a quiet actor
 * costs about its live refs. Beyond `cap`
 * distinct refs the window switches to a SlidingHll (p = 10, ~3.3 % standard
 * error) until everything in it has expired. Count-only customers
 * (record_count beyond the listed refs) are anonymous entries: exact sums,
 * expired like refs.
 */
import { SlidingHll } from './hll.js';
import {
  EMPTY,
  MAX_LOAD,
  NO_INDEX,
  decodePosition,
  encodePosition,
  fits,
  homeSlot,
  indexSlotsFor,
  newIndex,
  nextSlot,
  placePosition,
  removePosition,
  spanOf,
  type KeyedLog,
  type PositionIndex,
} from './position-index.js';
import type { WordHost } from './word-host.js';

const SKETCH_P = 10;
/**
 * Expired entries are dropped once there are this many and they make up an
 * eighth of the log (FRONT_SHARE), superseded ones once they are a quarter of
 * the live region (amortised O(1) per entry): a quiet actor's log holds
 * little more than its live refs.
 */
const TRIM_MIN = 16;
/**
 * The expired front is dropped (in place: the index keeps its positions
 * through `base`) once it is an eighth of the log, and a full log grows by
 * an eighth, where a quarter each left the organisation's windows 0.07 KB
 * per actor of expired and spare entries more. Dropping at an eighth moves
 * about 7 entries per entry expired (a memmove).
 */
const FRONT_SHARE = 8;
const GROWTH = 1.125;
/** A new actor's log starts this small (most hold a few refs); it grows by an eighth when full and shrinks when less than two thirds full. */
const INITIAL_CAPACITY = 4;
/**
 * Seconds are counted from 2038-01-19 (2^31 s after 1970), so every second of
 * 1970-01-01T00:00:01Z .. 2106-02-07T06:28:14Z is an int32 strictly between
 * the two sentinels below, and the years 2004-2072 stay V8 small integers.
 */
const EPOCH_SEC = 2_147_483_648;
/** Window seconds are clamped to [MIN_SEC, MAX_SEC]: the Int32Arrays never wrap, and never hold a sentinel. */
const MIN_SEC = -2_147_483_647;
const MAX_SEC = 2_147_483_646;

/** addRef's answer when the ref had no touch in the window (below every window second). */
export const NONE = -2_147_483_648;
/** Log key of a touch superseded by a later one of its ref (ref keys are 30-bit, never negative). */
const DEAD = -1;
/**
 * Log keys at or below ANON are count-only entries: the key is -1 - amount
 * (amount >= 1), so the amount needs no array of its own (one of 8 bytes per
 * entry, allocated for the log's whole capacity, cost about 0.3 KB per actor
 * of the organisation). A larger amount than ANON_MAX is held as several entries.
 */
const ANON = -2;
const ANON_MAX = 1_073_741_823;

/**
 * Entries. Entry e is `stride` u16 words from e * stride:
 *   w0 = offset & 0xffff, w1 = (word & 0x7fff) << 1 | offset bit 16, w2 = word >>> 15
 *   [, w3 = offset >>> 17: wide windows only]
 * where word = key + KEY_BIAS (0 .. 2^31 - 1: refs, DEAD and count-only keys
 * down to -1 - ANON_MAX) and offset = second - t0 (1 .. the layout's
 * maximum; 0: an entry older than t0, which is only ever an expired one:
 * it reads as NONE). A narrow window (stride 3, the longest horizon at
 * most NARROW_HORIZON_MAX) re-bases t0 when a second would not fit (an
 * O(n) rewrite, about once per NARROW_OFFSET_MAX - longest horizon of the
 * actor's event time: every 12 hours with a 24-hour horizon). A wide one
 * (stride 4: a longer horizon, or a touch whose second lies too far from
 * the live ones) holds every window second, t0 = NONE.
 */
const KEY_BIAS = 1_073_741_824;
const NARROW = 3;
const WIDE = 4;
/** Offsets a narrow entry holds: 17 bits (36.4 hours of seconds). */
const NARROW_OFFSET_MAX = 131_071;
/** The longest horizon (s) a narrow window takes: at least 9 hours of seconds before a re-base. */
const NARROW_HORIZON_MAX = 98_304;
/** Offsets a wide entry holds: every window second above NONE. */
const WIDE_OFFSET_MAX = 4_294_967_295;

function anonAmount(key: number): number {
  return -1 - key;
}
/** The smallest index (once there is one). */
const MIN_SLOTS = 4;
/**
 * Up to this many live refs the live region of the log is scanned and there
 * is no index (slots 0): the index's up to 128 slots were a quarter of such
 * a window's bytes. 64, not more: refs are added many per event, and with 128
 * the scans cost the engine 3-8 % of its CPU (bench:engine), with 64 nothing
 * measurable. Past it the index is built; it goes again below a quarter of
 * its slots (below SCAN_MAX / 2 refs at the latest: no rebuild ping-pong).
 */
const SCAN_MAX = 64;
/** addRef's answer in sketch mode, where previous touches are unknown. */
export const SKETCHED = 2_147_483_647;
/**
 * What a window in sketch mode keeps beside its log; null in exact mode, so
 * an exact window carries one field for it, not four (and no boxed double).
 */
interface SketchState {
  readonly hll: SlidingHll;
  /** Refs added since the switch: how far the cached estimates may lag. */
  adds: number;
  /** Window second of the last prune. */
  lastPrune: number;
  /** Per horizon, the last estimate. */
  cache: { value: number; adds: number; cutoff: number }[];
}

/**
 * Epoch ms → window seconds. Monotonic; exact for 1970-2106, clamped outside
 * (a ts there collapses onto the first or last second, which keeps windows
 * consistent; decode refuses such times anyway).
 */
export function toWindowSeconds(tsMs: number): number {
  const s = Math.floor(tsMs / 1000) - EPOCH_SEC;
  // `| 0` (the value is an int32 already): a small integer to V8, where Math.floor's result is a double, so a
  // field holding window seconds stays 8 bytes instead of a boxed double (0.05 KB per actor of the organisation).
  return (s < MIN_SEC ? MIN_SEC : s > MAX_SEC ? MAX_SEC : s) | 0;
}

/** Window seconds → epoch ms: the inverse of toWindowSeconds for a whole second it did not clamp. */
export function fromWindowSeconds(sec: number): number {
  return (sec + EPOCH_SEC) * 1000;
}

/**
 * Horizon lists, validated and shared by every window given the same list
 * (the engine passes one array to all its actors): two arrays fewer per actor.
 */
interface Horizons {
  readonly input: readonly number[];
  readonly ms: readonly number[];
  readonly secs: readonly number[];
}
/** A window's horizons before setHorizons (the constructor's) ran. */
const NO_HORIZONS: Horizons = { input: [], ms: [], secs: [] };
let lastHorizons: Horizons | null = null;
function sharedHorizons(listMs: readonly number[]): Horizons {
  if (lastHorizons !== null && lastHorizons.input === listMs) return lastHorizons;
  const ms = [...new Set(listMs)].sort((a, b) => a - b);
  // invariant: rules are refused at load with a distinct_customers window under a second (measures/distinct-customers.ts).
  if (ms.length === 0) throw new Error('a window needs at least one horizon');
  if (ms.some((h) => h < 1000)) throw new Error('window horizons are at least one second');
  lastHorizons = { input: listMs, ms, secs: ms.map((h) => Math.floor(h / 1000)) };
  return lastHorizons;
}

/** The log of a window that holds nothing yet: shared, never written to (the first entry allocates). */
const NO_LOG = new Uint16Array(0);

export class DistinctWindow implements KeyedLog, WordHost {
  /** Shared between windows (sharedHorizons): never written to. */
  private hz = NO_HORIZONS;
  /**
   * The log (entries: see "Entries" above): entries [0, len) sorted by
   * second. A key >= 0 is a ref's latest touch, DEAD a superseded touch, one
   * at or below ANON a count-only entry (its amount in the key). Each typed
   * array costs about 184 bytes of its own: none until the first entry.
   * After the log's capacity, the heads and counts (headerWords): per
   * horizon h of n, value h is the head, the first log entry in h's window,
   * and value n + h the refs in h's window, each in two words (hrAt, setHr).
   * In the log's array, not an array of their own: a JS array of six small
   * integers cost 96 bytes per actor, the words 24.
   */
  private buf = NO_LOG;
  /**
   * Words at the end of `buf` that are not the window's: the actor's
   * event-id log (SeenEvents, its guest), which has no typed array of its
   * own (one costs about 184 bytes: 0.18 KB per actor of the organisation).
   * The window's own words (entries, then heads and counts) come first.
   */
  private guest = 0;
  /** u16 words per entry: NARROW or WIDE. */
  private stride = NARROW;
  /** The second an entry's offset counts from (NONE when wide). */
  private t0 = 0;
  /** Past SCAN_MAX live refs (below); NO_INDEX, length 0, while the live region is scanned. */
  private index: PositionIndex = NO_INDEX;
  private len = 0;
  /** Count-only customers per horizon; null until the first (most actors have none). */
  private anon: number[] | null = null;
  /**
   * The index: open addressing (linear probing on the key), slot → the
   * position of a live ref's latest touch (entry + base, position-index.ts),
   * or EMPTY. Live refs are the entries with a key >= 0 at or after the
   * longest horizon's head. `base` (below the index's span) lets trim drop
   * the log's front without rewriting the index.
   */
  private base = 0;
  /** Live refs (entries in the index). */
  private live = 0;
  private dead = 0;
  private sketch: SketchState | null = null;
  /**
   * The watermark in window seconds; NONE (below every window second) until
   * the first advance: a small integer, where -Infinity made the field a boxed double.
   */
  private mark = NONE;

  constructor(
    horizonsMs: readonly number[],
    private readonly cap: number,
  ) {
    this.setHorizons(horizonsMs);
  }

  /** Words of the heads and counts at the end of the log's array: two values per horizon, two words each. */
  private get headerWords(): number {
    return this.hz.secs.length << 2;
  }

  /** The window's words in `buf` (0: no log yet), before the guest's. */
  private get ownWords(): number {
    return this.buf.length - this.guest;
  }

  /** Entries the log has room for. */
  private get capacity(): number {
    const words = this.ownWords;
    return words === 0 ? 0 : (words - this.headerWords) / this.stride;
  }

  /** Head (i < n) or count (n + h) number i; 0 while there is no log (nothing is held then). */
  private hrAt(i: number): number {
    const own = this.ownWords;
    if (own === 0) return 0;
    const b = this.buf;
    const p = own - this.headerWords + (i << 1);
    return (b[p] as number) | ((b[p + 1] as number) << 16);
  }

  /** Sets head or count number i (below 2^31). Without a log every value is 0: nothing to write. */
  private setHr(i: number, v: number): void {
    const own = this.ownWords;
    if (own === 0) return;
    const b = this.buf;
    const p = own - this.headerWords + (i << 1);
    b[p] = v & 0xffff;
    b[p + 1] = v >>> 16;
  }

  /** Words at the end of `array` that are the guest's (WordHost). */
  get guestWords(): number {
    return this.guest;
  }

  /** The array whose last `guestWords` words are the guest's (WordHost). */
  get array(): Uint16Array {
    return this.buf;
  }

  /** A new array for the guest's `words` at the end (the window's own words copied; the guest fills its own), which is returned. */
  reserveGuest(words: number): Uint16Array<ArrayBuffer> {
    const own = this.ownWords;
    const b = own + words === 0 ? NO_LOG : new Uint16Array(own + words);
    if (own > 0) b.set(this.buf.subarray(0, own));
    this.buf = b;
    this.guest = words;
    return b;
  }

  /** A new array of `words` own words and the guest's words copied to its end (the caller fills the own words). */
  private withOwnWords(words: number): Uint16Array<ArrayBuffer> {
    const g = this.guest;
    const b = new Uint16Array(words + g);
    if (g > 0) b.set(this.buf.subarray(this.buf.length - g), words);
    return b;
  }

  /** The key of log entry `entry` (>= 0 a ref's, DEAD, or a count-only entry's). */
  keyAt(entry: number): number {
    const b = this.buf;
    const p = entry * this.stride;
    return (((b[p + 2] as number) << 15) | ((b[p + 1] as number) >>> 1)) - KEY_BIAS;
  }

  /** The second of log entry `entry` (NONE for one older than t0: expired). */
  private timeAt(entry: number): number {
    const b = this.buf;
    const p = entry * this.stride;
    let off = (b[p] as number) | (((b[p + 1] as number) & 1) << 16);
    if (this.stride === WIDE) off += (b[p + 3] as number) * 131_072;
    return off === 0 ? NONE : this.t0 + off;
  }

  private setKey(entry: number, key: number): void {
    const b = this.buf;
    const p = entry * this.stride;
    const word = key + KEY_BIAS;
    b[p + 1] = ((word & 0x7fff) << 1) | ((b[p + 1] as number) & 1);
    b[p + 2] = word >>> 15;
  }

  private setOffset(entry: number, off: number): void {
    const b = this.buf;
    const p = entry * this.stride;
    b[p] = off & 0xffff;
    b[p + 1] = ((b[p + 1] as number) & 0xfffe) | ((off >>> 16) & 1);
    if (this.stride === WIDE) b[p + 3] = off >>> 17;
  }

  /** Writes entry `entry`: second `ts` (fitted: see fit) and key. */
  private put(entry: number, ts: number, key: number): void {
    this.setKey(entry, key);
    this.setOffset(entry, ts - this.t0);
  }

  /** Copies entry `from` over entry `to`. */
  private move(to: number, from: number): void {
    const b = this.buf;
    const s = this.stride;
    for (let j = 0; j < s; j++) b[to * s + j] = b[from * s + j] as number;
  }

  /**
   * Makes second `ts` (at or after the longest cutoff) an offset the entries
   * hold: re-bases a narrow window if needed, or widens it when the live
   * seconds and ts span more than a narrow offset. Entries do not move.
   */
  private fit(ts: number): void {
    const off = ts - this.t0;
    if (off >= 1 && off <= (this.stride === WIDE ? WIDE_OFFSET_MAX : NARROW_OFFSET_MAX)) return;
    const head = this.longestHead();
    let lo = ts;
    let hi = ts;
    if (head < this.len) {
      lo = Math.min(lo, this.timeAt(head));
      hi = Math.max(hi, this.timeAt(this.len - 1));
    }
    // Room below for late touches down to the longest cutoff, the rest above for newer ones.
    const below = this.mark === NONE ? lo - 1 : Math.min(lo, this.cutoff(this.hz.secs.length - 1)) - 1;
    const t0 = Math.max(below, hi - NARROW_OFFSET_MAX);
    if (t0 > lo - 1) this.widen();
    else this.rebase(t0);
  }

  /** Offsets from a new t0; entries older than it (expired ones only) hold 0. */
  private rebase(t0: number): void {
    for (let i = 0; i < this.len; i++) {
      const t = this.timeAt(i);
      this.setOffset(i, t === NONE || t <= t0 ? 0 : t - t0);
    }
    this.t0 = t0;
  }

  /** The wide layout: every window second fits (t0 = NONE), so no re-base again. */
  private widen(): void {
    if (this.stride === WIDE) return;
    const old = this.buf;
    const own = this.ownWords;
    const entries = this.capacity;
    const header = this.headerWords;
    const times = new Array<number>(this.len);
    for (let i = 0; i < this.len; i++) times[i] = this.timeAt(i);
    // No log yet: nothing to re-lay (the array, if any, is the guest's alone).
    if (own > 0) {
      this.buf = this.withOwnWords(entries * WIDE + header);
      this.buf.set(old.subarray(own - header, own), entries * WIDE);
    }
    this.stride = WIDE;
    this.t0 = NONE;
    for (let i = 0; i < this.len; i++) {
      const p = i * NARROW;
      const word = ((old[p + 2] as number) << 15) | ((old[p + 1] as number) >>> 1);
      this.setKey(i, word - KEY_BIAS);
      const t = times[i] as number;
      this.setOffset(i, t === NONE ? 0 : t - NONE);
    }
  }

  /** Horizons in ms, ascending (as given). */
  get horizonList(): readonly number[] {
    return this.hz.ms;
  }

  indexOf(horizonMs: number): number {
    return this.hz.ms.indexOf(horizonMs);
  }

  get isExact(): boolean {
    return this.sketch === null;
  }

  /** Distinct customers in horizon h's window (refs + count-only). */
  count(h: number): number {
    const anon = this.anon?.[h] ?? 0;
    const n = this.hz.secs.length;
    if (this.sketch === null) return (h >= 0 && h < n ? this.hrAt(n + h) : 0) + anon;
    return this.sketchEstimate(h) + anon;
  }

  /** Move event time forward (ms); expires what left each window. */
  advance(nowMs: number): void {
    const now = toWindowSeconds(nowMs);
    if (now <= this.mark) return;
    this.mark = now;
    const horizons = this.hz.secs;
    const n = horizons.length;
    for (let h = 0; h < n; h++) {
      const cutoff = now - (horizons[h] as number);
      const isLongest = h === n - 1;
      let head = this.hrAt(h);
      const before = head;
      let refs = this.hrAt(n + h);
      while (head < this.len && this.timeAt(head) < cutoff) {
        const key = this.keyAt(head);
        if (key <= ANON) {
          const anon = this.anon as number[]; // a count-only entry was counted (addAnonymous, setHorizons)
          anon[h] = (anon[h] as number) - anonAmount(key);
        }
        else if (key >= 0) {
          // The ref's latest touch leaves this window: the ref does.
          refs--;
          if (isLongest) this.unindex(key, head);
        } else if (isLongest) this.dead--;
        head++;
      }
      if (head !== before) {
        this.setHr(h, head);
        this.setHr(n + h, refs);
      }
    }
    // Shrunk here, once every head has moved (reindex reads the live region from the longest head).
    if (this.index.length > 0 && this.live * 4 < this.index.length) this.reindex(this.slotsFor(this.live));
    this.trim();
    const sk = this.sketch;
    if (sk !== null) {
      const longest = horizons[n - 1] as number;
      if (now - sk.lastPrune >= longest / 16) {
        sk.lastPrune = now;
        if (sk.hll.prune(now - longest)) this.sketch = null;
      }
    }
  }

  /**
   * Adds a touch of a ref. Returns the second of the ref's previous latest
   * touch, NONE if it had none in the window, SKETCHED in sketch mode.
   */
  addRef(key: number, tsMs: number): number {
    const ts = toWindowSeconds(tsMs);
    const n = this.hz.secs.length;
    if (ts < this.cutoff(n - 1)) return NONE; // older than every window
    if (this.sketch !== null) {
      this.sketch.hll.add(key, ts);
      this.sketch.adds++;
      return SKETCHED;
    }
    const index = this.index;
    const slot = index.length === 0 ? -1 : this.slotOf(key);
    const prevAt = index.length === 0 ? this.scan(key) : slot < 0 ? -1 : decodePosition(index[slot] as number, this.base, spanOf(index));
    const prev = prevAt < 0 ? NONE : this.timeAt(prevAt);
    // An equal or later touch already decides this ref's membership everywhere.
    if (prev >= ts) return prev;
    // The new entry goes after every entry of an earlier or equal second, so after prevAt: prevAt keeps its place.
    const at = this.insert(ts, key);
    const fresh = prevAt < 0;
    // (insert may have replaced the index, if the log outgrew its positions: this.index, not index.)
    if (fresh) {
      if (this.index.length > 0) placePosition(this.index, key, encodePosition(at, this.base, spanOf(this.index)));
    } else {
      this.setKey(prevAt, DEAD);
      if (this.index.length > 0) this.index[this.index !== index ? this.slotOf(key) : slot] = encodePosition(at, this.base, spanOf(this.index));
      this.dead++; // prev is in the live region: its time >= the longest cutoff
    }
    // The counts' words read and written in place (insert made the log: the array is there), once per ref and horizon.
    const b = this.buf;
    const secs = this.hz.secs;
    const counts = this.ownWords - (n << 2) + (n << 1);
    for (let h = 0; h < n; h++) {
      const cutoff = this.mark - (secs[h] as number);
      // (A cutoff near 1970 can lie below the NONE sentinel: fresh is tested, not compared.)
      if (ts >= cutoff && (fresh || prev < cutoff)) {
        const p = counts + (h << 1);
        const v = ((b[p] as number) | ((b[p + 1] as number) << 16)) + 1;
        b[p] = v & 0xffff;
        b[p + 1] = v >>> 16;
      }
    }
    if (fresh) {
      this.live++;
      if (this.live > this.cap) {
        this.enterSketchMode();
        return prev;
      }
      const slots = this.index.length;
      if (slots === 0 ? this.live > SCAN_MAX : this.live > slots * MAX_LOAD) this.reindex(this.slotsFor(this.live));
    }
    if (this.dead > TRIM_MIN && this.dead * 4 > this.len - this.longestHead()) this.compact();
    return prev;
  }

  /** Customers counted without a ref (record_count beyond the listed refs). */
  addAnonymous(n: number, tsMs: number): void {
    const ts = toWindowSeconds(tsMs);
    const horizons = this.hz.secs.length;
    if (n <= 0 || ts < this.cutoff(horizons - 1)) return;
    const anon = (this.anon ??= this.hz.secs.map(() => 0));
    for (let left = n; left > 0; left -= ANON_MAX) this.insert(ts, -1 - Math.min(left, ANON_MAX));
    for (let h = 0; h < horizons; h++) {
      if (ts >= this.cutoff(h)) anon[h] = (anon[h] as number) + n;
    }
  }

  /**
   * Change the set of horizons (rule reload). Counts are rebuilt from the log,
   * so nothing already observed is lost; a horizon longer than any before only
   * sees what the previous longest horizon still held.
   */
  setHorizons(listMs: readonly number[]): void {
    const hz = sharedHorizons(listMs);
    const { ms } = hz;
    const old = this.hz.ms;
    if (ms.length === old.length && ms.every((h, i) => h === old[i])) return;
    // Entries behind the old longest head have left every window (refs there are not in the index): dead to
    // the new horizons, count-only ones too (they were counted again by a longer horizon before).
    const oldHead = this.longestHead();
    for (let i = 0; i < oldHead; i++) this.setKey(i, DEAD);
    const oldHeader = this.headerWords;
    const entries = this.capacity;
    this.hz = hz;
    // Room for the new number of heads and counts after the log (set below).
    if (this.ownWords > 0 && this.headerWords !== oldHeader) {
      const b = this.withOwnWords(entries * this.stride + this.headerWords);
      b.set(this.buf.subarray(0, this.len * this.stride));
      this.buf = b;
    }
    // A longest horizon a narrow offset cannot span (or a second re-base would follow too soon): the wide layout.
    if ((hz.secs[hz.secs.length - 1] as number) > NARROW_HORIZON_MAX) this.widen();
    const n = ms.length;
    if (this.sketch !== null) this.sketch.cache = this.freshCache();
    // (map, not new Array(...).fill: a packed array of exactly its length.)
    const hr = hz.secs.concat(hz.secs).map((_, i) => (i < n ? this.lowerBound(this.cutoff(i)) : 0));
    this.anon = null;
    for (let h = 0; h < n; h++) {
      for (let i = hr[h] as number; i < this.len; i++) {
        const key = this.keyAt(i);
        if (key <= ANON) {
          const anon = (this.anon ??= hz.secs.map(() => 0));
          anon[h] = (anon[h] as number) + anonAmount(key);
        }
        else if (key >= 0) hr[n + h] = (hr[n + h] as number) + 1;
      }
    }
    for (let i = 0; i < 2 * n; i++) this.setHr(i, hr[i] as number);
    // Refs whose latest touch fell out of the (possibly shorter) longest horizon.
    const head = this.longestHead();
    for (let i = 0; i < head; i++) {
      const key = this.keyAt(i);
      if (key >= 0) {
        this.setKey(i, DEAD);
        this.live--;
      }
    }
    this.compact();
  }

  /** Refs whose latest touch is within the longest horizon (exact mode; 0 in sketch mode). */
  get liveRefs(): number {
    return this.live;
  }

  /** Whether lookups go through the index (false: the log is scanned, SCAN_MAX). */
  get indexed(): boolean {
    return this.index.length > 0;
  }

  get approxBytes(): number {
    return 280 + this.ownWords * 2 + (this.index.length > 0 ? 200 + this.index.byteLength : 0) + (this.sketch?.hll.approxBytes ?? 0);
  }

  // ---- internals -----------------------------------------------------------

  private cutoff(h: number): number {
    return this.mark - (this.hz.secs[h] as number);
  }

  private longestHead(): number {
    const n = this.hz.secs.length;
    return n === 0 ? 0 : this.hrAt(n - 1);
  }

  private freshCache(): { value: number; adds: number; cutoff: number }[] {
    return this.hz.secs.map(() => ({ value: 0, adds: -Infinity, cutoff: -Infinity }));
  }

  /** Without an index: the entry of a live ref's latest touch, or -1 (superseded touches are DEAD, so a key appears once there). */
  private scan(key: number): number {
    // The key's words as an entry holds them (w1 without its offset bit, w2): no decoding per entry.
    const word = key + KEY_BIAS;
    const lo = (word & 0x7fff) << 1;
    const hi = word >>> 15;
    const b = this.buf;
    const s = this.stride;
    for (let i = this.longestHead(), p = i * s, end = this.len * s; p < end; p += s) {
      if (b[p + 2] === hi && ((b[p + 1] as number) & 0xfffe) === lo) return p / s;
    }
    return -1;
  }

  /** The index slot of a live ref, or -1 (there is an index). */
  private slotOf(key: number): number {
    const index = this.index;
    const slots = index.length;
    const base = this.base;
    const span = spanOf(index);
    for (let i = homeSlot(key, slots); ; i = nextSlot(i, slots)) {
      const pos = index[i] as number;
      if (pos === EMPTY) return -1;
      if (this.keyAt(decodePosition(pos, base, span)) === key) return i;
    }
  }

  /** Removes a live ref (its latest touch at entry `at`) from the index. */
  private unindex(key: number, at: number): void {
    if (this.index.length > 0) removePosition(this.index, this, this.base, key, encodePosition(at, this.base, spanOf(this.index)));
    this.live--;
  }

  /** A new index of `slots` (0: none) built from the log's live refs; positions restart at base 0. */
  private reindex(slots: number): void {
    const size = slots === 0 ? 0 : Math.max(MIN_SLOTS, slots);
    const entries = this.capacity;
    // The same size (a compaction): cleared in place, no new array.
    if (size === this.index.length && fits(this.index, entries)) this.index.fill(EMPTY);
    else this.index = size === 0 ? NO_INDEX : newIndex(size, entries);
    this.base = 0;
    if (this.sketch !== null || size === 0) return;
    for (let i = this.longestHead(); i < this.len; i++) {
      const key = this.keyAt(i);
      if (key >= 0) placePosition(this.index, key, i + 1);
    }
  }

  /** Index size for the live refs: none up to SCAN_MAX, else indexSlotsFor. */
  private slotsFor(live: number): number {
    return live <= SCAN_MAX ? 0 : indexSlotsFor(live, MIN_SLOTS);
  }

  /**
   * New log capacity (at least len): the entries [0, len) are kept, and the
   * index as it is, unless its positions no longer tell the entries apart
   * (then it is rebuilt with wider ones).
   */
  private resize(size: number): void {
    const header = this.headerWords;
    const own = this.ownWords;
    const b = this.withOwnWords(size * this.stride + header);
    b.set(this.buf.subarray(0, this.len * this.stride));
    if (own > 0) b.set(this.buf.subarray(own - header, own), size * this.stride);
    this.buf = b;
    if (this.index.length > 0 && !fits(this.index, size)) this.reindex(this.index.length);
  }

  /** Less than two thirds full: down to an eighth more than is held (it grows by an eighth when full: no resize ping-pong). */
  private shrinkIfSparse(): void {
    const size = this.capacity;
    if (size > INITIAL_CAPACITY * 4 && this.len * 3 < size * 2) this.resize(Math.max(INITIAL_CAPACITY, Math.ceil(this.len * 1.125) + 1));
  }

  /**
   * Insert keeping the log sorted by time (append in the usual, in-order
   * case); returns the entry's position. Entries after it move up by one,
   * and so do their index positions.
   */
  private insert(ts: number, key: number): number {
    this.fit(ts);
    // Full (no log yet: full too). A multiply, not capacity's division: once per touch.
    if (this.len * this.stride + this.headerWords >= this.ownWords) this.resize(Math.max(INITIAL_CAPACITY, Math.ceil(this.len * GROWTH) + 1));
    if (this.len === 0 || this.timeAt(this.len - 1) <= ts) {
      // A late touch can be the newest entry and still be expired for short
      // horizons: their heads, if at the end, must step over it.
      for (let h = 0, n = this.hz.secs.length; h < n; h++) {
        if (this.hrAt(h) === this.len && ts < this.cutoff(h)) this.setHr(h, this.len + 1);
      }
      const at = this.len;
      this.put(at, ts, key);
      this.len++;
      return at;
    }
    // Late event: first position with a later time (stable for equal times).
    let lo = this.longestHead();
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) <= ts) lo = mid + 1;
      else hi = mid;
    }
    // The live refs after lo move up one entry: their index slots first, from
    // the last (a probe only ever reads a slot's entry to compare its key, and
    // no key repeats among live refs, so the slots not yet moved are still found).
    // (Entry len is free, and may hold a stale key: cleared so no probe matches it.)
    this.setKey(this.len, DEAD);
    if (this.index.length > 0) {
      const span = spanOf(this.index);
      for (let i = this.len - 1; i >= lo; i--) {
        const k = this.keyAt(i);
        if (k >= 0) this.index[this.slotOf(k)] = encodePosition(i + 1, this.base, span);
      }
    }
    const s = this.stride;
    this.buf.copyWithin((lo + 1) * s, lo * s, this.len * s);
    this.put(lo, ts, key);
    this.len++;
    // Heads after the insertion point move with the entries they point to;
    // a head at it moves only if the new entry is already expired there.
    for (let h = 0, n = this.hz.secs.length; h < n; h++) {
      const head = this.hrAt(h);
      if (head > lo || (head === lo && ts < this.cutoff(h))) this.setHr(h, head + 1);
    }
    return lo;
  }

  private lowerBound(ts: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drop the expired prefix once it is large: amortised O(1) per entry. */
  private trim(): void {
    const head = this.longestHead();
    if (head < TRIM_MIN || head * FRONT_SHARE < this.len) return;
    this.buf.copyWithin(0, head * this.stride, this.len * this.stride);
    this.len -= head;
    for (let h = 0, n = this.hz.secs.length; h < n; h++) this.setHr(h, this.hrAt(h) - head);
    // Entry i is now entry i - head: the same position with base + head (modulo the index's span).
    if (this.index.length > 0) {
      const span = spanOf(this.index);
      this.base = this.base + head >= span ? this.base + head - span : this.base + head;
    }
    this.shrinkIfSparse();
  }

  /** Rebuild the live region without dead entries (and, in sketch mode, without ref entries); the index with it. */
  private compact(): void {
    const start = this.longestHead();
    const n = this.hz.secs.length;
    const hr = this.hz.secs.map((_, h) => this.hrAt(h));
    const newHeads = new Array<number>(n).fill(0);
    let w = 0;
    for (let i = start; i < this.len; i++) {
      const k = this.keyAt(i);
      const keep = k <= ANON || (this.sketch === null && k >= 0);
      if (!keep) continue;
      for (let h = 0; h < n; h++) if (i < (hr[h] as number)) newHeads[h] = (newHeads[h] as number) + 1;
      if (w !== i) this.move(w, i);
      w++;
    }
    this.len = w;
    for (let h = 0; h < n; h++) this.setHr(h, newHeads[h] as number);
    this.dead = 0;
    this.shrinkIfSparse();
    this.reindex(this.slotsFor(this.live));
  }

  private enterSketchMode(): void {
    const sketch = new SlidingHll(SKETCH_P);
    for (let i = this.longestHead(); i < this.len; i++) {
      const key = this.keyAt(i);
      if (key >= 0) sketch.add(key, this.timeAt(i));
    }
    this.sketch = { hll: sketch, adds: 0, lastPrune: this.mark, cache: this.freshCache() };
    this.live = 0;
    for (let h = 0, n = this.hz.secs.length; h < n; h++) this.setHr(n + h, 0);
    this.compact(); // keeps count-only entries, drops ref entries; an empty index
  }

  /**
   * The sketch estimate is O(2^p) to compute, so it is refreshed only when it
   * could have moved by about 1 %: after that many adds, or after time moved by
   * 1 % of the horizon. Deterministic: depends only on the event sequence.
   */
  private sketchEstimate(h: number): number {
    const sk = this.sketch as SketchState;
    const c = sk.cache[h] as { value: number; adds: number; cutoff: number };
    const cutoff = this.cutoff(h);
    const horizon = this.hz.secs[h] as number;
    if (sk.adds - c.adds < Math.max(1, c.value / 100) && cutoff - c.cutoff < horizon / 100) return c.value;
    c.value = sk.hll.estimate(cutoff);
    c.adds = sk.adds;
    c.cutoff = cutoff;
    return c.value;
  }
}
