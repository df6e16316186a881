/**
 * One output contract for everything a batch (or a tick) produces, as in
 * Redpanda Connect / Benthos: a batch in, an acknowledgement out.
 *
 * - `durable` outputs must acknowledge (resolve) before the batch's offsets
 *   commit; each is retried until it does, and one that acknowledged is not
 *   written again (every durable output is idempotent: the same batch twice
 *   stores the same rows).
 * - `follower` outputs are told once every durable output acknowledged (the
 *   alert destinations work off the outbox the ClickHouse output made
 *   durable); they never hold a batch up, and a failure of theirs is theirs
 *   to recover (the outbox scan).
 *
 * The list of outputs is src/runtime/outputs/index.ts; the runner
 * src/runtime/pipeline/output-writer.ts.
 */
import type { OutputBatch } from '../../model/batch.js';

export interface Output {
  /** For logs and the `stage` label of custos_sink_failures_total. */
  readonly name: string;
  readonly role: 'durable' | 'follower';
  /** Durable: resolves once what it took from the batch is safe (stored, acknowledged); rejects to be retried. */
  write(batch: OutputBatch): Promise<void>;
  /**
   * Optional, for an output that groups concurrent writes (the ClickHouse
   * output: one insert per table for several batches): a batch is computing
   * and will be written soon, so writes arriving meanwhile may wait for it.
   * The returned function withdraws that; it is called once the batch's write
   * began, or when the batch waits for I/O first or will not be written.
   */
  expect?(): () => void;
  /**
   * Optional, for a follower: the batch's write begins (called once per
   * write, before any durable output is written; again if its output is
   * written again after a carry-over). The alert notifications use it to keep
   * an alert's revisions in order when writes complete out of order.
   */
  announce?(batch: OutputBatch): void;
}
