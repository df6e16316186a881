/**
 * Triage rows in ClickHouse: the current state of an alert (latest row), its
 * history (every row: the audit trail), and appending a change. Writes go
 * through the console's writer user to the console database only: the
 * monitor's tables and hot path are never touched.
 */
import { randomUUID } from 'node:crypto';
import { insertJsonLines, selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../../runtime/outputs/clickhouse/escape.js';
import { sqlValues } from '../../runtime/outputs/clickhouse/sql-values.js';
import { epochMs, epochSeconds, uint } from '../../runtime/outputs/clickhouse/rows/json-values.js';
import type { ConsoleClickHouse } from '../clickhouse.js';
import { RESOLUTIONS, UNTRIAGED, type Resolution, type TriageAction, type TriageChange, type TriageState, type TriageStatus } from './workflow.js';

export interface TriageRow {
  readonly change_id: string;
  readonly alert_id: string;
  readonly changed_at_ms: number;
  readonly changed_by: string;
  readonly action: TriageAction;
  readonly from_status: TriageStatus;
  readonly to_status: TriageStatus;
  readonly resolution: string;
  readonly assignee: string;
  readonly note: string;
  readonly alert_revision: number;
  readonly alert_event_count: number;
  readonly exception_id: string;
}

const toResolution = (s: string): Resolution | null => ((RESOLUTIONS as readonly string[]).includes(s) ? (s as Resolution) : null);

export async function triageHistory(db: ConsoleClickHouse, alertId: string): Promise<TriageRow[]> {
  const v = sqlValues(db.writer);
  const rows = await selectRows<Record<string, unknown>>(
    db.writer,
    `SELECT change_id, alert_id, changed_at_ms, changed_by, action, from_status, to_status, resolution, assignee, note, alert_revision, alert_event_count, exception_id
     FROM ${qualifiedTable(db.consoleDatabase, TABLES.alertTriage)} FINAL WHERE alert_id = ${v.string(alertId)} ORDER BY changed_at_ms, change_id`,
    TABLES.alertTriage,
    v.params,
  );
  return rows.map((r) => ({
    ...(r as unknown as TriageRow),
    changed_at_ms: Number(r.changed_at_ms),
    alert_revision: Number(r.alert_revision),
    alert_event_count: Number(r.alert_event_count),
  }));
}

/** The state the latest row left (no row: open, untouched). */
export function stateOf(history: readonly TriageRow[]): TriageState {
  const last = history.at(-1);
  if (last === undefined) return UNTRIAGED;
  return {
    status: last.to_status,
    resolution: toResolution(last.resolution),
    assignee: last.assignee,
    alertRevision: last.alert_revision,
    alertEventCount: last.alert_event_count,
    changedAtMs: last.changed_at_ms,
  };
}

export async function appendTriage(db: ConsoleClickHouse, alertId: string, change: TriageChange, by: string, exceptionId = ''): Promise<TriageRow> {
  const row: TriageRow = {
    change_id: randomUUID(),
    alert_id: alertId,
    changed_at_ms: change.changedAtMs,
    changed_by: by,
    action: change.action,
    from_status: change.from,
    to_status: change.to,
    resolution: change.resolution ?? '',
    assignee: change.assignee,
    note: change.note,
    alert_revision: change.alertRevision,
    alert_event_count: change.alertEventCount,
    exception_id: exceptionId,
  };
  const line = JSON.stringify({
    ...row,
    changed_at: epochSeconds(row.changed_at_ms, 'changed_at_ms'),
    changed_at_ms: epochMs(row.changed_at_ms, 'changed_at_ms'),
    alert_revision: uint(row.alert_revision, 'alert_revision'),
    alert_event_count: uint(row.alert_event_count, 'alert_event_count'),
  });
  await insertJsonLines(db.writer, db.consoleDatabase, TABLES.alertTriage, line + '\n');
  return row;
}
