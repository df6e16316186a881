/**
 * The stored state of a few actors, to rebuild what the engine evicted under
 * its cap (engine.max_actors) before their next events are evaluated: each
 * actor's events within the windows' retention of its own newest stored event
 * (so a backlog of any age continues where it stopped), the latest revision
 * of its alerts within that window (open ones continue, the last closed one
 * may re-open), and its activity rows of the
 * look-back (its own baselines, in case they were dropped too). Deduplicated
 * like the restart history (history.ts): one row per event id, per alert, per
 * bucket. Actor ids reach SQL only as query parameters or, without them,
 * through the escape module (sql-values.ts); times through sqlInteger/sqlEpochSeconds.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ActorActivityRow, EngineHistory, RestorableAlert } from '../../engine/api.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { selectRows, streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import { sqlValues, type SqlValues } from './sql-values.js';
import { ACCESS_EVENT_READ_COLUMNS, accessEventFromRow, type AccessEventRow } from './rows/access-event-row.js';
import { ACTIVITY_READ_COLUMNS, activityFromRow, type ActivityRow } from './rows/activity-row.js';
import { RESTORABLE_ALERT_READ_COLUMNS, restorableAlertFromRow, type AlertRow } from './rows/alert-row.js';

export interface ActorStateQuery {
  readonly actorIds: readonly string[];
  /** Epoch ms: nothing later is read (the engine's now plus the allowed clock skew). */
  readonly now: number;
  /** Events within this long before each actor's newest stored event (longest window plus lateness). */
  readonly recentWindowMs: number;
  /** Activity rows within this long before each actor's newest stored event. */
  readonly activityLookbackMs: number;
  /** At most this many events for the whole set (the newest are kept). */
  readonly maxRecentEvents: number;
}

export interface LoadedActorState extends EngineHistory {
  /** Stored rows skipped because a value was outside the model; normally 0. */
  readonly skippedRows: number;
}

export async function loadActorState(client: ClickHouseClient, database: string, q: ActorStateQuery): Promise<LoadedActorState> {
  const none = { activity: [], alerts: [], recentEvents: [], skippedRows: 0 };
  if (q.actorIds.length === 0) return none;
  sqlEpochSeconds(q.now);
  sqlInteger(q.maxRecentEvents);
  const events = qualifiedTable(database, TABLES.accessEvents);
  const v = sqlValues(client);
  // Each actor's own anchor: its newest stored event (never later than now).
  const latest = await selectRows<{ actor_id: string; latest: string | number }>(
    client,
    `SELECT actor_id, max(ts_ms) AS latest FROM ${events}\nWHERE actor_id IN ${v.stringList(q.actorIds)} AND ts_ms <= ${sqlInteger(q.now)}\nGROUP BY actor_id`,
    TABLES.accessEvents,
    v.params,
  );
  if (latest.length === 0) return none;
  const anchors = latest.map((r) => ({ actorId: r.actor_id, latest: Number(r.latest) }));
  const counters = { skipped: 0 };
  const [recentEvents, alerts, activity] = await Promise.all([
    loadEvents(client, database, q, anchors, counters),
    loadAlerts(client, database, q, anchors, counters),
    loadActivity(client, database, q, anchors, counters),
  ]);
  return { recentEvents, alerts, activity, skippedRows: counters.skipped };
}

interface Anchor {
  readonly actorId: string;
  readonly latest: number;
}

/** `(actor_id = 'a' AND <column> >= from_a) OR ...`, and the earliest `from` (for partition pruning). */
function perActor(anchors: readonly Anchor[], lengthMs: number, column: string, v: SqlValues): { where: string; earliest: number } {
  sqlInteger(lengthMs);
  let earliest = Infinity;
  const parts = anchors.map((a) => {
    const from = Math.max(0, a.latest - lengthMs);
    if (from < earliest) earliest = from;
    return `(actor_id = ${v.string(a.actorId)} AND ${column} >= ${sqlInteger(from)})`;
  });
  return { where: `(${parts.join(' OR ')})`, earliest };
}

async function loadEvents(client: ClickHouseClient, database: string, q: ActorStateQuery, anchors: readonly Anchor[], counters: { skipped: number }): Promise<EnrichedEvent[]> {
  const max = Math.max(0, q.maxRecentEvents);
  if (max === 0) return [];
  const v = sqlValues(client);
  const scope = perActor(anchors, q.recentWindowMs, 'ts_ms', v);
  // In arrival order (an actor's events are keyed to one partition: its offsets), so the replay
  // judges lateness as live arrival did; newest first so the cap drops the oldest; one row per event id.
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, TABLES.accessEvents)}\n` +
    `WHERE actor_id IN ${v.stringList(anchors.map((a) => a.actorId))} AND ts >= toDateTime(${sqlEpochSeconds(scope.earliest)}) AND ts_ms <= ${sqlInteger(q.now)} AND ${scope.where}\n` +
    `ORDER BY source_topic DESC, source_partition DESC, source_offset DESC, ingested_at DESC\n` +
    `LIMIT 1 BY event_id\n` +
    `LIMIT ${sqlInteger(max)}`;
  const newestFirst: EnrichedEvent[] = [];
  await streamRows<AccessEventRow>(client, sql, TABLES.accessEvents, (r) => {
    const event = accessEventFromRow(r);
    if (event) newestFirst.push(event);
    else counters.skipped++;
  }, v.params);
  return newestFirst.reverse();
}

async function loadAlerts(client: ClickHouseClient, database: string, q: ActorStateQuery, anchors: readonly Anchor[], counters: { skipped: number }): Promise<RestorableAlert[]> {
  const v = sqlValues(client);
  const scope = perActor(anchors, q.recentWindowMs, 'last_event_ts_ms', v);
  // Latest revision per alert; last_event_ts never decreases across revisions, so filtering first is
  // sound. Closed ones too: an actor's last closed alert re-opens if a window still holds its events.
  const sql =
    `SELECT ${RESTORABLE_ALERT_READ_COLUMNS} FROM ${qualifiedTable(database, TABLES.alerts)}\n` +
    `WHERE actor_id IN ${v.stringList(anchors.map((a) => a.actorId))} AND last_event_ts_ms <= ${sqlInteger(q.now)} AND ${scope.where}\n` +
    `ORDER BY alert_id, revision DESC\n` +
    `LIMIT 1 BY alert_id`;
  const alerts: RestorableAlert[] = [];
  await streamRows<AlertRow & { state: string }>(client, sql, TABLES.alerts, (r) => {
    const restorable = restorableAlertFromRow(r);
    if (restorable === null) counters.skipped++;
    else alerts.push(restorable);
  }, v.params);
  return alerts;
}

async function loadActivity(client: ClickHouseClient, database: string, q: ActorStateQuery, anchors: readonly Anchor[], counters: { skipped: number }): Promise<ActorActivityRow[]> {
  const v = sqlValues(client);
  const scope = perActor(anchors, q.activityLookbackMs, 'bucket_start_ms', v);
  const sql =
    `SELECT ${ACTIVITY_READ_COLUMNS} FROM ${qualifiedTable(database, TABLES.actorActivity)}\n` +
    `WHERE actor_id IN ${v.stringList(anchors.map((a) => a.actorId))} AND bucket_start >= toDateTime(${sqlEpochSeconds(scope.earliest)}) AND bucket_start_ms <= ${sqlInteger(q.now)} AND ${scope.where}\n` +
    `ORDER BY bucket_start_ms, actor_id, granularity, events DESC, stored_at DESC\n` +
    `LIMIT 1 BY actor_id, granularity, bucket_start_ms`;
  const rows: ActorActivityRow[] = [];
  await streamRows<ActivityRow>(client, sql, TABLES.actorActivity, (r) => {
    const row = activityFromRow(r);
    if (row) rows.push(row);
    else counters.skipped++;
  }, v.params);
  return rows;
}
