/**
 * Everything an alert's page shows: the alert (latest revision) and its
 * findings, the triage state and history, the evidence events (customers as
 * pseudonyms only: record ids never exist in clear after decode), the chart
 * data, and the exceptions made from it. Each query reads one actor's or one
 * alert's rows by primary key and a bounded time range, so an actor with
 * 100,000 events costs no more than one with ten (`custos bench console`).
 */
import type { RuleSet } from '../../runtime/engine/index.js';
import { selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from '../../runtime/outputs/clickhouse/escape.js';
import { sqlValues } from '../../runtime/outputs/clickhouse/sql-values.js';
import type { ConsoleException } from '../../model/console-exception.js';
import { chartData, type ChartData, type HourRow } from '../chart/series.js';
import type { ConsoleClickHouse } from '../clickhouse.js';
import { listConsoleExceptions } from '../exceptions/store.js';
import { stateOf, triageHistory, type TriageRow } from '../triage/store.js';
import { effectiveStatus, type TriageState } from '../triage/workflow.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Days of the actor's hours shown before the alert's window. */
export const CHART_DAYS_BEFORE = 7;

export interface AlertRow {
  readonly alert_id: string;
  readonly revision: number;
  readonly rule_id: string;
  readonly rule_version: string;
  readonly rule_kind: string;
  readonly severity: string;
  readonly tier: number;
  readonly actor_id: string;
  readonly actor_role: string;
  readonly actor_department: string;
  readonly employment_status: string;
  readonly window_start_ms: number;
  readonly window_end_ms: number;
  readonly window_label: string;
  readonly observed: number;
  readonly baseline: number | null;
  readonly baseline_source: string | null;
  readonly score: number | null;
  readonly first_event_ts_ms: number;
  readonly last_event_ts_ms: number;
  readonly event_count: number;
  readonly suppressed_count: number;
  readonly event_ids: readonly string[];
  readonly summary: string;
  readonly explanation: Record<string, unknown>;
  readonly query: string;
  readonly status: string;
}

export interface EvidenceEvent {
  readonly event_id: string;
  readonly ts_ms: number;
  readonly action: string;
  readonly resource_type: string;
  readonly record_count: number;
  /** A few customers' pseudonyms (never clear ids) and how many there are. */
  readonly refs: readonly string[];
  readonly ref_count: number;
  readonly fields: readonly string[];
  readonly channel: string | null;
  readonly network_zone: string;
  readonly ticket_id: string | null;
  readonly outcome: string;
}

export interface AlertPage {
  readonly alert: AlertRow;
  readonly triage: TriageState & { readonly effective: string; readonly reopened: boolean };
  readonly history: readonly TriageRow[];
  readonly evidence: readonly EvidenceEvent[];
  readonly chart: ChartData;
  readonly exceptions: readonly ConsoleException[];
}

const NUMERIC = ['revision', 'tier', 'window_start_ms', 'window_end_ms', 'observed', 'first_event_ts_ms', 'last_event_ts_ms', 'event_count', 'suppressed_count'];

/** The alert columns the page shows: not the engine's `state`, by far the widest column. */
const ALERT_PAGE_COLUMNS = [
  'alert_id', 'revision', 'rule_id', 'rule_version', 'rule_kind', 'severity', 'tier', 'actor_id', 'actor_role', 'actor_department', 'employment_status',
  'window_start_ms', 'window_end_ms', 'window_label', 'observed', 'baseline', 'baseline_source', 'score', 'first_event_ts_ms', 'last_event_ts_ms',
  'event_count', 'suppressed_count', 'event_ids', 'summary', 'explanation', 'query', 'status',
];

export async function loadAlertRow(db: ConsoleClickHouse, alertId: string): Promise<AlertRow | null> {
  const v = sqlValues(db.reader);
  // PREWHERE: the key is matched before any wide column is read (with WHERE, 18.16 read whole granules of them).
  const rows = await selectRows<Record<string, unknown>>(
    db.reader,
    `SELECT ${ALERT_PAGE_COLUMNS.join(', ')} FROM ${qualifiedTable(db.database, TABLES.alerts)} FINAL PREWHERE alert_id = ${v.string(alertId)} ORDER BY revision DESC LIMIT 1`,
    TABLES.alerts,
    v.params,
  );
  const r = rows[0];
  if (r === undefined) return null;
  let explanation: Record<string, unknown> = {};
  try {
    explanation = JSON.parse(String(r.explanation)) as Record<string, unknown>;
  } catch {
    explanation = {};
  }
  const out: Record<string, unknown> = { ...r, explanation };
  for (const k of NUMERIC) out[k] = Number(r[k]);
  for (const k of ['baseline', 'score']) out[k] = r[k] === null ? null : Number(r[k]);
  return out as unknown as AlertRow;
}

/** z and spread floor of the rule set's 1-hour baseline window (the chart's band), else the language's defaults. */
export function chartBaselineParams(rules: RuleSet, primaryRuleId: string): { z: number; minSpread: number } {
  const candidates = [rules.rulesById.get(primaryRuleId), ...rules.rateRules];
  for (const rule of candidates) {
    if (rule?.kind !== 'rate') continue;
    for (const w of rule.windows) {
      if (w.limit.type === 'baseline' && w.limit.baseline.metric === 'hour_peak_1h') return { z: w.limit.baseline.z, minSpread: w.limit.baseline.min_spread };
    }
  }
  return { z: 4, minSpread: 0.25 };
}

/** Longest stretch of hours at the alert's window that is counted from the events when no activity row holds it yet. */
const OPEN_HOURS_MAX = 48;

export async function loadChart(db: ConsoleClickHouse, a: AlertRow, rules: RuleSet): Promise<ChartData> {
  const lookback = rules.settings.activity_lookback;
  const fromMs = Math.floor((a.window_start_ms - CHART_DAYS_BEFORE * DAY) / HOUR) * HOUR;
  const toMs = Math.ceil((Math.max(a.window_end_ms, a.last_event_ts_ms) + DAY) / HOUR) * HOUR;
  const activity = qualifiedTable(db.database, TABLES.actorActivity);
  const events = qualifiedTable(db.database, TABLES.accessEvents);
  const range = (start: number) => `bucket_start >= toDateTime(${sqlEpochSeconds(Math.max(0, start))}) AND bucket_start < toDateTime(${sqlEpochSeconds(toMs)})`;
  // The hours of the alert's window, up to its last event: the engine stores an hour's activity row
  // once the hour closes, so the hour still open (usually the alert's own) is counted from its events.
  const openFrom = Math.floor(a.window_start_ms / HOUR) * HOUR;
  const openTo = Math.min(Math.floor(Math.max(a.window_end_ms, a.last_event_ts_ms) / HOUR) * HOUR + HOUR, openFrom + OPEN_HOURS_MAX * HOUR);
  const ownV = sqlValues(db.reader);
  const peersV = sqlValues(db.reader);
  const tzV = sqlValues(db.reader);
  const openV = sqlValues(db.reader);
  const [own, peers, tz, open] = await Promise.all([
    selectRows<Record<string, unknown>>(
      db.reader,
      `SELECT bucket_start_ms, local_hour, local_weekday, ifNull(peak_1h_distinct, distinct_records) AS value
       FROM ${activity} FINAL WHERE actor_id = ${ownV.string(a.actor_id)} AND granularity = 'hour' AND ${range(Math.min(fromMs, a.window_start_ms - lookback))}`,
      TABLES.actorActivity,
      ownV.params,
    ),
    selectRows<Record<string, unknown>>(
      db.reader,
      `SELECT bucket_start_ms, quantileExact(0.5)(ifNull(peak_1h_distinct, distinct_records)) AS median
       FROM ${activity} FINAL WHERE granularity = 'hour' AND role = ${peersV.string(a.actor_role)} AND department = ${peersV.string(a.actor_department)}
         AND actor_id != ${peersV.string(a.actor_id)} AND ${range(fromMs)} GROUP BY bucket_start_ms`,
      TABLES.actorActivity,
      peersV.params,
    ),
    // The latest event's time zone: the subquery reads only the key columns, the outer query one granule.
    selectRows<{ actor_timezone: string }>(
      db.reader,
      `SELECT actor_timezone FROM ${events} WHERE actor_id = ${tzV.string(a.actor_id)}
         AND ts >= (SELECT max(ts) FROM ${events} WHERE actor_id = ${tzV.string(a.actor_id)}) ORDER BY ts DESC LIMIT 1`,
      TABLES.accessEvents,
      tzV.params,
    ),
    selectRows<{ bucket_start_ms: string | number; local_hour: string | number; local_weekday: string | number; value: string | number }>(
      db.reader,
      `SELECT toUInt64(toUInt32(toStartOfHour(ts))) * 1000 AS bucket_start_ms, any(local_hour) AS local_hour, any(local_weekday) AS local_weekday,
              uniqExactArray(record_refs) AS value
       FROM ${events} FINAL WHERE actor_id = ${openV.string(a.actor_id)}
         AND ts >= toDateTime(${sqlEpochSeconds(openFrom)}) AND ts < toDateTime(${sqlEpochSeconds(openTo)})
       GROUP BY bucket_start_ms ORDER BY bucket_start_ms LIMIT ${sqlInteger(OPEN_HOURS_MAX)}`,
      TABLES.accessEvents,
      openV.params,
    ),
  ]);
  const ownRows: HourRow[] = own.map((r) => ({ bucket_start_ms: Number(r.bucket_start_ms), local_hour: Number(r.local_hour), local_weekday: Number(r.local_weekday), value: Number(r.value) }));
  const stored = new Set(ownRows.map((r) => r.bucket_start_ms));
  const openRows: HourRow[] = open
    .map((r) => ({ bucket_start_ms: Number(r.bucket_start_ms), local_hour: Number(r.local_hour), local_weekday: Number(r.local_weekday), value: Number(r.value) }))
    .filter((r) => !stored.has(r.bucket_start_ms));
  const params = chartBaselineParams(rules, a.rule_id);
  return chartData({
    own: ownRows,
    open: openRows,
    peers: new Map(peers.map((r) => [Number(r.bucket_start_ms), Number(r.median)])),
    timezone: tz[0]?.actor_timezone ?? 'UTC',
    bands: rules.settings.baseline_bands,
    ...params,
    baselineBeforeMs: a.window_start_ms,
    lookbackMs: lookback,
    fromMs,
    toMs,
    window: { startMs: a.window_start_ms, endMs: Math.max(a.window_end_ms, a.last_event_ts_ms) },
  });
}

export async function loadEvidence(db: ConsoleClickHouse, a: AlertRow, limit = 50): Promise<EvidenceEvent[]> {
  const v = sqlValues(db.reader);
  const where = [`actor_id = ${v.string(a.actor_id)}`, `ts >= toDateTime(${sqlEpochSeconds(Math.max(0, a.window_start_ms))})`, `ts <= toDateTime(${sqlEpochSeconds(a.last_event_ts_ms)} + 1)`];
  if (a.event_ids.length > 0) where.push(`event_id IN ${v.stringList(a.event_ids)}`);
  const rows = await selectRows<Record<string, unknown>>(
    db.reader,
    `SELECT event_id, ts_ms, action, resource_type, record_count, arraySlice(record_refs, 1, 3) AS refs, length(record_refs) AS ref_count,
            fields, channel, network_zone, ticket_id, outcome
     FROM ${qualifiedTable(db.database, TABLES.accessEvents)} FINAL WHERE ${where.join(' AND ')} ORDER BY ts_ms, event_id LIMIT ${sqlInteger(limit)}`,
    TABLES.accessEvents,
    v.params,
  );
  return rows.map((r) => ({ ...(r as unknown as EvidenceEvent), ts_ms: Number(r.ts_ms), record_count: Number(r.record_count), ref_count: Number(r.ref_count) }));
}

export async function loadAlertPage(db: ConsoleClickHouse, alertId: string, rules: RuleSet): Promise<AlertPage | null> {
  const alert = await loadAlertRow(db, alertId);
  if (alert === null) return null;
  const [history, evidence, chart, exceptions] = await Promise.all([
    triageHistory(db, alertId),
    loadEvidence(db, alert),
    loadChart(db, alert, rules),
    listConsoleExceptions(db).then((all) => all.filter((x) => x.from_alert_id === alertId)),
  ]);
  const state = stateOf(history);
  const eff = effectiveStatus(state, { revision: alert.revision, eventCount: alert.event_count });
  return { alert, triage: { ...state, effective: eff.status, reopened: eff.reopened }, history, evidence, chart, exceptions };
}
