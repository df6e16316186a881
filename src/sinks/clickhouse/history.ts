/**
 * Reads what the engine needs at start: closed activity buckets, open alerts
 * and recent events, each deduplicated (rows that were stored twice and not
 * merged yet count once) and bounded above by `now`, so a backtest that
 * restores at a past instant sees only what existed then.
 *
 * The lookbacks are measured back from the newest stored activity (see
 * lookbackAnchor), not from `now`: after an outage longer than the longest
 * window, the events waiting in Kafka continue where the stored ones stopped,
 * so the windows and the alerts that were open at the crash are what they
 * need (measured from `now`, both would be empty and an ongoing incident would
 * open a second alert).
 *
 * Times reach SQL only through sqlInteger/sqlEpochSeconds (validated numbers).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ActorActivityRow, EngineHistory } from '../../engine/api.js';
import type { Alert } from '../../model/alert.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import { selectRows, streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, quoteString, sqlEpochSeconds, sqlInteger } from './escape.js';
import { ACCESS_EVENT_READ_COLUMNS, accessEventFromRow, type AccessEventRow } from './rows/access-event-row.js';
import { ACTIVITY_READ_COLUMNS, activityFromRow, type ActivityRow } from './rows/activity-row.js';
import { ALERT_READ_COLUMNS, alertFromRow, type AlertRow } from './rows/alert-row.js';

export interface HistoryQuery {
  /** Epoch ms: the engine's "now" (wall clock live, the replay clock in a backtest). */
  readonly now: number;
  /** Activity buckets starting within this long before the anchor (the newest stored activity, or now). */
  readonly activityLookbackMs: number;
  /** Events within this long before the anchor (longest window plus the lateness allowance). */
  readonly recentWindowMs: number;
  /** Alerts whose last event is within this long before the anchor may still be open. */
  readonly openAlertMaxAgeMs: number;
  /** At most this many recent events (the newest are kept). */
  readonly maxRecentEvents: number;
  /** Which parts to load (default: all). */
  readonly include?: { readonly activity: boolean; readonly alerts: boolean; readonly events: boolean };
  /**
   * Only the events of this source partition, and the open alerts of the
   * actors those events belong to: the state of a partition this instance has
   * just been assigned (its actors' events are keyed to it).
   */
  readonly partition?: { readonly topic: string; readonly partition: number };
}

export interface LoadedHistory extends EngineHistory {
  /** True when more than maxRecentEvents events were in the window: the oldest were left out. */
  readonly recentEventsCapped: boolean;
  /** Stored rows skipped because a value was outside the model (e.g. an unknown action); normally 0. */
  readonly skippedRows: number;
  /** Epoch ms the lookbacks were measured back from: the newest stored activity bucket's start, or `now` if none. */
  readonly anchorMs: number;
}

function windowStart(now: number, lengthMs: number): number {
  sqlInteger(lengthMs);
  return Math.max(0, now - Math.max(0, lengthMs));
}

export async function loadHistory(client: ClickHouseClient, database: string, q: HistoryQuery): Promise<LoadedHistory> {
  sqlEpochSeconds(q.now);
  sqlInteger(q.maxRecentEvents);
  const anchor = (await lookbackAnchor(client, database, q)) ?? q.now;
  const include = q.include ?? { activity: true, alerts: true, events: true };
  const eventsFrom = windowStart(anchor, q.recentWindowMs);
  const scope = q.partition === undefined ? null : partitionScope(database, q.partition, q.now, eventsFrom);
  const counters = { skipped: 0 };
  const [activity, openAlerts, recent] = await Promise.all([
    include.activity ? loadActivity(client, database, q.now, windowStart(anchor, q.activityLookbackMs), counters) : [],
    include.alerts ? loadOpenAlerts(client, database, q.now, windowStart(anchor, q.openAlertMaxAgeMs), scope?.actors ?? null, counters) : [],
    include.events
      ? loadRecentEvents(client, database, q.now, eventsFrom, Math.max(0, q.maxRecentEvents), scope?.events ?? null, counters)
      : { events: [], capped: false },
  ]);
  return { activity, openAlerts, recentEvents: recent.events, recentEventsCapped: recent.capped, skippedRows: counters.skipped, anchorMs: anchor };
}

/** SQL conditions (escaped) restricting events to one source partition, and alerts to its actors. */
function partitionScope(database: string, p: { topic: string; partition: number }, now: number, from: number) {
  const events = `source_topic = ${quoteString(p.topic)} AND source_partition = ${sqlInteger(p.partition)}`;
  return {
    events,
    actors:
      `actor_id IN (SELECT DISTINCT actor_id FROM ${qualifiedTable(database, TABLES.accessEvents)}\n` +
      `  WHERE ${events} AND ts >= toDateTime(${sqlEpochSeconds(from)}) AND ts_ms >= ${sqlInteger(from)} AND ts_ms <= ${sqlInteger(now)})`,
  };
}

/**
 * Where the look-backs start from: the start of the newest closed hourly
 * activity bucket at or before `now`, or null if there is none within the
 * activity lookback. A bucket holds events at or after its start, so this is
 * never later than the latest stored event (an earlier anchor only loads a
 * little more); and `actor_activity` has one row per actor-hour, so finding it
 * stays cheap however many events `access_events` holds.
 */
async function lookbackAnchor(client: ClickHouseClient, database: string, q: HistoryQuery): Promise<number | null> {
  const from = windowStart(q.now, Math.max(q.recentWindowMs, q.activityLookbackMs));
  const [row] = await selectRows<{ buckets: string | number; latest: string | number }>(
    client,
    `SELECT count() AS buckets, max(bucket_start_ms) AS latest FROM ${qualifiedTable(database, TABLES.actorActivity)}\n` +
      `WHERE bucket_start >= toDateTime(${sqlEpochSeconds(from)}) AND bucket_start_ms >= ${sqlInteger(from)} AND bucket_start_ms <= ${sqlInteger(q.now)}`,
    TABLES.actorActivity,
  );
  return row !== undefined && Number(row.buckets) > 0 ? Number(row.latest) : null;
}

function loadActivity(client: ClickHouseClient, database: string, now: number, from: number, counters: { skipped: number }): Promise<ActorActivityRow[]> {
  return selectActivity(
    client,
    database,
    `bucket_start >= toDateTime(${sqlEpochSeconds(from)}) AND bucket_start_ms >= ${sqlInteger(from)} AND bucket_start_ms <= ${sqlInteger(now)}`,
    counters,
  );
}

/**
 * Activity buckets stored at or after `storedSinceMs` (any instance's): what a
 * running engine merges in periodically so baselines follow the whole group.
 */
export function loadActivityStoredSince(client: ClickHouseClient, database: string, storedSinceMs: number): Promise<ActorActivityRow[]> {
  return selectActivity(client, database, `stored_at >= toDateTime(${sqlEpochSeconds(storedSinceMs)})`, { skipped: 0 });
}

/**
 * Activity rows matching `where` (built from validated numbers only), oldest
 * first. The same bucket stored twice counts once: the row that saw the most
 * events wins (as in the table's replacing merges), then the latest stored.
 */
async function selectActivity(client: ClickHouseClient, database: string, where: string, counters: { skipped: number }): Promise<ActorActivityRow[]> {
  const table = TABLES.actorActivity;
  const sql =
    `SELECT ${ACTIVITY_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ${where}\n` +
    `ORDER BY bucket_start_ms, actor_id, granularity, events DESC, stored_at DESC\n` +
    `LIMIT 1 BY actor_id, granularity, bucket_start_ms`;
  const rows: ActorActivityRow[] = [];
  await streamRows<ActivityRow>(client, sql, table, (r) => {
    const row = activityFromRow(r);
    if (row) rows.push(row);
    else counters.skipped++;
  });
  return rows;
}

async function loadOpenAlerts(
  client: ClickHouseClient,
  database: string,
  now: number,
  from: number,
  scope: string | null,
  counters: { skipped: number },
): Promise<Alert[]> {
  const table = TABLES.alerts;
  // Latest revision per alert. Filtering on last_event_ts before picking the
  // latest is sound because last_event_ts never decreases across revisions.
  // An alert whose latest revision closed it is not open any more.
  const sql =
    `SELECT ${ALERT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE last_event_ts_ms >= ${sqlInteger(from)} AND last_event_ts_ms <= ${sqlInteger(now)}${scope === null ? '' : ` AND ${scope}`}\n` +
    `ORDER BY alert_id, revision DESC\n` +
    `LIMIT 1 BY alert_id`;
  const alerts: Alert[] = [];
  await streamRows<AlertRow>(client, sql, table, (r) => {
    const alert = alertFromRow(r);
    if (!alert) counters.skipped++;
    else if (alert.status !== 'closed') alerts.push(alert);
  });
  return alerts;
}

async function loadRecentEvents(
  client: ClickHouseClient,
  database: string,
  now: number,
  from: number,
  max: number,
  scope: string | null,
  counters: { skipped: number },
): Promise<{ events: EnrichedEvent[]; capped: boolean }> {
  if (max === 0) return { events: [], capped: false };
  const table = TABLES.accessEvents;
  // Newest first so the cap drops the oldest; one row per event_id (the
  // latest ingestion); one extra row tells whether the cap was hit.
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ts >= toDateTime(${sqlEpochSeconds(from)}) AND ts_ms >= ${sqlInteger(from)} AND ts_ms <= ${sqlInteger(now)}${scope === null ? '' : ` AND ${scope}`}\n` +
    `ORDER BY ts_ms DESC, event_id, ingested_at DESC\n` +
    `LIMIT 1 BY event_id\n` +
    `LIMIT ${sqlInteger(max + 1)}`;
  const newestFirst: EnrichedEvent[] = [];
  let seen = 0;
  await streamRows<AccessEventRow>(client, sql, table, (r) => {
    seen++;
    if (seen > max) return;
    const event = accessEventFromRow(r);
    if (event) newestFirst.push(event);
    else counters.skipped++;
  });
  return { events: newestFirst.reverse(), capped: seen > max };
}
