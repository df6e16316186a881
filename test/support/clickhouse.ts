/** ClickHouse helpers for integration tests: a client, a fresh database per test file, polling queries. */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { inject } from 'vitest';
import { uniqueName } from './kafka.js';

export function testClickHouse(): ClickHouseClient {
  return createClient({ url: inject('clickhouseUrl'), username: inject('clickhouseUsername'), password: inject('clickhousePassword') });
}

export function uniqueDatabase(prefix = 'custos_it'): string {
  return uniqueName(prefix).replace(/-/g, '_');
}

export async function query<T>(client: ClickHouseClient, sql: string): Promise<T[]> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** Re-runs `sql` until `done(rows)` holds, or fails with the last rows after `timeoutMs`. */
export async function pollQuery<T>(client: ClickHouseClient, sql: string, done: (rows: T[]) => boolean, timeoutMs = 60_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: T[] = [];
  while (Date.now() < deadline) {
    rows = await query<T>(client, sql);
    if (done(rows)) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last result: ${JSON.stringify(rows).slice(0, 500)}`);
}
