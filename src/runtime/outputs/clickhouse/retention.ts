/**
 * Retention on servers without TTL (18.16): custos removes expired rows itself.
 *
 *  - Tables partitioned by month of their retention column (access_events,
 *    rejected_events, actor_activity, partition_progress): a month goes whole,
 *    with `ALTER TABLE ... DROP PARTITION`, once its last instant is past the
 *    retention; so rows are kept up to one month longer than the retention,
 *    never shorter, and no row is rewritten.
 *  - Tables that are not partitioned (alerts, alert_notifications,
 *    alert_deliveries: a replacing merge only meets rows of one partition, and
 *    their time columns move between revisions): an `ALTER TABLE ... DELETE`
 *    mutation of the expired rows, issued only when there are some.
 *
 * On servers with TTL the tables carry a TTL instead (ddl.ts) and this does
 * nothing. Called on a schedule by the monitor and by `custos db retention`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { runStatement, selectRows } from './connection.js';
import { retentionDaysOf, retentionTargets, type RetentionOverrides, type RetentionTarget } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import type { ServerFeatures } from './server-version.js';
import { sqlValues } from './sql-values.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  readonly database: string;
  readonly features: ServerFeatures;
  readonly retentionDays: number;
  readonly retention?: RetentionOverrides;
  /** Epoch ms; rows older than now less the retention expire. */
  readonly nowMs: number;
}

export interface RetentionResult {
  readonly table: string;
  readonly retentionDays: number;
  /** Partitions (YYYYMM) dropped. */
  readonly droppedPartitions: readonly string[];
  /** Rows a DELETE mutation was issued for (they disappear when it has run). */
  readonly deletedRows: number;
}

/** Removes what is past retention in every table; [] on servers with TTL (the TTL does it). */
export async function enforceRetention(client: ClickHouseClient, options: RetentionOptions): Promise<RetentionResult[]> {
  if (options.features.ttl) return [];
  const out: RetentionResult[] = [];
  for (const target of retentionTargets()) {
    const days = retentionDaysOf(options, target.table);
    if (days <= 0) continue;
    const cutoffMs = options.nowMs - days * DAY_MS;
    if (cutoffMs <= 0) continue;
    out.push(
      target.monthlyPartitions
        ? { table: target.table, retentionDays: days, droppedPartitions: await dropExpiredMonths(client, options.database, target, cutoffMs), deletedRows: 0 }
        : { table: target.table, retentionDays: days, droppedPartitions: [], deletedRows: await deleteExpiredRows(client, options.database, target, cutoffMs) },
    );
  }
  return out;
}

/** The first instant after month `YYYYMM` (UTC), or null for a partition id of another form. */
export function monthEndMs(partitionId: string): number | null {
  const match = /^(\d{4})(\d{2})$/.exec(partitionId);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (month < 1 || month > 12) return null;
  return Date.UTC(year, month, 1);
}

async function dropExpiredMonths(client: ClickHouseClient, database: string, target: RetentionTarget, cutoffMs: number): Promise<string[]> {
  const v = sqlValues(client);
  const parts = await selectRows<{ partition_id: string }>(
    client,
    `SELECT DISTINCT partition_id FROM system.parts WHERE database = ${v.string(database)} AND table = ${v.string(target.table)} AND active`,
    'system.parts',
    v.params,
  );
  const dropped: string[] = [];
  for (const { partition_id: id } of parts) {
    const end = monthEndMs(id);
    if (end === null || end > cutoffMs) continue;
    // The partition value of toYYYYMM is a number: written as a validated integer.
    await runStatement(client, `ALTER TABLE ${qualifiedTable(database, target.table)} DROP PARTITION ${sqlInteger(Number(id))}`, target.table, 'ddl');
    dropped.push(id);
  }
  return dropped.sort();
}

async function deleteExpiredRows(client: ClickHouseClient, database: string, target: RetentionTarget, cutoffMs: number): Promise<number> {
  const table = qualifiedTable(database, target.table);
  const expired = `${target.column} < toDateTime(${sqlEpochSeconds(cutoffMs)})`;
  const [row] = await selectRows<{ n: string | number }>(client, `SELECT count() AS n FROM ${table} WHERE ${expired}`, target.table);
  const n = Number(row?.n ?? 0);
  if (n > 0) await runStatement(client, `ALTER TABLE ${table} DELETE WHERE ${expired}`, target.table, 'ddl');
  return n;
}
