/**
 * Window state follows partitions. An actor's events are keyed to one
 * partition, so whichever instance owns the partition holds the actor's
 * sliding windows and open alert.
 *
 * - Assigned a partition it did not own (at start, at a rebalance, or after it
 *   lost its group membership): the events of that partition stored in
 *   ClickHouse within the longest window — by whichever instance owned it
 *   before — and the open alerts of their actors are restored into the engine
 *   before the partition's first batch is evaluated. Restoring is additive:
 *   events the engine holds are recognised by id, and a newer stored alert
 *   revision replaces the one held. Restores start as soon as the assignment is
 *   known (a partition without new traffic still gets its open alerts back, and
 *   closed when quiet), at most `concurrency` at a time (each may hold up to
 *   history.max_recent_events rows), retried until they succeed or the
 *   partition is revoked. The partition's events are replayed in chunks as
 *   they are read (DetectionEngine.beginRestore), so a restore holds one chunk
 *   of rows, not the whole partition; other partitions' batches go on
 *   meanwhile, and leave the restoring actors alone. A read that fails or is
 *   revoked half-way forgets what it replayed (the engine did not hold these
 *   actors before), and the retry starts again from the beginning.
 * - A partition revoked: its actors' window state and open alerts are dropped
 *   (baselines stay); the new owner continues them, and a closing revision from
 *   here would race its revisions.
 */
import type { DetectionEngine, RestoreSeed } from '../engine/index.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { SourcePosition } from '../../model/event.js';
import { describeError, retriedFailureLog } from '../../errors.js';
import type { Logger } from '../../observability/log.js';
import { retry } from '../../util/retry.js';

/** One partition's stored state, as of the offset its consumption resumes at. */
export interface PartitionHistory extends RestoreSeed {
  /** The partition's recent events, oldest first, in chunks as they are read (read once). */
  readonly recentEvents: AsyncIterable<readonly EnrichedEvent[]>;
  /** The committed offset the state was loaded as of (decimal string); null or absent when unknown. */
  readonly resumesAt?: string | null;
  /**
   * Where the partition stands in event time: its newest stored event below the
   * committed offset (null: none), and whether nothing waits beyond that offset.
   * Told to the alignment only if the partition is still this restore's.
   */
  readonly position?: { readonly anchorMs: number | null; readonly caughtUp: boolean };
}

export interface PartitionRestoreDeps {
  /** The stored state of one partition (its events in the window, its actors' alerts), as of its committed offset. */
  readonly load: (topic: string, partition: number) => Promise<PartitionHistory>;
  readonly engine: Pick<DetectionEngine, 'beginRestore' | 'forget' | 'holds'>;
  readonly logger: Logger;
  /** Partition alignment (src/runtime/pipeline/partition-alignment.ts): told where a partition whose state is being restored stands. */
  readonly alignment?: { restored(partition: number, anchorMs: number | null, caughtUp: boolean): void };
  readonly concurrency?: number;
  readonly retryMaxMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class PartitionRestorer {
  private assigned = new Set<number>();
  /** Bumped whenever a partition is (re)assigned or revoked: an older restore of it must not apply. */
  private readonly epochs = new Map<number, number>();
  private readonly pending = new Map<number, Promise<boolean>>();
  /** Owned partitions whose restore was applied (since their latest assignment). */
  private readonly restored = new Set<number>();
  /** Actors seen per owned partition, to forget when it is revoked. */
  private readonly actors = new Map<number, Set<string>>();
  /** The partition of each tracked actor (the reverse of `actors`). */
  private readonly partitionOfActor = new Map<string, number>();
  /** Per owned partition: the last offset whose effects the engine holds (evaluated, or restored as of). */
  private readonly heldUpTo = new Map<number, string>();
  private readonly queue: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly topic: string,
    private readonly deps: PartitionRestoreDeps,
  ) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
  }

  /**
   * The group's assignment for this topic after a join. `fresh`: this instance
   * lost its membership since the last one (a new member id), so another may
   * have owned any partition meanwhile: everything is restored again.
   */
  assign(partitions: readonly number[], fresh = false): void {
    const previous = fresh ? new Set<number>() : this.assigned;
    if (fresh) for (const p of this.assigned) this.revoke(p);
    this.assigned = new Set(partitions);
    for (const p of previous) if (!this.assigned.has(p)) this.revoke(p);
    for (const p of partitions) if (!previous.has(p)) this.startRestore(p);
  }

  /**
   * Actors whose events a batch of this partition carried (evaluated here),
   * and the batch's last offset: what the engine now reflects of the partition.
   */
  noteActors(topic: string, partition: number, actorIds: Iterable<string>, lastOffset?: string): void {
    if (topic !== this.topic || !this.assigned.has(partition)) return;
    let set = this.actors.get(partition);
    if (set === undefined) this.actors.set(partition, (set = new Set()));
    for (const id of actorIds) {
      set.add(id);
      this.partitionOfActor.set(id, partition);
    }
    if (lastOffset !== undefined) this.heldUpTo.set(partition, lastOffset);
  }

  /**
   * The position up to which the engine reflects this actor's partition: what
   * a revision the engine emits for the actor outside a batch (a tick) is
   * stamped with, so a restore as of a committed offset takes it only if
   * everything it followed was committed. null: not known here.
   */
  /** The owned partition this actor's events come from, when known here. */
  partitionOf(actorId: string): number | undefined {
    return this.partitionOfActor.get(actorId);
  }

  positionOf(actorId: string): SourcePosition | null {
    const partition = this.partitionOfActor.get(actorId);
    if (partition === undefined) return null;
    const offset = this.heldUpTo.get(partition);
    return offset === undefined ? null : { topic: this.topic, partition, offset };
  }

  /**
   * Settles when the partition's state is restored (true) or its restore was
   * given up because the partition was revoked or the monitor stops (false:
   * its batch must not be evaluated). A partition not assigned here (a batch
   * fetched before a rejoin that revoked it), or whose restore was given up
   * (the monitor stops), is false at once, however often asked. null:
   * restored, nothing to wait for (or not this restorer's topic).
   */
  whenRestored(topic: string, partition: number): Promise<boolean> | null {
    if (topic !== this.topic) return null;
    if (!this.assigned.has(partition)) return Promise.resolve(false);
    const pending = this.pending.get(partition);
    if (pending !== undefined) return pending;
    // Its restore settled: a batch asking after one given up at a stop must not be evaluated without its state.
    return this.restored.has(partition) ? null : Promise.resolve(false);
  }

  /** Stops tracking actors whose state the engine no longer holds (expired while idle). */
  prune(): void {
    for (const set of this.actors.values()) {
      for (const id of set) {
        if (this.deps.engine.holds(id)) continue;
        set.delete(id);
        this.partitionOfActor.delete(id);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    // Waiters get a slot each and find themselves stopped.
    for (const release of this.queue.splice(0)) {
      this.running++;
      release();
    }
  }

  private revoke(partition: number): void {
    this.bump(partition);
    this.pending.delete(partition);
    this.restored.delete(partition);
    const actors = this.actors.get(partition);
    if (actors !== undefined) {
      this.deps.engine.forget(actors);
      for (const id of actors) this.partitionOfActor.delete(id);
    }
    this.actors.delete(partition);
    this.heldUpTo.delete(partition);
  }

  private bump(partition: number): number {
    const epoch = (this.epochs.get(partition) ?? 0) + 1;
    this.epochs.set(partition, epoch);
    return epoch;
  }

  private startRestore(partition: number): void {
    const epoch = this.bump(partition);
    this.restored.delete(partition);
    const done = this.restoreUntilDone(partition, epoch);
    this.pending.set(partition, done);
    void done.then(() => {
      if (this.pending.get(partition) === done) this.pending.delete(partition);
    });
  }

  private current(partition: number, epoch: number): boolean {
    return !this.stopped && this.epochs.get(partition) === epoch;
  }

  private async restoreUntilDone(partition: number, epoch: number): Promise<boolean> {
    await this.slot();
    try {
      let applied = false;
      const result = await retry(
        async () => {
          if (!this.current(partition, epoch)) return;
          const state = await this.deps.load(this.topic, partition);
          // Revoked (or reassigned) while loading: this state is not ours to apply, nor its position to tell.
          if (!this.current(partition, epoch)) return;
          // Known at once (before the replay, which may take a while): until then it holds the others for the grace period only.
          if (state.position !== undefined) this.deps.alignment?.restored(partition, state.position.anchorMs, state.position.caughtUp);
          const actors = new Set(state.alerts.map((x) => x.alert.actor_id));
          const restore = this.deps.engine.beginRestore(state);
          let complete = false;
          try {
            for await (const chunk of state.recentEvents) {
              for (const e of chunk) actors.add(e.actor_id);
              if (!this.current(partition, epoch)) break;
              restore.replay(chunk);
            }
            complete = this.current(partition, epoch);
          } finally {
            restore.finish();
            // Half a restore (the read failed, or the partition was revoked meanwhile) is not
            // kept: nothing else holds these actors, and a retry replays everything again.
            // Unless the partition came back meanwhile: its new restore replays everything
            // again over this prefix (events are recognised by id) and must keep what it did.
            if (!complete && (this.epochs.get(partition) === epoch || !this.assigned.has(partition))) this.deps.engine.forget(actors);
          }
          if (!complete) return;
          // Below the resume offset, everything is reflected: the offset before it is the position held.
          const resumesAt = state.resumesAt ?? null;
          const heldUpTo = resumesAt !== null && BigInt(resumesAt) > 0n ? (BigInt(resumesAt) - 1n).toString() : undefined;
          this.noteActors(this.topic, partition, actors, heldUpTo);
          this.restored.add(partition);
          applied = true;
        },
        {
          backoff: { initialMs: 500, maxMs: this.deps.retryMaxMs ?? 30_000 },
          // Retried until it succeeds or the partition is revoked (or the monitor stops).
          giveUp: () => !this.current(partition, epoch),
          onRetry: (err, _failures, delayMs) => {
            const { level, note } = retriedFailureLog(err);
            this.deps.logger[level]({ partition, err: describeError(err), retryInMs: delayMs, ...(note && { note }) }, 'restoring the partition state failed; its batches wait');
          },
          sleep: this.sleep,
        },
      );
      return result.ok && applied;
    } finally {
      // Hand the slot straight to the next waiter (no window for a third restore).
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Waits for one of `concurrency` restore slots (a released slot is handed over, not returned). */
  private async slot(): Promise<void> {
    if (this.running < (this.deps.concurrency ?? 2) || this.stopped) {
      this.running++;
      return;
    }
    await new Promise<void>((release) => this.queue.push(release));
  }
}
