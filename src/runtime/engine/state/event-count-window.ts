/**
 * Number of matching events in a sliding event-time window (e.g. denied
 * outcomes in 10m). Timestamps are kept sorted (late events are inserted in
 * place) and capped: past the cap the count saturates, far above any sane limit.
 */
import { appendedNumber } from './exact-array.js';

/** The times of a counter whose times have all expired (or none came yet): shared, never written to. */
const NO_TIMES: readonly number[] = [];
/**
 * Up to this many times the array is replaced by a copy one longer on each
 * add (exact-array.ts), so it holds exactly its times: push reserves at least
 * 16 spare slots (most windows hold a handful, about 130 bytes of slack
 * each). Beyond it, push (amortised O(1)).
 */
const EXACT_MAX = 32;

export class EventCountWindow {
  private times = NO_TIMES as number[];
  private head = 0;
  constructor(
    readonly horizonMs: number,
    private readonly cap = 10_000,
  ) {}

  add(ts: number): void {
    const t = this.times;
    if (t.length === 0 || (t[t.length - 1] as number) <= ts) {
      if (t.length < EXACT_MAX) this.times = appendedNumber(t, ts);
      else t.push(ts);
    } else {
      let lo = this.head;
      let hi = t.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((t[mid] as number) <= ts) lo = mid + 1;
        else hi = mid;
      }
      t.splice(lo, 0, ts);
    }
    if (t.length - this.head > this.cap) this.head++;
  }

  /** Events with ts in [now - horizon, now]. */
  count(now: number): number {
    const cutoff = now - this.horizonMs;
    while (this.head < this.times.length && (this.times[this.head] as number) < cutoff) this.head++;
    // Expired times are dropped once they are a quarter of the array (amortised O(1) each), however
    // few: past a minimum of 16, the organisation's counters held more expired times than live ones
    // (an hour's counter about 9 times, 6 of them expired; a 10-minute one 141 of 144).
    const head = this.head;
    if (head > 0 && head * 4 >= this.times.length) {
      this.times = head === this.times.length ? (NO_TIMES as number[]) : this.times.slice(head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  get isEmpty(): boolean {
    return this.head >= this.times.length;
  }

  get approxBytes(): number {
    return 64 + (this.times.length - this.head) * 8;
  }
}
