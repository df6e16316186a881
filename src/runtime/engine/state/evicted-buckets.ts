/**
 * The open activity buckets of evicted actors (engine.max_actors), kept as
 * they were until the moment tick() would have closed them had the actor
 * stayed (processing time): only then do they join the baselines and go out
 * as rows, so a cap changes neither the baselines nor the rows. If the actor
 * comes back first, its rebuilt state takes them back whole (its replayed
 * events then count in windows only), so the buckets are exactly those it
 * had. A binary min-heap on the due time, and the buckets by actor.
 */
import type { ActorProfile } from '../../../model/enriched.js';
import type { ActivityBucket } from './activity.js';
import type { AlertSpan } from './alert-spans.js';

export interface EvictedBuckets {
  readonly profile: ActorProfile;
  /** The actor's alerts at eviction (no event can change them until a rebuild takes the buckets back). */
  readonly alertSpans: readonly AlertSpan[];
  /** The actor's ActivityTracker.closedBefore, raised as its buckets fall due. */
  closedBefore: number;
  readonly buckets: ActivityBucket[];
}

interface Due {
  readonly due: number;
  readonly actorId: string;
  readonly bucket: ActivityBucket;
}

export class EvictedBucketStore {
  private readonly heap: Due[] = [];
  private readonly byActor = new Map<string, EvictedBuckets>();

  /** Buckets waiting. */
  get size(): number {
    return this.heap.length;
  }

  add(actorId: string, entry: EvictedBuckets, dueOf: (b: ActivityBucket) => number): void {
    this.byActor.set(actorId, entry);
    for (const bucket of entry.buckets) this.push({ due: dueOf(bucket), actorId, bucket });
  }

  /** The actor's waiting buckets (taken: the rebuilt state holds them from now on). */
  take(actorId: string): EvictedBuckets | undefined {
    const entry = this.byActor.get(actorId);
    if (entry !== undefined) this.byActor.delete(actorId);
    return entry;
  }

  /** Buckets due at or before `now`, with their actor's profile, earliest first. */
  takeDue(now: number): { bucket: ActivityBucket; profile: ActorProfile; alertSpans: readonly AlertSpan[] }[] {
    const out: { bucket: ActivityBucket; profile: ActorProfile; alertSpans: readonly AlertSpan[] }[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Due).due <= now) {
      const d = this.pop();
      const entry = this.byActor.get(d.actorId);
      const i = entry === undefined ? -1 : entry.buckets.indexOf(d.bucket);
      // Taken back by a rebuild meanwhile: its state closes the bucket itself.
      if (entry === undefined || i < 0) continue;
      entry.buckets.splice(i, 1);
      if (d.bucket.end > entry.closedBefore) entry.closedBefore = d.bucket.end;
      // All closed: a rebuild finds them among the stored rows (Engine.markClosedBuckets).
      if (entry.buckets.length === 0) this.byActor.delete(d.actorId);
      out.push({ bucket: d.bucket, profile: entry.profile, alertSpans: entry.alertSpans });
    }
    return out;
  }

  private push(d: Due): void {
    const h = this.heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as Due).due <= d.due) break;
      h[i] = h[parent] as Due;
      i = parent;
    }
    h[i] = d;
  }

  private pop(): Due {
    const h = this.heap;
    const top = h[0] as Due;
    const last = h.pop() as Due;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r] as Due).due < (h[l] as Due).due ? r : l;
        if ((h[c] as Due).due >= last.due) break;
        h[i] = h[c] as Due;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
