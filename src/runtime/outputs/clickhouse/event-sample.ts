/**
 * The newest stored events of a time range, at most `limit` of them, as the
 * engine saw them (enriched and pseudonymised when they were stored): the
 * sample `custos check --from-clickhouse` judges the current configuration on.
 * Reads `access_events_dedup` (a redelivered event counts once), which the
 * analyst and console users of the access model may read.
 *
 * The range bounds travel as query parameters where the server has them
 * (sql-values.ts); the `ts` bounds (whole seconds, for partition pruning) and
 * the limit are validated integers.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import { sqlValues } from './sql-values.js';
import { ACCESS_EVENT_READ_COLUMNS, accessEventFromRow, type AccessEventRow } from './rows/access-event-row.js';

export interface EventSampleQuery {
  /** Epoch ms, inclusive. */
  readonly fromMs: number;
  /** Epoch ms, exclusive. */
  readonly untilMs: number;
  /** The newest this many events of the range. */
  readonly limit: number;
}

export interface EventSample {
  /** Newest first. */
  readonly events: readonly EnrichedEvent[];
  /** Rows whose values are outside the model (written by something else); normally 0. */
  readonly skippedRows: number;
}

export async function readEventSample(client: ClickHouseClient, database: string, q: EventSampleQuery): Promise<EventSample> {
  if (!(q.untilMs > q.fromMs)) throw new RangeError('untilMs must be after fromMs');
  if (!(q.limit >= 1)) throw new RangeError(`limit must be positive, got ${q.limit}`);
  const table = TABLES.accessEventsDedup;
  const v = sqlValues(client);
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ts >= toDateTime(${sqlEpochSeconds(q.fromMs)}) AND ts <= toDateTime(${sqlEpochSeconds(q.untilMs - 1)})\n` +
    `  AND ts_ms >= ${v.uint64(String(q.fromMs))} AND ts_ms < ${v.uint64(String(q.untilMs))}\n` +
    `ORDER BY ts_ms DESC, event_id DESC, actor_id DESC\n` +
    `LIMIT ${sqlInteger(q.limit)}`;
  const events: EnrichedEvent[] = [];
  let skippedRows = 0;
  await streamRows<AccessEventRow>(
    client,
    sql,
    table,
    (r) => {
      const event = accessEventFromRow(r);
      if (event) events.push(event);
      else skippedRows++;
    },
    v.params,
  );
  return { events, skippedRows };
}
