/**
 * An actor's page: who they are (from their latest event's enrichment), their
 * recent accesses, their usual hours (events per local weekday and hour over
 * the four weeks before their latest event: an hour-of-week heat map), and
 * their alerts with triage.
 *
 * No query reads all of an actor's events (`custos bench console` measures an
 * actor with 100,000): the latest event and the most recent ones are found on
 * the key columns first, and the heat map sums the hourly activity rows the
 * engine stores (closed hours) instead of counting events.
 */
import { selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from '../../runtime/outputs/clickhouse/escape.js';
import { sqlValues } from '../../runtime/outputs/clickhouse/sql-values.js';
import type { ConsoleClickHouse } from '../clickhouse.js';
import { SEVERITY_RANK_SQL } from './queue.js';

const DAY = 86_400_000;
export const HEATMAP_DAYS = 28;
export const RECENT_EVENTS = 100;

export interface ActorProfileRow {
  readonly actor_role: string;
  readonly actor_department: string;
  readonly employment_status: string;
  readonly actor_kind: string;
  readonly actor_timezone: string;
  readonly last_ts_ms: number;
}

export interface ActorPage {
  readonly actorId: string;
  readonly profile: ActorProfileRow | null;
  readonly recent: readonly Record<string, unknown>[];
  /** heat[weekday 1..7 → index 0..6][hour 0..23]: events in the actor's local time (closed hours). */
  readonly heat: readonly (readonly number[])[];
  readonly heatMax: number;
  readonly heatFromMs: number;
  readonly alerts: readonly Record<string, unknown>[];
  /** Events of the heat map's days (closed hours). */
  readonly heatEvents: number;
}

export async function loadActorPage(db: ConsoleClickHouse, actorId: string): Promise<ActorPage> {
  const events = qualifiedTable(db.database, TABLES.accessEvents);
  const pv = sqlValues(db.reader);
  // The subquery reads only the key columns; the outer query then one granule.
  const profiles = await selectRows<Record<string, unknown>>(
    db.reader,
    `SELECT actor_role, actor_department, employment_status, actor_kind, actor_timezone, ts_ms AS last_ts_ms FROM ${events}
     WHERE actor_id = ${pv.string(actorId)} AND ts >= (SELECT max(ts) FROM ${events} WHERE actor_id = ${pv.string(actorId)}) ORDER BY ts DESC LIMIT 1`,
    TABLES.accessEvents,
    pv.params,
  );
  const p = profiles[0];
  const profile = p === undefined ? null : ({ ...(p as unknown as ActorProfileRow), last_ts_ms: Number(p.last_ts_ms) } as ActorProfileRow);
  const lastMs = profile?.last_ts_ms ?? Date.now();
  const heatFromMs = lastMs - HEATMAP_DAYS * DAY;
  const rv = sqlValues(db.reader);
  const hv = sqlValues(db.reader);
  const av = sqlValues(db.reader);
  const [recent, heatRows, alerts] = await Promise.all([
    // The time of the RECENT_EVENTS-th latest event bounds the deduplicating read (FINAL) to those events.
    selectRows<Record<string, unknown>>(
      db.reader,
      `SELECT event_id, ts_ms, action, resource_type, record_count, channel, network_zone, ticket_id, outcome, local_hour, local_weekday
       FROM ${events} FINAL WHERE actor_id = ${rv.string(actorId)}
         AND ts >= (SELECT ifNull(min(ts), toDateTime(0)) FROM (SELECT ts FROM ${events} WHERE actor_id = ${rv.string(actorId)} ORDER BY ts DESC LIMIT ${sqlInteger(RECENT_EVENTS)}))
       ORDER BY ts DESC, event_id DESC LIMIT ${sqlInteger(RECENT_EVENTS)}`,
      TABLES.accessEvents,
      rv.params,
    ),
    selectRows<{ local_weekday: number | string; local_hour: number | string; n: number | string }>(
      db.reader,
      `SELECT local_weekday, local_hour, sum(events) AS n FROM ${qualifiedTable(db.database, TABLES.actorActivity)} FINAL
       WHERE actor_id = ${hv.string(actorId)} AND granularity = 'hour' AND bucket_start >= toDateTime(${sqlEpochSeconds(Math.max(0, heatFromMs))})
       GROUP BY local_weekday, local_hour`,
      TABLES.actorActivity,
      hv.params,
    ),
    selectRows<Record<string, unknown>>(
      db.reader,
      `SELECT alert_id, severity, rule_id, summary, last_event_ts_ms, event_count, status AS engine_status, triage_status, reopened, triage_assignee AS assignee
       FROM ${qualifiedTable(db.consoleDatabase, TABLES.alertsTriaged)} WHERE actor_id = ${av.string(actorId)} ORDER BY last_event_ts_ms DESC, ${SEVERITY_RANK_SQL} DESC LIMIT 200`,
      TABLES.alertsTriaged,
      av.params,
    ),
  ]);
  const heat = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  let heatMax = 0;
  let heatEvents = 0;
  for (const r of heatRows) {
    const row = heat[Number(r.local_weekday) - 1];
    if (row === undefined) continue;
    const n = Number(r.n);
    row[Number(r.local_hour)] = n;
    heatEvents += n;
    if (n > heatMax) heatMax = n;
  }
  return { actorId, profile, recent, heat, heatMax, heatFromMs, alerts, heatEvents };
}
