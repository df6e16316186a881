/**
 * Window state follows partitions. An actor's events are keyed to one
 * partition, so whichever instance owns the partition holds the actor's
 * sliding windows and open alert. When a rebalance (or the start) assigns this
 * instance a partition, the events of that partition stored in ClickHouse
 * within the longest window — by whichever instance owned it before — and the
 * open alerts of their actors are restored into the engine before the
 * partition's first batch is evaluated. Without this, a burst spanning a
 * rebalance would be judged on the part the new owner saw.
 *
 * Restoring is additive: events the engine already holds are recognised by id,
 * and a stored alert revision newer than the one held replaces it. Restores
 * start as soon as the assignment is known (so a partition without new
 * traffic still gets its open alerts restored, and closed when quiet) and are
 * retried until they succeed or the partition is revoked.
 */
import type { Logger } from '../observability/log.js';

export type RestorePartition = (topic: string, partition: number) => Promise<void>;

export class PartitionRestorer {
  private assigned = new Set<number>();
  private readonly pending = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly topic: string,
    private readonly restore: RestorePartition,
    private readonly logger: Logger,
    private readonly retryMaxMs = 30_000,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms).unref()),
  ) {}

  /** The group's new assignment for this topic: restores every partition that was not already ours. */
  assign(partitions: readonly number[]): void {
    const previous = this.assigned;
    this.assigned = new Set(partitions);
    for (const p of previous) if (!this.assigned.has(p)) this.pending.delete(p);
    for (const p of partitions) {
      if (previous.has(p)) continue;
      const done = this.restoreUntilDone(p);
      this.pending.set(p, done);
      void done.finally(() => {
        if (this.pending.get(p) === done) this.pending.delete(p);
      });
    }
  }

  /** Settles when the partition's state is restored; null when there is nothing to wait for. */
  whenRestored(topic: string, partition: number): Promise<void> | null {
    if (topic !== this.topic) return null;
    return this.pending.get(partition) ?? null;
  }

  stop(): void {
    this.stopped = true;
  }

  private async restoreUntilDone(partition: number): Promise<void> {
    for (let failures = 0; ; failures++) {
      if (this.stopped || !this.assigned.has(partition)) return;
      try {
        await this.restore(this.topic, partition);
        return;
      } catch (err) {
        const delay = Math.min(this.retryMaxMs, 500 * 2 ** Math.min(failures, 10));
        this.logger.warn({ partition, err: { message: (err as Error).message }, retryInMs: delay }, 'restoring the partition state failed; its batches wait');
        await this.sleep(delay);
      }
    }
  }
}
