/**
 * Keeps baselines current across instances: every interval, the activity
 * buckets any instance stored since the last look are merged into this
 * engine (mergeActivity is idempotent, so our own rows and the overlap are
 * harmless). A failed refresh is logged and retried at the next interval;
 * detection goes on with the baselines it has.
 */
import type { Clock } from '../../clock.js';
import type { ActorActivityRow, DetectionEngine } from '../engine/api.js';
import type { Logger } from '../../observability/log.js';

export interface HistoryRefreshDeps {
  readonly engine: DetectionEngine;
  readonly load: (storedSinceMs: number) => Promise<readonly ActorActivityRow[]>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
}

/** stored_at has second precision and writes land concurrently: look back a little further. */
const OVERLAP_MS = 60_000;

export interface HistoryRefresh {
  /** One refresh now (the timer calls this; tests too). */
  refreshNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startHistoryRefresh(deps: HistoryRefreshDeps): HistoryRefresh {
  let since = deps.clock.now();
  let running: Promise<void> = Promise.resolve();
  const refresh = async () => {
    const from = since - OVERLAP_MS;
    const now = deps.clock.now();
    try {
      const rows = await deps.load(from);
      deps.engine.mergeActivity(rows);
      since = now;
      deps.logger.debug({ rows: rows.length }, 'activity history refreshed');
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'activity history refresh failed; retrying at the next interval');
    }
  };
  const refreshNow = () => (running = running.then(refresh));
  const timer = deps.intervalMs > 0 ? setInterval(() => void refreshNow(), deps.intervalMs) : null;
  timer?.unref();
  return {
    refreshNow,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
