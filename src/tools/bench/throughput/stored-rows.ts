/**
 * What a custos runner stored, as one fingerprint per table, so that the
 * benchmark can show that two builds (or two rounds) stored the same rows.
 * Each table is read back sorted, without the columns that say when a row
 * was written (`*_at`, `*_at_ms`) and, for alerts, the Kafka position of the
 * batch a revision came with (it depends on where batches were cut, not on
 * the input), after FINAL (a row written twice by a redelivery counts once).
 * The run's database name (in each alert's query) reads `<database>`.
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, quoteString } from '../../../runtime/outputs/clickhouse/escape.js';

export const FINGERPRINTED_TABLES = [TABLES.accessEvents, TABLES.alerts, TABLES.actorActivity, TABLES.rejectedEvents] as const;

export interface TableFingerprint {
  readonly table: string;
  readonly rows: number;
  /** First 16 hex digits of the SHA-256 of the sorted rows (TabSeparated). */
  readonly sha256: string;
}

const BATCH_POSITION = new Set(['source_topic', 'source_partition', 'source_offset']);

function compared(table: string, column: string): boolean {
  if (column.endsWith('_at') || column.endsWith('_at_ms')) return false;
  return !(table === TABLES.alerts && BATCH_POSITION.has(column));
}

export async function storedRows(ch: ClickHouseClient, database: string): Promise<TableFingerprint[]> {
  const out: TableFingerprint[] = [];
  for (const table of FINGERPRINTED_TABLES) {
    const columns = (await (
      await ch.query({ query: `SELECT name FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(table)}`, format: 'JSONEachRow' })
    ).json<{ name: string }>()).map((c) => c.name).filter((c) => compared(table, c));
    if (columns.length === 0) continue;
    const list = columns.map((c) => `\`${c}\``).join(', ');
    const read = await (await ch.query({ query: `SELECT ${list} FROM ${qualifiedTable(database, table)} FINAL ORDER BY ${list}`, format: 'TabSeparated' })).text();
    const text = read.split(database).join('<database>');
    const rows = text.length === 0 ? 0 : text.split('\n').length - 1;
    out.push({ table, rows, sha256: createHash('sha256').update(text).digest('hex').slice(0, 16) });
  }
  return out;
}

/** One line: `access_events 100000 rows 1a2b…, alerts …`. */
export function describeStored(fingerprints: readonly TableFingerprint[]): string {
  return fingerprints.map((f) => `${f.table} ${f.rows.toLocaleString('en-US')} rows ${f.sha256}`).join(', ');
}
