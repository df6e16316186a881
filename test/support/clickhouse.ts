/** ClickHouse helpers for integration tests: a client, a fresh database per test file, polling queries. */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { inject } from 'vitest';
import { uniqueName } from './kafka.js';

export function testClickHouse(): ClickHouseClient {
  return createClient({
    url: inject('clickhouseUrl'),
    username: inject('clickhouseUsername'),
    password: inject('clickhousePassword'),
    // pollQuery expects errors while custos creates its database; they are reported on timeout.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export function uniqueDatabase(prefix = 'custos_it'): string {
  return uniqueName(prefix).replace(/-/g, '_');
}

export async function query<T>(client: ClickHouseClient, sql: string): Promise<T[]> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<T>();
}

/**
 * Re-runs `sql` until `done(rows)` holds, or fails with the last rows after
 * `timeoutMs`. Query errors count as "not yet" (custos may not have created
 * the database yet) and are reported if the time runs out.
 */
export async function pollQuery<T>(client: ClickHouseClient, sql: string, done: (rows: T[]) => boolean, timeoutMs = 60_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: T[] = [];
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      rows = await query<T>(client, sql);
      lastError = null;
      if (done(rows)) return rows;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const last = lastError ? `error ${(lastError as Error).message}` : `result ${JSON.stringify(rows).slice(0, 500)}`;
  throw new Error(`condition not met within ${timeoutMs} ms; last ${last}`);
}
