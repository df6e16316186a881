/**
 * Retention on servers without TTL: once at start and then every interval,
 * the store drops expired months and deletes expired alert rows
 * (src/runtime/outputs/clickhouse/retention.ts). A failed run is logged and
 * retried at the next interval (a user without ALTER rights gets a warning
 * naming `custos db retention`, which an operator then schedules with a user
 * that may). On servers with TTL the tables expire rows themselves and
 * nothing is scheduled.
 */
import type { Logger } from '../../observability/log.js';
import type { RetentionResult } from '../outputs/clickhouse/retention.js';

export interface RetentionScheduleDeps {
  readonly enforce: () => Promise<RetentionResult[]>;
  /** The server expires rows by TTL: nothing to schedule. */
  readonly ttl: boolean;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export interface RetentionSchedule {
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startRetentionSchedule(deps: RetentionScheduleDeps): RetentionSchedule {
  if (deps.ttl) {
    deps.logger.debug('retention enforced by table TTLs');
    return { runNow: async () => {}, stop: async () => {} };
  }
  let running: Promise<void> = Promise.resolve();
  const run = async () => {
    try {
      const results = await deps.enforce();
      const removed = results.filter((r) => r.droppedPartitions.length > 0 || r.deletedRows > 0);
      if (removed.length > 0) {
        deps.logger.info(
          { tables: removed.map((r) => ({ table: r.table, retentionDays: r.retentionDays, droppedPartitions: r.droppedPartitions, deletedRows: r.deletedRows })) },
          'rows past retention removed',
        );
      }
    } catch (err) {
      deps.logger.warn(
        { err: { message: (err as Error).message } },
        'removing rows past retention failed; retrying at the next interval (a user without ALTER rights needs `custos db retention` scheduled with one that has them)',
      );
    }
  };
  const runNow = () => (running = running.then(run));
  void runNow();
  const timer = deps.intervalMs > 0 ? setInterval(() => void runNow(), deps.intervalMs) : null;
  timer?.unref();
  return {
    runNow,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
