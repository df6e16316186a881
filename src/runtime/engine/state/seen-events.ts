/**
 * Event ids already added to an actor's windows, so a redelivered event (same
 * event_id: Kafka redelivery after a restart, or the restored recent events
 * followed by the same events from Kafka) is never counted twice. This is what
 * makes count-only customers and event counts idempotent; refs are idempotent
 * by construction.
 *
 * An id is held as two independent 30-bit hashes (key → check), so a false
 * "already seen" needs a 60-bit collision, and no Map operation allocates.
 * Kept for the longest horizon plus the lateness allowance (nothing older can
 * still change a window), and at most `cap` per actor: beyond that the oldest
 * are forgotten first (a redelivery reaches back to the last committed offset,
 * i.e. the most recent events).
 */
import { IntMap } from './int-map.js';
import { checkKey, hashKey } from './keys.js';

/** Arrival-ordered log of ids: one typed array of (key, ts) pairs, dropped from the front, shrunk once half is dropped. */
export class SeenEvents {
  private readonly map = new IntMap(2);
  /** [key0, ts0, key1, ts1, ...] for entries head..len-1. */
  private log = new Float64Array(4);
  private head = 0;
  private len = 0;
  constructor(private readonly cap: number) {}

  has(eventId: string): boolean {
    return this.map.get(hashKey(eventId)) === checkKey(eventId);
  }

  add(eventId: string, ts: number): void {
    const key = hashKey(eventId);
    this.map.set(key, checkKey(eventId));
    if (this.len * 2 === this.log.length) this.resize(this.live < this.len / 2 ? 0 : Math.ceil(this.len * 1.5));
    this.log[this.len * 2] = key;
    this.log[this.len * 2 + 1] = ts;
    this.len++;
    if (this.live > this.cap) this.dropFirst();
  }

  /** Forget ids of events older than `before` (arrival order is time order up to lateness). */
  expire(before: number): void {
    while (this.head < this.len && (this.log[this.head * 2 + 1] as number) < before) this.dropFirst();
    if (this.head >= 16 && this.head * 2 >= this.len) this.resize(0);
  }

  get size(): number {
    return this.map.size;
  }

  get approxBytes(): number {
    return 160 + this.map.approxBytes + this.log.byteLength;
  }

  private get live(): number {
    return this.len - this.head;
  }

  private dropFirst(): void {
    this.map.delete(this.log[this.head * 2] as number);
    this.head++;
  }

  /** Moves the live entries to the front of a log a quarter larger than their number, or of `atLeast` entries. */
  private resize(atLeast: number): void {
    const live = this.live;
    const size = Math.max(2, atLeast, Math.ceil(live * 1.25) + 1);
    const log = new Float64Array(size * 2);
    log.set(this.log.subarray(this.head * 2, this.len * 2));
    this.log = log;
    this.head = 0;
    this.len = live;
  }
}
