/**
 * Distinct customers in one activity bucket. The bucket does not keep a set
 * of its own: the actor's DistinctWindow (which remembers every ref's latest
 * touch for at least a day) tells whether a touch is the ref's first since the
 * bucket started, so counting costs no extra hash lookup. When the window has
 * switched to a sketch (a scraper beyond the exact cap), further refs go into
 * this bucket's own HyperLogLog (p = 12, ~1.6 % standard error); refs counted
 * exactly before the switch and touched again after it may be counted twice,
 * a negligible error at those volumes.
 *
 * Count-only customers (the part of record_count not listed as refs) are a
 * plain sum: the engine adds them once per event_id.
 */
import { Hll } from './hll.js';

export class BucketDistinct {
  private exact = 0;
  private anonymous = 0;
  private sketch: Hll | null = null;

  /** A ref touched for the first time since the bucket started. */
  addNew(): void {
    this.exact++;
  }

  /** A ref whose earlier touches are unknown (window in sketch mode). */
  addSketched(key: number): void {
    (this.sketch ??= new Hll(12)).add(key);
  }

  addAnonymous(n: number): void {
    this.anonymous += n;
  }

  count(): number {
    return this.exact + this.anonymous + (this.sketch === null ? 0 : this.sketch.estimate());
  }

  get approxBytes(): number {
    return 48 + (this.sketch?.bytes ?? 0);
  }
}
