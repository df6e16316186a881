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
 * Memory: the log is two typed arrays (no object per touch), a third only
 * once a count-only entry arrives; dead entries are dropped early and the
 * arrays shrink, so a quiet actor costs about its live refs. Beyond `cap`
 * distinct refs the window switches to a SlidingHll (p = 10, ~3.3 % standard
 * error) until everything in it has expired. Count-only customers
 * (record_count beyond the listed refs) are anonymous entries: exact sums,
 * expired like refs.
 */
import { SlidingHll } from './hll.js';
import { IntMap, MISSING } from './int-map.js';

const SKETCH_P = 10;
/**
 * Expired and superseded entries are dropped once there are this many and
 * they make up half the log (amortised O(1) per entry): a quiet actor's log
 * holds little more than its live refs.
 */
const TRIM_MIN = 16;
/** A new actor's log starts this small (most hold a few refs); it doubles as needed and halves (or more) when a quarter full. */
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

/** addRef's answer when the ref had no touch in the window. */
export const NONE = MISSING;
/** addRef's answer in sketch mode, where previous touches are unknown. */
export const SKETCHED = 2_147_483_647;
/** The sketch-estimate cache of every window in exact mode (empty, never written to). */
const NO_CACHE: { value: number; adds: number; cutoff: number }[] = [];

/**
 * Epoch ms → window seconds. Monotonic; exact for 1970-2106, clamped outside
 * (a ts there collapses onto the first or last second, which keeps windows
 * consistent; decode refuses such times anyway).
 */
export function toWindowSeconds(tsMs: number): number {
  const s = Math.floor(tsMs / 1000) - EPOCH_SEC;
  return s < MIN_SEC ? MIN_SEC : s > MAX_SEC ? MAX_SEC : s;
}

/**
 * Horizon lists, validated and shared by every window given the same list
 * (the engine passes one array to all its actors): two arrays fewer per actor.
 */
let lastHorizons: { readonly input: readonly number[]; readonly ms: number[]; readonly secs: number[] } | null = null;
function sharedHorizons(listMs: readonly number[]): { ms: number[]; secs: number[] } {
  if (lastHorizons !== null && lastHorizons.input === listMs) return lastHorizons;
  const ms = [...new Set(listMs)].sort((a, b) => a - b);
  // invariant: rules are refused at load with a distinct_customers window under a second (measures/distinct-customers.ts).
  if (ms.length === 0) throw new Error('a window needs at least one horizon');
  if (ms.some((h) => h < 1000)) throw new Error('window horizons are at least one second');
  lastHorizons = { input: listMs, ms, secs: ms.map((h) => Math.floor(h / 1000)) };
  return lastHorizons;
}

export class DistinctWindow {
  /** Shared between windows (sharedHorizons): never written to. */
  private horizons: readonly number[] = [];
  private horizonsMs: readonly number[] = [];
  private times = new Int32Array(INITIAL_CAPACITY);
  private keys = new Int32Array(INITIAL_CAPACITY);
  /** 0 for a ref entry; > 0 for a count-only entry. null while the log holds only refs. */
  private anons: Float64Array | null = null;
  private len = 0;
  private heads: number[] = [];
  private refs: number[] = [];
  private anon: number[] = [];
  /** ref key → second of its latest touch. */
  private readonly last = new IntMap(2);
  private dead = 0;
  private sketch: SlidingHll | null = null;
  private adds = 0;
  private lastPrune = -Infinity;
  /** Per horizon, the last sketch estimate (sketch mode only). */
  private cache: { value: number; adds: number; cutoff: number }[] = NO_CACHE;
  private mark = -Infinity;

  constructor(
    horizonsMs: readonly number[],
    private readonly cap: number,
  ) {
    this.setHorizons(horizonsMs);
  }

  /** Horizons in ms, ascending (as given). */
  get horizonList(): readonly number[] {
    return this.horizonsMs;
  }

  indexOf(horizonMs: number): number {
    return this.horizonsMs.indexOf(horizonMs);
  }

  get isExact(): boolean {
    return this.sketch === null;
  }

  /** Distinct customers in horizon h's window (refs + count-only). */
  count(h: number): number {
    const anon = this.anon[h] ?? 0;
    if (this.sketch === null) return (this.refs[h] ?? 0) + anon;
    return this.sketchEstimate(h) + anon;
  }

  /** Move event time forward (ms); expires what left each window. */
  advance(nowMs: number): void {
    const now = toWindowSeconds(nowMs);
    if (now <= this.mark) return;
    this.mark = now;
    const n = this.horizons.length;
    for (let h = 0; h < n; h++) {
      const cutoff = now - (this.horizons[h] as number);
      const isLongest = h === n - 1;
      let head = this.heads[h] as number;
      while (head < this.len && (this.times[head] as number) < cutoff) {
        const a = this.anonAt(head);
        if (a > 0) this.anon[h] = (this.anon[h] as number) - a;
        else {
          const key = this.keys[head] as number;
          if (this.last.get(key) === this.times[head]) {
            // The ref's latest touch leaves this window: the ref does.
            this.refs[h] = (this.refs[h] as number) - 1;
            if (isLongest) this.last.delete(key);
          } else if (isLongest) this.dead--;
        }
        head++;
      }
      this.heads[h] = head;
    }
    this.trim();
    if (this.sketch !== null) {
      const longest = this.horizons[n - 1] as number;
      if (now - this.lastPrune >= longest / 16) {
        this.lastPrune = now;
        if (this.sketch.prune(now - longest)) this.sketch = null;
      }
    }
  }

  /**
   * Adds a touch of a ref. Returns the second of the ref's previous latest
   * touch, NONE if it had none in the window, SKETCHED in sketch mode.
   */
  addRef(key: number, tsMs: number): number {
    const ts = toWindowSeconds(tsMs);
    if (ts < this.cutoff(this.horizons.length - 1)) return NONE; // older than every window
    if (this.sketch !== null) {
      this.sketch.add(key, ts);
      this.adds++;
      return SKETCHED;
    }
    const prev = this.last.get(key); // MISSING (= NONE) when absent
    // An equal or later touch already decides this ref's membership everywhere.
    if (prev >= ts) return prev;
    this.insert(ts, key, 0);
    this.last.set(key, ts);
    const fresh = prev === MISSING;
    if (!fresh) this.dead++; // prev is in the live region: its time >= the longest cutoff
    for (let h = 0; h < this.horizons.length; h++) {
      const cutoff = this.cutoff(h);
      // (A cutoff near 1970 can lie below the MISSING sentinel: fresh is tested, not compared.)
      if (ts >= cutoff && (fresh || prev < cutoff)) this.refs[h] = (this.refs[h] as number) + 1;
    }
    if (this.last.size > this.cap) this.enterSketchMode();
    else if (this.dead > TRIM_MIN && this.dead * 2 > this.len - this.longestHead()) this.compact();
    return prev;
  }

  /** Customers counted without a ref (record_count beyond the listed refs). */
  addAnonymous(n: number, tsMs: number): void {
    const ts = toWindowSeconds(tsMs);
    if (n <= 0 || ts < this.cutoff(this.horizons.length - 1)) return;
    this.insert(ts, 0, n);
    for (let h = 0; h < this.horizons.length; h++) {
      if (ts >= this.cutoff(h)) this.anon[h] = (this.anon[h] as number) + n;
    }
  }

  /**
   * Change the set of horizons (rule reload). Counts are rebuilt from the log,
   * so nothing already observed is lost; a horizon longer than any before only
   * sees what the previous longest horizon still held.
   */
  setHorizons(listMs: readonly number[]): void {
    const { ms, secs } = sharedHorizons(listMs);
    if (ms.length === this.horizonsMs.length && ms.every((h, i) => h === this.horizonsMs[i])) return;
    this.horizonsMs = ms;
    this.horizons = secs;
    this.cache = this.sketch === null ? NO_CACHE : this.freshCache();
    this.heads = this.horizons.map((_, h) => this.lowerBound(this.cutoff(h)));
    this.refs = this.horizons.map(() => 0);
    this.anon = this.horizons.map(() => 0);
    for (let h = 0; h < this.horizons.length; h++) {
      for (let i = this.heads[h] as number; i < this.len; i++) {
        const a = this.anonAt(i);
        if (a > 0) this.anon[h] = (this.anon[h] as number) + a;
        else if (this.last.get(this.keys[i] as number) === this.times[i]) this.refs[h] = (this.refs[h] as number) + 1;
      }
    }
    // Refs whose latest touch fell out of the (possibly shorter) longest horizon.
    const head = this.longestHead();
    for (let i = 0; i < head; i++) {
      const key = this.keys[i] as number;
      if (this.anonAt(i) === 0 && this.last.get(key) === this.times[i]) this.last.delete(key);
    }
    this.compact();
  }

  get approxBytes(): number {
    return 360 + this.times.length * (this.anons === null ? 8 : 16) + this.last.approxBytes + (this.sketch?.approxBytes ?? 0);
  }

  // ---- internals -----------------------------------------------------------

  private cutoff(h: number): number {
    return this.mark - (this.horizons[h] as number);
  }

  private longestHead(): number {
    return this.heads[this.heads.length - 1] ?? 0;
  }

  private anonAt(i: number): number {
    return this.anons === null ? 0 : (this.anons[i] as number);
  }

  private freshCache(): { value: number; adds: number; cutoff: number }[] {
    return this.horizons.map(() => ({ value: 0, adds: -Infinity, cutoff: -Infinity }));
  }

  private grow(): void {
    this.resize(this.times.length * 2);
  }

  /** New capacity (at least len): the entries [0, len) are kept. */
  private resize(size: number): void {
    const t = new Int32Array(size);
    const k = new Int32Array(size);
    t.set(this.times.subarray(0, this.len));
    k.set(this.keys.subarray(0, this.len));
    this.times = t;
    this.keys = k;
    if (this.anons !== null) {
      const a = new Float64Array(size);
      a.set(this.anons.subarray(0, this.len));
      this.anons = a;
    }
  }

  /** Less than a quarter full: down to twice what is held (a log that grows again does not resize at once). */
  private shrinkIfSparse(): void {
    const size = this.times.length;
    if (size > INITIAL_CAPACITY * 4 && this.len * 4 < size) this.resize(Math.max(INITIAL_CAPACITY, this.len * 2));
  }

  /** Insert keeping the log sorted by time (append in the usual, in-order case). */
  private insert(ts: number, key: number, anon: number): void {
    if (this.len === this.times.length) this.grow();
    if (anon > 0 && this.anons === null) this.anons = new Float64Array(this.times.length);
    if (this.len === 0 || (this.times[this.len - 1] as number) <= ts) {
      // A late touch can be the newest entry and still be expired for short
      // horizons: their heads, if at the end, must step over it.
      for (let h = 0; h < this.heads.length; h++) {
        if (this.heads[h] === this.len && ts < this.cutoff(h)) this.heads[h] = this.len + 1;
      }
      this.times[this.len] = ts;
      this.keys[this.len] = key;
      if (this.anons !== null) this.anons[this.len] = anon;
      this.len++;
      return;
    }
    // Late event: first position with a later time (stable for equal times).
    let lo = this.longestHead();
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) <= ts) lo = mid + 1;
      else hi = mid;
    }
    this.times.copyWithin(lo + 1, lo, this.len);
    this.keys.copyWithin(lo + 1, lo, this.len);
    this.times[lo] = ts;
    this.keys[lo] = key;
    if (this.anons !== null) {
      this.anons.copyWithin(lo + 1, lo, this.len);
      this.anons[lo] = anon;
    }
    this.len++;
    // Heads after the insertion point move with the entries they point to;
    // a head at it moves only if the new entry is already expired there.
    for (let h = 0; h < this.heads.length; h++) {
      const head = this.heads[h] as number;
      if (head > lo || (head === lo && ts < this.cutoff(h))) this.heads[h] = head + 1;
    }
  }

  private lowerBound(ts: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drop the expired prefix once it is large: amortised O(1) per entry. */
  private trim(): void {
    const head = this.longestHead();
    if (head < TRIM_MIN || head * 2 < this.len) return;
    this.times.copyWithin(0, head, this.len);
    this.keys.copyWithin(0, head, this.len);
    this.anons?.copyWithin(0, head, this.len);
    this.len -= head;
    for (let h = 0; h < this.heads.length; h++) this.heads[h] = (this.heads[h] as number) - head;
    this.shrinkIfSparse();
  }

  /** Rebuild the live region without dead entries (and, in sketch mode, without ref entries). */
  private compact(): void {
    const start = this.longestHead();
    const newHeads = this.heads.map(() => 0);
    let w = 0;
    const anons = this.anons;
    let anyAnon = false;
    for (let i = start; i < this.len; i++) {
      const a = anons === null ? 0 : (anons[i] as number);
      const t = this.times[i] as number;
      const k = this.keys[i] as number;
      const live = a > 0 || (this.sketch === null && this.last.get(k) === t);
      if (!live) continue;
      for (let h = 0; h < this.heads.length; h++) if (i < (this.heads[h] as number)) newHeads[h] = (newHeads[h] as number) + 1;
      this.times[w] = t;
      this.keys[w] = k;
      if (anons !== null) anons[w] = a;
      if (a > 0) anyAnon = true;
      w++;
    }
    this.len = w;
    this.heads = newHeads;
    this.dead = 0;
    // No count-only entry left: the third array goes until the next one.
    if (!anyAnon) this.anons = null;
    this.shrinkIfSparse();
  }

  private enterSketchMode(): void {
    const sketch = new SlidingHll(SKETCH_P);
    this.last.forEach((key, ts) => sketch.add(key, ts));
    this.sketch = sketch;
    this.cache = this.freshCache();
    this.last.clear();
    this.refs = this.refs.map(() => 0);
    this.lastPrune = this.mark;
    this.compact(); // keeps count-only entries, drops ref entries
  }

  /**
   * The sketch estimate is O(2^p) to compute, so it is refreshed only when it
   * could have moved by about 1 %: after that many adds, or after time moved by
   * 1 % of the horizon. Deterministic: depends only on the event sequence.
   */
  private sketchEstimate(h: number): number {
    const c = this.cache[h] as { value: number; adds: number; cutoff: number };
    const cutoff = this.cutoff(h);
    const horizon = this.horizons[h] as number;
    if (this.adds - c.adds < Math.max(1, c.value / 100) && cutoff - c.cutoff < horizon / 100) return c.value;
    c.value = (this.sketch as SlidingHll).estimate(cutoff);
    c.adds = this.adds;
    c.cutoff = cutoff;
    return c.value;
  }
}
