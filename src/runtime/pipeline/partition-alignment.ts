/**
 * Keeps the partitions this instance owns within a bounded distance of each
 * other in event time (watermark alignment), so that the alerts are a function
 * of the input, not of how kafkajs happened to interleave the partitions.
 *
 * Why: peer and role baselines of an event on UTC day D are read as of D's
 * start minus a margin (rules settings group_baseline_margin; see
 * src/runtime/engine/baseline/history.ts). They come out the same in every run only if
 * every other partition has been evaluated past that cutoff (plus the lateness
 * allowance) when the event is judged. Fetched 4 MB at a time, a dense
 * partition falls days behind the others in a catch-up. So a partition may run
 * ahead of the slowest other partition that still has events waiting by at
 * most `aheadMs` (the margin less the lateness allowance): its batch is cut
 * there, the evaluated prefix is stored and committed, and the partition is
 * paused until the slowest one has caught up enough. The slowest partition is
 * never held (its bound is at least its own position plus aheadMs), so the
 * partitions cannot wait for each other in a circle.
 *
 * A partition's position is the event time up to which it has been evaluated:
 * its newest stored event when restored, then the newest it evaluated; a
 * held partition has evaluated everything before its first held event. A
 * partition whose last batch reached the log end, or restored with nothing
 * beyond its committed offset, is caught up: its next events are new ones,
 * and it holds nobody back (it may never deliver a batch). One assigned but
 * not restored or heard of yet holds the others for at most `graceMs` of
 * processing time.
 *
 * Beyond this instance, nothing is aligned: with several instances, a peer
 * snapshot may be taken before another instance's partition passed its
 * cutoff (counted in the engine's provisionalJudgments).
 */
export interface BatchProgress {
  /** Newest event time evaluated in the batch (-Infinity: none). */
  readonly lastTs: number;
  /** Event time of the first event left unevaluated by the cut (null: the whole batch was evaluated). */
  readonly heldFrom: number | null;
  /** The batch reached the partition's log end as fetched. */
  readonly reachedEnd: boolean;
}

interface PartitionState {
  at: number;
  caughtUp: boolean;
  heldFrom: number | null;
  paused: boolean;
  assignedAt: number;
}

export class PartitionAlignment {
  private readonly parts = new Map<number, PartitionState>();

  constructor(
    /** How far ahead of the slowest other partition with events waiting one may run (ms of event time). */
    private readonly aheadMs: () => number,
    private readonly now: () => number,
    private readonly graceMs = 10_000,
  ) {}

  /**
   * The group's assignment after a join (told by the source): new partitions
   * start unknown and running (the source resumes, at every join, each
   * assigned partition not held paused here: kafkajs may still hold one paused
   * from before it was revoked); revoked ones are forgotten, and what is said
   * of them afterwards (a restore or batch that ends late) is ignored.
   */
  assign(partitions: readonly number[]): void {
    const keep = new Set(partitions);
    for (const p of [...this.parts.keys()]) if (!keep.has(p)) this.parts.delete(p);
    for (const p of partitions) if (!this.parts.has(p)) this.parts.set(p, this.fresh());
  }

  /**
   * The partition's state was restored: everything up to its newest stored
   * event (null: none) had been evaluated. `caughtUp`: nothing waits beyond its
   * committed offset, so it holds nobody back (it may never deliver a batch).
   */
  restored(partition: number, anchorMs: number | null, caughtUp: boolean): void {
    const s = this.parts.get(partition);
    // Not (or no longer) assigned here: a phantom partition that never moves would bound the others for ever.
    if (s === undefined) return;
    if (anchorMs !== null && anchorMs > s.at) s.at = anchorMs;
    s.caughtUp = caughtUp;
  }

  /** Event time up to which every other owned partition with events waiting has been evaluated (+Infinity: none has). */
  othersCompleteTo(partition: number): number {
    let min = Number.POSITIVE_INFINITY;
    const now = this.now();
    for (const [q, s] of this.parts) {
      if (q === partition || s.caughtUp) continue;
      // Not heard of since its assignment: behind everything, for a while.
      if (s.at === Number.NEGATIVE_INFINITY && now - s.assignedAt >= this.graceMs) continue;
      const at = s.heldFrom === null ? s.at : Math.max(s.at, s.heldFrom - 1);
      if (at < min) min = at;
    }
    return min;
  }

  /** Events of this partition with a ts beyond this wait. */
  bound(partition: number): number {
    return this.othersCompleteTo(partition) + this.aheadMs();
  }

  /** What a batch of the partition evaluated (a cut batch: its first held event; the source pauses it, see paused()). */
  evaluated(partition: number, b: BatchProgress): void {
    const s = this.parts.get(partition);
    if (s === undefined) return;
    if (b.lastTs > s.at) s.at = b.lastTs;
    s.heldFrom = b.heldFrom;
    s.caughtUp = b.heldFrom === null && b.reachedEnd;
  }

  /**
   * The source paused the partition after storing its cut batch. Only now may
   * resumable() list it: a resume decided while the batch was still being
   * stored would come before the pause, which then would never be undone.
   */
  paused(partition: number): void {
    const s = this.parts.get(partition);
    if (s !== undefined && s.heldFrom !== null) s.paused = true;
  }

  /** Whether the partition is held paused here (the source paused it; resumable() has not listed it since). */
  isPaused(partition: number): boolean {
    return this.parts.get(partition)?.paused ?? false;
  }

  /** Paused partitions whose first held event is within their bound now (marked running again). */
  resumable(): number[] {
    const out: number[] = [];
    for (const [p, s] of this.parts) {
      if (!s.paused || (s.heldFrom !== null && s.heldFrom > this.bound(p))) continue;
      s.paused = false;
      s.heldFrom = null;
      out.push(p);
    }
    return out;
  }

  /** Whether the partition has events waiting (not caught up): its actors are not idle, only not read yet. */
  hasBacklog(partition: number): boolean {
    const s = this.parts.get(partition);
    return s !== undefined && !s.caughtUp;
  }

  /** For logs: each partition's position, caught-up flag and first held event (ISO times). */
  describe(): Record<string, string> {
    const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));
    return Object.fromEntries([...this.parts].map(([p, s]) => [String(p), `${iso(s.at)}${s.caughtUp ? ' caught up' : ''}${s.heldFrom !== null ? ` held at ${iso(s.heldFrom)}` : ''}`]));
  }

  private fresh(): PartitionState {
    return { at: Number.NEGATIVE_INFINITY, caughtUp: false, heldFrom: null, paused: false, assignedAt: this.now() };
  }
}
