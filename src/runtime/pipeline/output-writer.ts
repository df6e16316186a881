/**
 * Writes one batch (or one tick's output) to every output of the list
 * (src/runtime/outputs/index.ts): the durable ones until each acknowledged —
 * one that did is not written again — heartbeating so the group keeps the
 * partition, then the followers. The same processed output is retried, never
 * re-evaluated. The partition waits rather than skip data; the write is given
 * up only when `shouldAbandon` says so (the consumer stops or lost the
 * partition; a tick's limited attempts) or when a heartbeat fails (the group
 * is rebalancing, or has dropped this member: kafkajs can rejoin only once the
 * batch ends, and a member that holds its batch past the rebalance timeout is
 * expelled), and then the caller keeps the engine's output for the next write
 * (carry-over).
 */
import { describeError, retriedFailureLog } from '../../errors.js';
import type { OutputBatch } from '../../model/batch.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Backoff } from '../../util/retry.js';
import type { Output } from '../outputs/output.js';
import type { SinkHealth } from './sink-health.js';
import { retryWhileHeartbeating } from './heartbeating.js';

export interface WriteControl {
  /** Keep the group membership alive while a write hangs or backs off. */
  heartbeat?(): Promise<void>;
  /** true: give the write up (nothing more is written; the caller keeps the output). */
  shouldAbandon(failures: number): boolean;
}

export interface OutputWriterDeps {
  readonly outputs: readonly Output[];
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Told about every failure and success, for /healthz. */
  readonly health?: SinkHealth;
  readonly now: () => number;
  readonly backoff?: Backoff;
  /** Heartbeat period while a write is in flight (kafkajs ignores calls more frequent than its heartbeatInterval). Default 3 s. */
  readonly heartbeatIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class OutputWriter {
  private readonly durable: readonly Output[];
  private readonly followers: readonly Output[];

  constructor(private readonly deps: OutputWriterDeps) {
    this.durable = deps.outputs.filter((o) => o.role === 'durable');
    this.followers = deps.outputs.filter((o) => o.role === 'follower');
  }

  /**
   * Announces a batch that will be written soon to the durable outputs that
   * group concurrent writes (Output.expect). Call the returned function right
   * after write() was called for it, or when it will not be written without
   * waiting for I/O first; calling it again does nothing.
   */
  expect(): () => void {
    const releases = this.durable.flatMap((o) => (o.expect ? [o.expect()] : []));
    return () => {
      for (const release of releases.splice(0)) release();
    };
  }

  /** true once every durable output acknowledged (the followers have been told); false when given up. */
  async write(batch: OutputBatch, control: WriteControl): Promise<boolean> {
    const stamped: OutputBatch = batch.writtenAtMs === undefined ? { ...batch, writtenAtMs: this.deps.now() } : batch;
    for (const f of this.followers) f.announce?.(stamped);
    if (!(await this.untilDurable(stamped, control))) return false;
    this.deps.health?.succeeded();
    for (const f of this.followers) {
      f.write(stamped).catch((err: unknown) => this.deps.logger.warn({ output: f.name, err: describeError(err) }, 'follower output failed (its own recovery takes over)'));
    }
    return true;
  }

  /** Writes to every durable output until each acknowledged (true) or the write is given up (false). */
  private async untilDurable(stamped: OutputBatch, control: WriteControl): Promise<boolean> {
    let pending = [...this.durable];
    const heartbeat = control.heartbeat?.bind(control);
    const result = await retryWhileHeartbeating(
      async () => {
        const outcomes = await Promise.allSettled(pending.map((o) => o.write(stamped)));
        const failed = pending.filter((_, i) => outcomes[i]?.status === 'rejected');
        const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
        pending = failed;
        if (failed.length > 0) throw new OutputsFailed(failed.map((o) => o.name), errors);
      },
      {
        ...(heartbeat && { heartbeat }),
        shouldAbandon: (failures) => control.shouldAbandon(failures),
        backoff: this.deps.backoff ?? { initialMs: 250, maxMs: 30_000 },
        ...(this.deps.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: this.deps.heartbeatIntervalMs }),
        onRetry: (err, failures, delayMs) => {
          const f = err as OutputsFailed;
          this.deps.health?.failed();
          for (const [i, stage] of f.outputs.entries()) {
            const cause = f.errors[i];
            this.deps.metrics.sinkFailures.inc({ stage });
            // Not retryable (e.g. a schema changed by hand) or unknown: the partition still waits (nothing is skipped), loudly.
            const { level, note } = retriedFailureLog(cause);
            this.deps.logger[level]({ stage, err: describeError(cause), failures, retryInMs: delayMs, ...(note && { note }) }, 'output failed; retrying the batch, offsets held');
          }
        },
        onHeartbeatFailed: (err) =>
          this.deps.logger.warn({ err: describeError(err) }, 'heartbeat failed during a write (a rebalance waits for the batch, or the member is gone): a failed attempt is not retried, its output is kept for the next write, so that the group can rebalance'),
        ...(this.deps.sleep && { sleep: this.deps.sleep }),
      },
    );
    return result.ok;
  }
}

/** Which durable outputs failed in one attempt, and why. */
// internal: carries each output's own error to the log; never leaves this module.
class OutputsFailed extends Error {
  constructor(
    readonly outputs: readonly string[],
    readonly errors: readonly unknown[],
  ) {
    super(`outputs failed: ${outputs.join(', ')}`);
  }
}
