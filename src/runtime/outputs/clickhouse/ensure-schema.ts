/**
 * Creates the custos database objects if missing. Idempotent and safe for two
 * instances starting at once: every statement is IF NOT EXISTS, and the
 * "already exists" answer a lost race can still produce on old servers is
 * treated as success.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { insertJsonLines, runStatement, selectRows } from './connection.js';
import { SCHEMA_VERSION, TABLES, addColumnStatements, consoleDatabaseOf, schemaStatements, ttlStatements, viewNames, type RetentionOverrides, type SchemaOptions } from './ddl.js';
import { ClickHouseSinkError, isAlreadyExists, wrapClickHouseError } from './errors.js';
import { qualifiedTable, quoteIdentifier } from './escape.js';
import { sqlValues } from './sql-values.js';
import { CustosError } from '../../../errors.js';
import { featuresOf, queryServerVersion, type ServerFeatures, type ServerVersion } from './server-version.js';

export interface EnsureSchemaOptions {
  readonly database: string;
  /** Retention (days) of every table with one, unless `retention` names it; 0 keeps rows forever. */
  readonly retentionDays: number;
  /** Per-table retention in days. */
  readonly retention?: RetentionOverrides;
  /** Override detection (tests of the common subset on a current server). */
  readonly features?: ServerFeatures;
}

export interface SchemaInfo {
  readonly server: ServerVersion;
  readonly features: ServerFeatures;
  readonly schemaVersion: number;
}

export async function ensureSchema(client: ClickHouseClient, options: EnsureSchemaOptions): Promise<SchemaInfo> {
  let server: ServerVersion;
  try {
    server = await queryServerVersion(client);
  } catch (err) {
    throw wrapClickHouseError(err, 'version', null);
  }
  const features = options.features ?? featuresOf(server);
  const schemaOptions: SchemaOptions = {
    database: options.database,
    features,
    retentionDays: options.retentionDays,
    ...(options.retention ? { retention: options.retention } : {}),
  };
  const statements = schemaStatements(schemaOptions);

  // The databases first (the main one and the console's), then what they hold.
  const databases = statements.filter((s) => s.startsWith('CREATE DATABASE'));
  const rest = statements.filter((s) => !s.startsWith('CREATE DATABASE'));
  for (const createDatabase of databases) await runIdempotent(client, createDatabase, null);
  const columns = await existingColumns(client, [options.database, consoleDatabaseOf(options.database)]);
  const existing = columns.has(TABLES.schemaVersion) ? await storedSchemaVersion(client, options.database) : 0;
  if (existing > SCHEMA_VERSION) {
    throw new ClickHouseSinkError('ddl', TABLES.schemaVersion, {
      retryable: false,
      serverCode: null,
      reason: `database ${options.database} has schema version ${existing}, newer than this custos (${SCHEMA_VERSION}); upgrade custos`,
    });
  }
  // Tables an older custos created may lack columns this one writes: add them
  // (in place, ADD COLUMN), then recreate the views, whose column lists were
  // fixed when they were created. Nothing is ever dropped from a table.
  const alters = addColumnStatements(schemaOptions, columns);
  for (const alter of alters) await runIdempotent(client, alter, null);
  // Views are also recreated for a database of an older schema version: their definitions may have changed.
  if (alters.length > 0 || (existing > 0 && existing < SCHEMA_VERSION)) {
    for (const view of viewNames()) {
      const database = view.database === 'console' ? consoleDatabaseOf(options.database) : options.database;
      await runStatement(client, `DROP TABLE IF EXISTS ${qualifiedTable(database, view.name)}`, view.name, 'ddl');
    }
  }
  for (const statement of rest) await runIdempotent(client, statement, null);
  // A retention changed since the tables were created applies to them too (servers with TTL).
  if (features.ttl) {
    for (const alter of ttlStatements(schemaOptions, await currentTtls(client, options.database))) await runStatement(client, alter, null, 'ddl');
  }

  if (existing < SCHEMA_VERSION) {
    const row = JSON.stringify({ version: SCHEMA_VERSION, applied_at: Math.floor(Date.now() / 1000), server_version: server.text });
    await insertJsonLines(client, options.database, TABLES.schemaVersion, row + '\n');
  }
  return { server, features, schemaVersion: SCHEMA_VERSION };
}

/**
 * For a monitor that must not run DDL (CUSTOS_CLICKHOUSE_MANAGE_SCHEMA false):
 * the schema `custos db migrate` created, at this custos' version, or a
 * CUSTOS_CLICKHOUSE_SCHEMA error (exit 78) saying so. Reads system tables only.
 */
export async function verifySchema(client: ClickHouseClient, options: Pick<EnsureSchemaOptions, 'database' | 'features'>): Promise<SchemaInfo> {
  let server: ServerVersion;
  try {
    server = await queryServerVersion(client);
  } catch (err) {
    throw wrapClickHouseError(err, 'version', null);
  }
  const features = options.features ?? featuresOf(server);
  const columns = await existingColumns(client, [options.database, consoleDatabaseOf(options.database)]);
  const missing = TABLE_NAMES.filter((t) => !columns.has(t));
  const stored = columns.has(TABLES.schemaVersion) ? await storedSchemaVersion(client, options.database) : 0;
  if (missing.length > 0 || stored !== SCHEMA_VERSION) {
    const what = missing.length > 0 ? `lacks ${missing.join(', ')}` : `has schema version ${stored}, this custos needs ${SCHEMA_VERSION}`;
    throw new CustosError('CUSTOS_CLICKHOUSE_SCHEMA', `database ${options.database} ${what}: run \`custos db migrate\` as a user allowed to create tables (CUSTOS_CLICKHOUSE_MANAGE_SCHEMA is false)`);
  }
  return { server, features, schemaVersion: SCHEMA_VERSION };
}

/** Tables and views a complete schema has. */
const TABLE_NAMES: readonly string[] = Object.values(TABLES);

async function runIdempotent(client: ClickHouseClient, sql: string, table: string | null): Promise<void> {
  try {
    await runStatement(client, sql, table, 'ddl');
  } catch (err) {
    if (isAlreadyExists(err)) return;
    throw err;
  }
}

/** Column names per existing table of the databases (a table missing here does not exist yet; names are unique across them). */
async function existingColumns(client: ClickHouseClient, databases: readonly string[]): Promise<Map<string, Set<string>>> {
  const v = sqlValues(client);
  const rows = await selectRows<{ table: string; name: string }>(
    client,
    `SELECT table, name FROM system.columns WHERE ${databases.map((d) => `database = ${v.string(d)}`).join(' OR ')}`,
    'system.columns',
    v.params,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let cols = out.get(r.table);
    if (cols === undefined) {
      cols = new Set();
      out.set(r.table, cols);
    }
    cols.add(r.name);
  }
  return out;
}

/** Each table's TTL expression as the server reports it (null: none). */
async function currentTtls(client: ClickHouseClient, database: string): Promise<Map<string, string | null>> {
  const v = sqlValues(client);
  const rows = await selectRows<{ name: string; create_table_query: string }>(
    client,
    `SELECT name, create_table_query FROM system.tables WHERE database = ${v.string(database)}`,
    'system.tables',
    v.params,
  );
  return new Map(rows.map((r) => [r.name, / TTL (.+?)(?: SETTINGS |$)/.exec(r.create_table_query)?.[1]?.trim() ?? null]));
}

/** The highest version recorded in the (existing) version table. */
async function storedSchemaVersion(client: ClickHouseClient, database: string): Promise<number> {
  const rows = await selectRows<{ v: number | string }>(client, `SELECT max(version) AS v FROM ${qualifiedTable(database, TABLES.schemaVersion)}`, TABLES.schemaVersion);
  return Number(rows[0]?.v ?? 0);
}

/**
 * Drops what ensureSchema created: the database and its console sibling (`<database>_console`),
 * which dropping the database alone leaves behind. For the throwaway databases of tests,
 * benchmarks and tools; custos never drops a deployment's data.
 */
export async function dropSchema(client: ClickHouseClient, database: string): Promise<void> {
  for (const d of [database, consoleDatabaseOf(database)]) await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(d)}` });
}
