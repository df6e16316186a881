/**
 * Reads what the engine needs at start and when it is assigned a partition:
 * closed activity buckets (baselines), alerts and recent events, each
 * deduplicated (rows that were stored twice and not merged yet count once)
 * and bounded above by `now`, so a backtest that restores at a past instant
 * sees only what existed then.
 *
 * Each look-back is measured back from an anchor in event time, never from
 * `now`, so a backlog of any age (events eight months old, or a partition two
 * days behind the others) restores the windows and alerts it needs:
 *  - a partition's state is anchored on that partition's own newest stored
 *    event below its committed offset (`partition_progress`, written with
 *    every batch), and holds exactly what the batches below that offset
 *    produced: its events, and each of its alerts at the revision the last
 *    committed batch left (a batch stored but not committed is replayed by
 *    Kafka, and evaluated again rather than skipped as already seen);
 *  - baselines are anchored on the partition furthest behind, so every
 *    partition's actors find the history their events will be judged with.
 *
 * Strings and offsets reach SQL only as query parameters or, on servers without
 * them, through the escape module (sql-values.ts); numbers are validated integers.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ActorActivityRow, EngineHistory, RestorableAlert } from '../../engine/api.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { rowChunks, selectRows, streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import { sqlValues, type SqlValues } from './sql-values.js';
import { ACCESS_EVENT_READ_COLUMNS, accessEventFromRow, type AccessEventRow } from './rows/access-event-row.js';
import { ACTIVITY_READ_COLUMNS, activityFromRow, type ActivityRow } from './rows/activity-row.js';
import { RESTORABLE_ALERT_READ_COLUMNS, restorableAlertFromRow, type AlertRow } from './rows/alert-row.js';

/** One partition, as of an offset: what a consumer resuming at `committedOffset` must hold. */
export interface PartitionScope {
  readonly topic: string;
  readonly partition: number;
  /**
   * The offset consumption resumes at (decimal string): only what batches
   * below it stored is restored. null: everything stored for the partition.
   */
  readonly committedOffset: string | null;
}

export interface HistoryQuery {
  /** Epoch ms: the engine's "now" (wall clock live, the replay clock in a backtest). */
  readonly now: number;
  /** Activity buckets starting within this long before the anchor; also how far back open alerts are looked for. */
  readonly activityLookbackMs: number;
  /** Events within this long before the anchor (longest window plus the lateness allowance). */
  readonly recentWindowMs: number;
  /** A closed alert whose last event is within this long before the anchor may still be re-opened by a rate window. */
  readonly openAlertMaxAgeMs: number;
  /** At most this many recent events (the newest are kept). */
  readonly maxRecentEvents: number;
  /** Which parts to load (default: all). */
  readonly include?: { readonly activity: boolean; readonly alerts: boolean; readonly events: boolean };
  /** The state of one partition this instance has just been assigned (its actors' events are keyed to it). */
  readonly partition?: PartitionScope;
  /**
   * Without `partition`: the topic whose partitions' progress anchors the
   * baselines (the furthest-behind partition). Without it (a backtest), the
   * newest stored activity bucket does.
   */
  readonly topic?: string;
}

export interface LoadedHistory extends EngineHistory {
  /** True when more than maxRecentEvents events were in the window: the oldest were left out. */
  readonly recentEventsCapped: boolean;
  /** Stored rows skipped because a value was outside the model (e.g. an unknown action); normally 0. */
  readonly skippedRows: number;
  /** Epoch ms the look-backs were measured back from (`now` when nothing is stored). */
  readonly anchorMs: number;
  /** Whether anything was stored to anchor on (false: anchorMs is `now`). */
  readonly anchored: boolean;
}

function windowStart(anchor: number, lengthMs: number): number {
  sqlInteger(lengthMs);
  return Math.max(0, anchor - Math.max(0, lengthMs));
}

export async function loadHistory(client: ClickHouseClient, database: string, q: HistoryQuery): Promise<LoadedHistory> {
  if (q.partition !== undefined) {
    const opened = await openPartitionHistory(client, database, { ...q, partition: q.partition });
    const recentEvents: EnrichedEvent[] = [];
    for await (const chunk of opened.recentEvents) for (const e of chunk) recentEvents.push(e);
    return { ...opened, recentEvents, skippedRows: opened.skippedRows() };
  }
  sqlEpochSeconds(q.now);
  sqlInteger(q.maxRecentEvents);
  const found = await baselineAnchor(client, database, q);
  const anchor = Math.min(q.now, found ?? q.now);
  const eventsFrom = windowStart(anchor, q.recentWindowMs);
  const counters = { skipped: 0 };
  const [activity, alerts, recent] = await Promise.all([
    ...seedLoads(client, database, q, anchor, eventsFrom, null, counters),
    (q.include ?? ALL_PARTS).events ? loadRecentEvents(client, database, q.now, eventsFrom, Math.max(0, q.maxRecentEvents), counters) : { events: [], capped: false },
  ]);
  return { activity, alerts, recentEvents: recent.events, recentEventsCapped: recent.capped, skippedRows: counters.skipped, anchorMs: anchor, anchored: found !== null };
}

/**
 * One partition's stored state with its recent events not read yet: they
 * come in chunks, oldest first, as the caller replays them
 * (DetectionEngine.beginRestore), so a partition of two million stored events
 * is never held whole.
 */
export interface PartitionHistoryStream extends Omit<LoadedHistory, 'recentEvents' | 'skippedRows'> {
  /**
   * The partition's events in the window, in offset order (the order the engine
   * first evaluated them in: late events stay late, windows fill the same way),
   * one row per event_id (its first offset, latest ingestion), in chunks of
   * about `chunkSize`. Read once; leaving the loop early ends the query.
   */
  readonly recentEvents: AsyncIterable<EnrichedEvent[]>;
  /** Stored rows skipped so far because a value was outside the model (grows while recentEvents is read). */
  skippedRows(): number;
}

export async function openPartitionHistory(
  client: ClickHouseClient,
  database: string,
  q: HistoryQuery & { readonly partition: PartitionScope },
  chunkSize = 5_000,
): Promise<PartitionHistoryStream> {
  sqlEpochSeconds(q.now);
  sqlInteger(q.maxRecentEvents);
  const max = Math.max(0, q.maxRecentEvents);
  const scope = q.partition;
  const found = await partitionAnchor(client, database, scope, q.now);
  const anchor = Math.min(q.now, found ?? q.now);
  const eventsFrom = windowStart(anchor, q.recentWindowMs);
  const counters = { skipped: 0 };
  const withEvents = (q.include ?? ALL_PARTS).events && max > 0;
  const [activity, alerts, eventsFromOffset] = await Promise.all([
    ...seedLoads(client, database, q, anchor, eventsFrom, scope, counters),
    withEvents ? cappedFromOffset(client, database, q.now, eventsFrom, max, scope) : { capped: false, fromOffset: null },
  ]);
  const events = withEvents ? partitionEvents(client, database, q.now, eventsFrom, scope, eventsFromOffset.fromOffset, chunkSize, counters) : noEvents();
  return {
    activity,
    alerts,
    recentEvents: events,
    recentEventsCapped: eventsFromOffset.capped,
    skippedRows: () => counters.skipped,
    anchorMs: anchor,
    anchored: found !== null,
  };
}

async function* noEvents(): AsyncGenerator<EnrichedEvent[]> {}

const ALL_PARTS = { activity: true, alerts: true, events: true } as const;

/**
 * The activity buckets and alerts of the look-back from `anchor` (each load
 * only if `q.include` asks for it): what both loadHistory and
 * openPartitionHistory read beside their events.
 */
function seedLoads(
  client: ClickHouseClient,
  database: string,
  q: HistoryQuery,
  anchor: number,
  eventsFrom: number,
  scope: PartitionScope | null,
  counters: { skipped: number },
): [Promise<ActorActivityRow[]>, Promise<RestorableAlert[]>] {
  const include = q.include ?? ALL_PARTS;
  const from = windowStart(anchor, q.activityLookbackMs);
  return [
    include.activity ? loadActivity(client, database, q.now, from, counters) : Promise.resolve([]),
    include.alerts ? loadAlerts(client, database, { now: q.now, from, reopenFrom: windowStart(anchor, q.openAlertMaxAgeMs), eventsFrom, scope }, counters) : Promise.resolve([]),
  ];
}

/** SQL condition on `access_events`: the partition's events in [from, now] below its committed offset (values bound in `v`). */
function partitionWindow(p: PartitionScope, now: number, from: number, v: SqlValues): string {
  return `ts >= toDateTime(${sqlEpochSeconds(from)}) AND ts_ms >= ${sqlInteger(from)} AND ts_ms <= ${sqlInteger(now)} AND ${eventScope(p, v)}`;
}

/**
 * Whether the partition has more than `max` events in the window and, if so,
 * the offset the newest `max` of them start at (the oldest are left out).
 */
async function cappedFromOffset(
  client: ClickHouseClient,
  database: string,
  now: number,
  from: number,
  max: number,
  p: PartitionScope,
): Promise<{ capped: boolean; fromOffset: string | null }> {
  const table = TABLES.accessEvents;
  const counted = sqlValues(client);
  const [row] = await selectRows<{ n: string | number }>(
    client,
    `SELECT uniqExact(event_id) AS n FROM ${qualifiedTable(database, table)} WHERE ${partitionWindow(p, now, from, counted)}`,
    table,
    counted.params,
  );
  if (row === undefined || Number(row.n) <= max) return { capped: false, fromOffset: null };
  const v = sqlValues(client);
  const [lowest] = await selectRows<{ lowest: string | number }>(
    client,
    `SELECT min(source_offset) AS lowest FROM (\n` +
      `  SELECT source_offset FROM ${qualifiedTable(database, table)} WHERE ${partitionWindow(p, now, from, v)}\n` +
      `  ORDER BY source_offset DESC, event_id LIMIT 1 BY event_id LIMIT ${sqlInteger(max)})`,
    table,
    v.params,
  );
  return { capped: true, fromOffset: lowest === undefined ? null : String(lowest.lowest) };
}

async function* partitionEvents(
  client: ClickHouseClient,
  database: string,
  now: number,
  from: number,
  p: PartitionScope,
  fromOffset: string | null,
  chunkSize: number,
  counters: { skipped: number },
): AsyncGenerator<EnrichedEvent[]> {
  const table = TABLES.accessEvents;
  const v = sqlValues(client);
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ${partitionWindow(p, now, from, v)}${fromOffset === null ? '' : ` AND source_offset >= ${v.uint64(fromOffset)}`}\n` +
    `ORDER BY source_offset, event_id, ingested_at DESC\n` +
    `LIMIT 1 BY event_id`;
  let chunk: EnrichedEvent[] = [];
  for await (const rows of rowChunks<AccessEventRow>(client, sql, table, v.params)) {
    for (const r of rows) {
      const event = accessEventFromRow(r);
      if (event) chunk.push(event);
      else counters.skipped++;
    }
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** SQL condition on `access_events`: the partition's events below its committed offset (values bound in `v`). */
function eventScope(p: PartitionScope, v: SqlValues): string {
  const below = p.committedOffset === null ? '' : ` AND source_offset < ${v.uint64(p.committedOffset)}`;
  return `source_topic = ${v.string(p.topic)} AND source_partition = ${sqlInteger(p.partition)}${below}`;
}

/**
 * The partition's newest stored event time below its committed offset, or
 * null when it has none stored. Read from `partition_progress` (one row per
 * batch); for batches stored by a custos that did not write it yet, from the
 * events themselves (a scan of the partition's offsets and times).
 */
async function partitionAnchor(client: ClickHouseClient, database: string, p: PartitionScope, now: number): Promise<number | null> {
  const v = sqlValues(client);
  const below = p.committedOffset === null ? '' : ` AND end_offset < ${v.uint64(p.committedOffset)}`;
  const fromProgress = await maxOf(
    client,
    `SELECT count() AS n, max(max_ts_ms) AS latest FROM ${qualifiedTable(database, TABLES.partitionProgress)}
` +
      `WHERE source_topic = ${v.string(p.topic)} AND source_partition = ${sqlInteger(p.partition)}${below} AND events > 0 AND max_ts_ms <= ${sqlInteger(now)}`,
    TABLES.partitionProgress,
    v,
  );
  if (fromProgress !== null) return fromProgress;
  const e = sqlValues(client);
  return maxOf(
    client,
    `SELECT count() AS n, max(ts_ms) AS latest FROM ${qualifiedTable(database, TABLES.accessEvents)}
WHERE ${eventScope(p, e)} AND ts_ms <= ${sqlInteger(now)}`,
    TABLES.accessEvents,
    e,
  );
}

/**
 * Where the baselines' look-back starts from: the newest stored event of the
 * partition furthest behind (so its actors find the history their next events
 * are judged with); without progress rows for the topic, the newest stored
 * activity bucket. Null when nothing is stored.
 */
async function baselineAnchor(client: ClickHouseClient, database: string, q: HistoryQuery): Promise<number | null> {
  if (q.topic !== undefined) {
    const v = sqlValues(client);
    const rows = await selectRows<{ latest: string | number }>(
      client,
      `SELECT max(max_ts_ms) AS latest FROM ${qualifiedTable(database, TABLES.partitionProgress)}
` +
        `WHERE source_topic = ${v.string(q.topic)} AND events > 0 AND max_ts_ms <= ${sqlInteger(q.now)}
GROUP BY source_partition`,
      TABLES.partitionProgress,
      v.params,
    );
    if (rows.length > 0) return Math.min(...rows.map((r) => Number(r.latest)));
  }
  return maxOf(
    client,
    `SELECT count() AS n, max(bucket_start_ms) AS latest FROM ${qualifiedTable(database, TABLES.actorActivity)}
WHERE bucket_start_ms <= ${sqlInteger(q.now)}`,
    TABLES.actorActivity,
  );
}

async function maxOf(client: ClickHouseClient, sql: string, table: string, v?: SqlValues): Promise<number | null> {
  const [row] = await selectRows<{ n: string | number; latest: string | number }>(client, sql, table, v?.params);
  return row !== undefined && Number(row.n) > 0 ? Number(row.latest) : null;
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

interface AlertScope {
  readonly now: number;
  /** Open alerts whose last event is at or after this are restored (older ones were left open by a crash: the engine closes them). */
  readonly from: number;
  /** Closed alerts are restored only from here on: a rate window may still re-open them. */
  readonly reopenFrom: number;
  /** Where the partition's restored events start (actors of legacy revisions are found among them). */
  readonly eventsFrom: number;
  readonly scope: PartitionScope | null;
}

/**
 * The latest revision of each alert, as of the partition's committed offset:
 * revisions stored by batches at or beyond it are left out (Kafka replays
 * those batches, and evaluating them again produces those revisions again).
 * Revisions stored without a position (an older custos) are matched by actor:
 * the actors of the partition's restored events.
 */
async function loadAlerts(client: ClickHouseClient, database: string, s: AlertScope, counters: { skipped: number }): Promise<RestorableAlert[]> {
  const table = TABLES.alerts;
  const v = sqlValues(client);
  let where = `last_event_ts_ms >= ${sqlInteger(s.from)} AND last_event_ts_ms <= ${sqlInteger(s.now)}`;
  if (s.scope !== null) {
    const p = s.scope;
    const below = p.committedOffset === null ? '' : ` AND source_offset < ${v.uint64(p.committedOffset)}`;
    const legacyActors =
      `actor_id IN (SELECT DISTINCT actor_id FROM ${qualifiedTable(database, TABLES.accessEvents)}
` +
      `  WHERE ${eventScope(p, v)} AND ts >= toDateTime(${sqlEpochSeconds(s.eventsFrom)}) AND ts_ms >= ${sqlInteger(s.eventsFrom)} AND ts_ms <= ${sqlInteger(s.now)})`;
    where +=
      ` AND ((source_topic = ${v.string(p.topic)} AND source_partition = ${sqlInteger(p.partition)}${below})` +
      `
  OR (source_partition IS NULL AND ${legacyActors}))`;
  }
  // Latest revision per alert. Filtering on last_event_ts before picking the
  // latest is sound because last_event_ts never decreases across revisions.
  const sql =
    `SELECT ${RESTORABLE_ALERT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}
` +
    `WHERE ${where}
` +
    `ORDER BY alert_id, revision DESC
` +
    `LIMIT 1 BY alert_id`;
  const alerts: RestorableAlert[] = [];
  await streamRows<AlertRow & { state: string }>(
    client,
    sql,
    table,
    (r) => {
      const restorable = restorableAlertFromRow(r);
      if (restorable === null) counters.skipped++;
      else if (restorable.alert.status !== 'closed' || restorable.alert.last_event_ts >= s.reopenFrom) alerts.push(restorable);
    },
    v.params,
  );
  return alerts;
}

/** Without a partition (a backtest): the newest events in the window, in event-time order. */
async function loadRecentEvents(
  client: ClickHouseClient,
  database: string,
  now: number,
  from: number,
  max: number,
  counters: { skipped: number },
): Promise<{ events: EnrichedEvent[]; capped: boolean }> {
  if (max === 0) return { events: [], capped: false };
  const table = TABLES.accessEvents;
  // Newest first so the cap drops the oldest; one row per event_id (the
  // latest ingestion); one extra row tells whether the cap was hit.
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ts >= toDateTime(${sqlEpochSeconds(from)}) AND ts_ms >= ${sqlInteger(from)} AND ts_ms <= ${sqlInteger(now)}\n` +
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
