/**
 * Seeds a ClickHouse backtest's engines the way a live restart at `since`
 * would: closed activity buckets (baselines, first-seen facts) from
 * `actor_activity`, and the events just before `since` to rebuild the sliding
 * windows, read with the monitor's own history loader.
 *
 * Two differences from a live restart, both so the backtest judges the rule
 * set under test and nothing else:
 * - buckets that had not ended by `since` are left out: stored later, they
 *   hold events of the backtest range itself (the day bucket of `since`);
 * - no open alerts are restored: they were opened by the production rules.
 *   An incident already running at `since` opens a fresh alert at its first
 *   event in the range.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ActorActivityRow, EngineHistory } from '../../runtime/engine/index.js';
import { loadHistory } from '../../runtime/outputs/clickhouse/history.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface HistorySeedOptions {
  readonly sinceMs: number;
  /** Activity buckets starting within this long before since (the monitor's history.lookback_days). */
  readonly activityLookbackMs: number;
  /** Events within this long before since (the longest window plus lateness of the rule sets replayed). */
  readonly recentWindowMs: number;
  /** At most this many recent events, the newest kept (the monitor's history.max_recent_events). */
  readonly maxRecentEvents: number;
}

export interface HistorySeed {
  readonly history: EngineHistory;
  readonly activityRows: number;
  /** Buckets stored but still open at since, left out. */
  readonly unfinishedBuckets: number;
  readonly recentEvents: number;
  readonly recentEventsCapped: boolean;
  readonly skippedRows: number;
}

export async function loadHistorySeed(client: ClickHouseClient, database: string, o: HistorySeedOptions): Promise<HistorySeed> {
  // One millisecond before since: the range itself starts at since, and no event is in both.
  const loaded = await loadHistory(client, database, {
    now: o.sinceMs - 1,
    activityLookbackMs: o.activityLookbackMs,
    recentWindowMs: o.recentWindowMs,
    openAlertMaxAgeMs: 0,
    maxRecentEvents: o.maxRecentEvents,
  });
  const activity = loaded.activity.filter((row) => bucketEnd(row) <= o.sinceMs);
  return {
    history: { activity, alerts: [], recentEvents: loaded.recentEvents },
    activityRows: activity.length,
    unfinishedBuckets: loaded.activity.length - activity.length,
    recentEvents: loaded.recentEvents.length,
    recentEventsCapped: loaded.recentEventsCapped,
    skippedRows: loaded.skippedRows,
  };
}

function bucketEnd(row: ActorActivityRow): number {
  return row.bucket_start + (row.granularity === 'hour' ? HOUR_MS : DAY_MS);
}
