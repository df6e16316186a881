/**
 * Reads the stored events of a time range in event-time order, as the engine
 * saw them (already enriched and pseudonymised), for `custos backtest`.
 *
 * Keyset pagination: each chunk is one query ordered by (ts_ms, event_id,
 * actor_id) that starts after the last row of the previous chunk, so memory
 * holds at most two chunks (the one being replayed and the next one, fetched
 * meanwhile) whatever the length of the range, and no OFFSET makes the server
 * skip ever more rows. Reads the `access_events_dedup` view (FINAL), so a
 * redelivered event counts once, as analysts see it.
 *
 * Strings reach SQL only as query parameters or, without them, escaped
 * (sql-values.ts); numbers through sqlInteger / sqlEpochSeconds.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { streamRows } from './connection.js';
import { TABLES } from './ddl.js';
import { qualifiedTable, sqlEpochSeconds, sqlInteger } from './escape.js';
import { sqlValues } from './sql-values.js';
import { ACCESS_EVENT_READ_COLUMNS, accessEventFromRow, type AccessEventRow } from './rows/access-event-row.js';

export interface EventRangeQuery {
  /** Epoch ms, inclusive. */
  readonly fromMs: number;
  /** Epoch ms, exclusive. */
  readonly untilMs: number;
  /** Rows per query (default 50,000). */
  readonly chunkRows?: number;
}

export interface EventRangeCounters {
  /** Rows read. */
  rows: number;
  /** Rows skipped because a value was outside the model (written by something else); normally 0. */
  skippedRows: number;
  /** Queries run. */
  chunks: number;
}

interface RowKey {
  readonly ts: number;
  readonly eventId: string;
  readonly actorId: string;
}

interface Chunk {
  readonly events: EnrichedEvent[];
  readonly rows: number;
  readonly last: RowKey | null;
}

const DEFAULT_CHUNK_ROWS = 50_000;

/** Chunks of events, oldest first; ends after the first chunk shorter than chunkRows. */
export async function* readEventRange(
  client: ClickHouseClient,
  database: string,
  query: EventRangeQuery,
  counters: EventRangeCounters = { rows: 0, skippedRows: 0, chunks: 0 },
): AsyncGenerator<EnrichedEvent[]> {
  const chunkRows = query.chunkRows ?? DEFAULT_CHUNK_ROWS;
  sqlInteger(chunkRows);
  if (chunkRows < 1) throw new RangeError(`chunkRows must be positive, got ${chunkRows}`);
  if (!(query.untilMs > query.fromMs)) throw new RangeError('untilMs must be after fromMs');
  sqlEpochSeconds(query.fromMs);
  sqlEpochSeconds(query.untilMs);

  const fetch = (after: RowKey | null) => {
    const p = fetchChunk(client, database, query, chunkRows, after, counters);
    // A prefetch whose chunk is never asked for (the caller stopped) must not
    // become an unhandled rejection; an awaited one still throws.
    p.catch(() => undefined);
    return p;
  };
  let pending = fetch(null);
  for (;;) {
    const chunk = await pending;
    const more = chunk.rows === chunkRows && chunk.last !== null;
    // The next query runs while the caller replays this chunk.
    if (more) pending = fetch(chunk.last);
    if (chunk.events.length > 0) yield chunk.events;
    if (!more) return;
  }
}

async function fetchChunk(
  client: ClickHouseClient,
  database: string,
  q: EventRangeQuery,
  limit: number,
  after: RowKey | null,
  counters: EventRangeCounters,
): Promise<Chunk> {
  const table = TABLES.accessEventsDedup;
  const lowerMs = after === null ? q.fromMs : after.ts;
  const v = sqlValues(client);
  // `ts` (seconds) bounds let the server skip partitions; `ts_ms` bounds are exact.
  const conditions = [
    `ts >= toDateTime(${sqlEpochSeconds(lowerMs)})`,
    `ts <= toDateTime(${sqlEpochSeconds(q.untilMs - 1)})`,
    `ts_ms >= ${sqlInteger(lowerMs)}`,
    `ts_ms < ${sqlInteger(q.untilMs)}`,
  ];
  if (after !== null) {
    const ts = sqlInteger(after.ts);
    const id = v.string(after.eventId);
    conditions.push(`(ts_ms > ${ts} OR (ts_ms = ${ts} AND (event_id > ${id} OR (event_id = ${id} AND actor_id > ${v.string(after.actorId)}))))`);
  }
  const sql =
    `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(database, table)}\n` +
    `WHERE ${conditions.join('\n  AND ')}\n` +
    `ORDER BY ts_ms, event_id, actor_id\n` +
    `LIMIT ${sqlInteger(limit)}`;
  const events: EnrichedEvent[] = [];
  let rows = 0;
  let last: RowKey | null = null;
  await streamRows<AccessEventRow>(client, sql, table, (r) => {
    rows++;
    last = { ts: Number(r.ts_ms), eventId: r.event_id, actorId: r.actor_id };
    const event = accessEventFromRow(r);
    if (event) events.push(event);
    else counters.skippedRows++;
  }, v.params);
  counters.rows += rows;
  counters.chunks++;
  return { events, rows, last };
}
