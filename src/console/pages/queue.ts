/**
 * The alert queue: every alert (latest revision) with its triage, filtered by
 * status, severity, rule, actor and time; most severe first, then newest
 * (or newest first); counts per status under the same filters.
 */
import { SEVERITIES } from '../../model/alert.js';
import { selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES, TRIAGE_STATUSES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, quoteString, sqlInteger } from '../../runtime/outputs/clickhouse/escape.js';
import { sqlValues, type SqlValues } from '../../runtime/outputs/clickhouse/sql-values.js';
import type { ConsoleClickHouse } from '../clickhouse.js';

export const STATUS_FILTERS = ['active', ...TRIAGE_STATUSES, 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
export const QUEUE_PAGE_SIZE = 100;

export interface QueueFilter {
  readonly status: StatusFilter;
  /** Minimum severity, or null for every severity. */
  readonly severity: string | null;
  readonly rule: string | null;
  readonly actor: string | null;
  /** Last triggering event in [fromMs, toMs). */
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly sort: 'severity' | 'newest';
  readonly page: number;
}

export interface QueueRow {
  readonly alert_id: string;
  readonly revision: number;
  readonly rule_id: string;
  readonly severity: string;
  readonly actor_id: string;
  readonly actor_role: string;
  readonly summary: string;
  readonly first_event_ts_ms: number;
  readonly last_event_ts_ms: number;
  readonly event_count: number;
  /** The engine's state: open, or closed once its quiet period passed. */
  readonly engine_status: string;
  readonly triage_status: string;
  readonly reopened: boolean;
  readonly assignee: string;
  readonly resolution: string;
}

export interface Queue {
  readonly rows: readonly QueueRow[];
  /** Rows matching the filter (every page). */
  readonly total: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly rules: readonly string[];
}

function filterSql(f: QueueFilter, withStatus: boolean, v: SqlValues): string {
  const where: string[] = [];
  if (withStatus) {
    if (f.status === 'active') where.push(`triage_status IN ('open', 'acknowledged')`);
    else if (f.status !== 'all') where.push(`triage_status = ${v.string(f.status)}`);
  }
  if (f.severity !== null) {
    const at = SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]);
    if (at > 0) where.push(`severity IN ${v.stringList(SEVERITIES.slice(at))}`);
  }
  if (f.rule !== null) where.push(`rule_id = ${v.string(f.rule)}`);
  if (f.actor !== null) where.push(`actor_id = ${v.string(f.actor)}`);
  if (f.fromMs !== null) where.push(`last_event_ts_ms >= ${sqlInteger(f.fromMs)}`);
  if (f.toMs !== null) where.push(`last_event_ts_ms < ${sqlInteger(f.toMs)}`);
  return where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
}

// An array literal (indexOf takes no tuple on 18.16).
export const SEVERITY_RANK_SQL = `indexOf([${SEVERITIES.map(quoteString).join(', ')}], severity)`;

export async function loadQueue(db: ConsoleClickHouse, f: QueueFilter): Promise<Queue> {
  const view = qualifiedTable(db.consoleDatabase, TABLES.alertsTriaged);
  const order = f.sort === 'newest' ? `last_event_ts_ms DESC, ${SEVERITY_RANK_SQL} DESC` : `${SEVERITY_RANK_SQL} DESC, last_event_ts_ms DESC`;
  // One set of values per query: each request carries only its own parameters.
  const rowValues = sqlValues(db.reader);
  const countValues = sqlValues(db.reader);
  const [rows, counts, rules] = await Promise.all([
    selectRows<Record<string, unknown>>(
      db.reader,
      `SELECT alert_id, revision, rule_id, severity, actor_id, actor_role, summary, first_event_ts_ms, last_event_ts_ms, event_count,
              status AS engine_status, triage_status, reopened, triage_assignee AS assignee, triage_resolution AS resolution
       FROM ${view} ${filterSql(f, true, rowValues)}
       ORDER BY ${order}, alert_id
       LIMIT ${sqlInteger(QUEUE_PAGE_SIZE)} OFFSET ${sqlInteger(Math.max(0, f.page) * QUEUE_PAGE_SIZE)}`,
      TABLES.alertsTriaged,
      rowValues.params,
    ),
    selectRows<{ triage_status: string; n: string | number }>(
      db.reader,
      `SELECT triage_status, count() AS n FROM ${view} ${filterSql(f, false, countValues)} GROUP BY triage_status`,
      TABLES.alertsTriaged,
      countValues.params,
    ),
    selectRows<{ rule_id: string }>(db.reader, `SELECT DISTINCT rule_id FROM ${qualifiedTable(db.database, TABLES.alertsLatest)} ORDER BY rule_id`, TABLES.alertsLatest),
  ]);
  const byStatus: Record<string, number> = { open: 0, acknowledged: 0, resolved: 0 };
  for (const c of counts) byStatus[c.triage_status] = Number(c.n);
  const total =
    f.status === 'all'
      ? Object.values(byStatus).reduce((a, b) => a + b, 0)
      : f.status === 'active'
        ? (byStatus.open ?? 0) + (byStatus.acknowledged ?? 0)
        : (byStatus[f.status] ?? 0);
  return {
    rows: rows.map((r) => ({
      ...(r as unknown as QueueRow),
      revision: Number(r.revision),
      first_event_ts_ms: Number(r.first_event_ts_ms),
      last_event_ts_ms: Number(r.last_event_ts_ms),
      event_count: Number(r.event_count),
      reopened: Number(r.reopened) === 1,
    })),
    total,
    counts: byStatus,
    rules: rules.map((r) => r.rule_id),
  };
}
