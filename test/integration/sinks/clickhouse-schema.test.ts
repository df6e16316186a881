import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, TABLES, consoleDatabaseOf } from '../../../src/runtime/outputs/clickhouse/ddl.js';
import { dropSchema, ensureSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';
import { ClickHouseSinkError } from '../../../src/runtime/outputs/clickhouse/errors.js';
import { COMMON_SUBSET } from '../../../src/runtime/outputs/clickhouse/server-version.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

describe('ensureSchema against a real server', () => {
  let db: TestDatabase;
  beforeAll(() => {
    db = testDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('two instances creating the schema at once both succeed, and a third run changes nothing', async () => {
    const options = { database: db.database, retentionDays: 30 };
    const [a, b] = await Promise.all([ensureSchema(db.client, options), ensureSchema(db.client, options)]);
    expect(a.schemaVersion).toBe(SCHEMA_VERSION);
    expect(b.features).toEqual(a.features);
    await ensureSchema(db.client, options);

    const tables = await db.rows<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = '${db.database}' ORDER BY name`);
    expect(Object.fromEntries(tables.map((t) => [t.name, t.engine]))).toEqual({
      [TABLES.accessEvents]: 'ReplacingMergeTree',
      [TABLES.accessEventsDedup]: 'View',
      [TABLES.actorActivity]: 'ReplacingMergeTree',
      [TABLES.alertDeliveries]: 'ReplacingMergeTree',
      [TABLES.alertNotifications]: 'ReplacingMergeTree',
      [TABLES.alertNotificationsMv]: 'MaterializedView',
      [TABLES.alerts]: 'ReplacingMergeTree',
      [TABLES.alertsLatest]: 'View',
      [TABLES.partitionProgress]: 'ReplacingMergeTree',
      [TABLES.rejectedEvents]: 'ReplacingMergeTree',
      [TABLES.schemaVersion]: 'ReplacingMergeTree',
    });
    const versions = await db.rows<{ version: number }>(`SELECT version FROM ${db.database}.schema_version FINAL`);
    expect(versions.map((v) => Number(v.version))).toEqual([SCHEMA_VERSION]);
  });

  it('column types follow the detected features (LowCardinality only where supported)', async () => {
    const info = await ensureSchema(db.client, { database: db.database, retentionDays: 30 });
    const [action] = await db.rows<{ type: string }>(`SELECT type FROM system.columns WHERE database = '${db.database}' AND table = 'access_events' AND name = 'action'`);
    const [ts] = await db.rows<{ type: string }>(`SELECT type FROM system.columns WHERE database = '${db.database}' AND table = 'access_events' AND name = 'ts'`);
    expect(action?.type).toBe(info.features.lowCardinality ? 'LowCardinality(String)' : 'String');
    expect(ts?.type).toBe("DateTime('UTC')");
    if (info.server.major === 18) expect(info.features).toEqual(COMMON_SUBSET);
  });

  it('dropSchema removes both databases ensureSchema created, the console one included', async () => {
    const other = testDatabase();
    try {
      await ensureSchema(other.client, { database: other.database, retentionDays: 30 });
      const present = async () =>
        (await other.rows<{ name: string }>(`SELECT name FROM system.databases WHERE name IN ('${other.database}', '${consoleDatabaseOf(other.database)}') ORDER BY name`)).map((r) => r.name);
      expect(await present()).toEqual([other.database, consoleDatabaseOf(other.database)]);
      await dropSchema(other.client, other.database);
      expect(await present()).toEqual([]);
    } finally {
      await other.drop();
    }
  });

  it('the common subset is valid on this server too (what 18.16 gets)', async () => {
    const other = testDatabase();
    try {
      const info = await ensureSchema(other.client, { database: other.database, retentionDays: 30, features: COMMON_SUBSET });
      expect(info.features).toEqual(COMMON_SUBSET);
    } finally {
      await other.drop();
    }
  });

  it('adds the columns a table from an older custos lacks, and the views show them', async () => {
    const old = testDatabase();
    try {
      await ensureSchema(old.client, { database: old.database, retentionDays: 30 });
      // Simulate an older schema: activity rows before the 1h/24h peaks existed.
      for (const col of ['peak_1h_distinct', 'peak_24h_distinct']) {
        await old.client.command({ query: `ALTER TABLE ${old.database}.actor_activity DROP COLUMN ${col}` });
      }
      await old.client.command({ query: `ALTER TABLE ${old.database}.access_events DROP COLUMN actor_allowed_zones` });
      await ensureSchema(old.client, { database: old.database, retentionDays: 30 });
      const cols = await old.rows<{ table: string; name: string }>(
        `SELECT table, name FROM system.columns WHERE database = '${old.database}' AND name IN ('peak_1h_distinct', 'peak_24h_distinct', 'actor_allowed_zones') ORDER BY table, name`,
      );
      expect(cols).toEqual([
        { table: 'access_events', name: 'actor_allowed_zones' },
        { table: 'access_events_dedup', name: 'actor_allowed_zones' },
        { table: 'actor_activity', name: 'peak_1h_distinct' },
        { table: 'actor_activity', name: 'peak_24h_distinct' },
      ]);
    } finally {
      await old.drop();
    }
  });

  it('refuses a database whose schema is newer than this custos', async () => {
    await db.client.command({ query: `INSERT INTO ${db.database}.schema_version VALUES (${SCHEMA_VERSION + 1}, now(), 'test')` });
    const error = await ensureSchema(db.client, { database: db.database, retentionDays: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseSinkError);
    expect((error as ClickHouseSinkError).retryable).toBe(false);
    expect((error as Error).message).toContain('newer');
  });
});
