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

export class SeenEvents {
  private readonly map = new IntMap();
  private keys: number[] = [];
  private times: number[] = [];
  private head = 0;
  constructor(private readonly cap: number) {}

  has(eventId: string): boolean {
    return this.map.get(hashKey(eventId)) === checkKey(eventId);
  }

  add(eventId: string, ts: number): void {
    const key = hashKey(eventId);
    this.map.set(key, checkKey(eventId));
    this.keys.push(key);
    this.times.push(ts);
    if (this.keys.length - this.head > this.cap) this.dropFirst();
  }

  /** Forget ids of events older than `before` (arrival order is time order up to lateness). */
  expire(before: number): void {
    while (this.head < this.keys.length && (this.times[this.head] as number) < before) this.dropFirst();
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.map.size;
  }

  get approxBytes(): number {
    return 64 + this.map.approxBytes + (this.keys.length - this.head) * 16;
  }

  private dropFirst(): void {
    this.map.delete(this.keys[this.head] as number);
    this.head++;
  }
}
