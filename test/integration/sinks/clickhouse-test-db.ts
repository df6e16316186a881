/** A throwaway database per test file on the shared ClickHouse, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient, selectRows } from '../../../src/runtime/outputs/clickhouse/connection.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

export interface TestDatabase {
  /** url, username, password: spread into ClickHouseStore.open options. */
  readonly connection: { readonly url: string; readonly username: string; readonly password: string };
  readonly url: string;
  readonly database: string;
  readonly client: ClickHouseClient;
  rows<T>(sql: string): Promise<T[]>;
  drop(): Promise<void>;
}

export function testDatabase(): TestDatabase {
  const connection = { url: inject('clickhouseUrl'), username: inject('clickhouseUsername'), password: inject('clickhousePassword') };
  const database = `custos_it_${randomBytes(6).toString('hex')}`;
  // The settings custos sends, so that tests read what custos would (64-bit integers quoted).
  const client = createClickHouseClient({ ...connection, settings: { output_format_json_quote_64bit_integers: 1 } });
  return {
    connection,
    url: connection.url,
    database,
    client,
    rows: <T>(sql: string) => selectRows<T>(client, sql, null),
    async drop() {
      await dropSchema(client, database);
      await client.close();
    },
  };
}
