/**
 * The alert outbox on ClickHouse: `alert_notifications` (every revision
 * that notifies or closes an alert, filled by a materialized view on `alerts`,
 * so it is durable as soon as the batch insert returns) minus
 * `alert_deliveries` rows that are final for the destination.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { DeliveryOutbox, DeliveryStateRow, FindUndeliveredQuery, StoredNotification } from '../alerts/outbox.js';
import { insertJsonLines, streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import { sqlValues } from './sql-values.js';
import { ALERT_READ_COLUMNS, alertFromRow, type AlertRow } from './rows/alert-row.js';
import { deliveryLine } from './rows/delivery-row.js';
import { toNumber } from './rows/json-values.js';

export class ClickHouseDeliveryOutbox implements DeliveryOutbox {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  async findUndelivered(q: FindUndeliveredQuery): Promise<StoredNotification[]> {
    if (q.severities.length === 0 || q.limit <= 0) return [];
    const since = Math.max(0, q.sinceMs);
    const notifications = qualifiedTable(this.database, TABLES.alertNotifications);
    const deliveries = qualifiedTable(this.database, TABLES.alertDeliveries);
    const v = sqlValues(this.client);
    // Final states only: a `failed` row means "still owed". Deliveries are
    // always updated after the notification was stored, so the same lower
    // time bound applies to both tables.
    const sql =
      `SELECT ${ALERT_READ_COLUMNS} FROM ${notifications}\n` +
      `WHERE stored_at >= toDateTime(${sqlEpochSeconds(since)}) AND stored_at_ms >= ${sqlInteger(since)}\n` +
      `  AND severity IN ${v.stringList(q.severities)}
` +
      // Closing revisions are in the outbox for destinations that resolve (PagerDuty); the others get only what notifies.
      `  AND (notify = 1${q.closings ? " OR status = 'closed'" : ''})
` +
      `  AND (alert_id, revision) NOT IN (\n` +
      `    SELECT alert_id, revision FROM ${deliveries}\n` +
      `    WHERE endpoint_id = ${v.string(q.endpointId)} AND status IN ('delivered', 'gave_up')\n` +
      `      AND updated_at >= toDateTime(${sqlEpochSeconds(since)}))\n` +
      `ORDER BY stored_at_ms, alert_id, revision\n` +
      `LIMIT 1 BY alert_id, revision\n` +
      `LIMIT ${sqlInteger(q.limit)}`;
    const found: StoredNotification[] = [];
    await streamRows<AlertRow>(this.client, sql, TABLES.alertNotifications, (row) => {
      const alert = alertFromRow(row);
      if (alert) found.push({ alert, storedAtMs: toNumber(row.stored_at_ms) });
    }, v.params);
    return found;
  }

  async recordDeliveries(rows: readonly DeliveryStateRow[]): Promise<void> {
    if (rows.length === 0) return;
    let body = '';
    for (const row of rows) body += deliveryLine(row);
    await insertJsonLines(this.client, this.database, TABLES.alertDeliveries, body);
  }
}
