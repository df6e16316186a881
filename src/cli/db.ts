/**
 * `custos db migrate | retention | grants`: what an administrator runs, with a
 * ClickHouse user allowed to create tables and manage access, so that the
 * monitor itself can run as a least-privilege writer
 * (CUSTOS_CLICKHOUSE_MANAGE_SCHEMA=false; docs/security.md).
 *
 * Reads only the ClickHouse and retention settings (CUSTOS_CLICKHOUSE_*,
 * CUSTOS_RETENTION_*): no Kafka or pseudonym key is needed.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import type { SettingKey, Settings } from '../config/settings.js';
import { classify, CustosError, describeError, ERRORS } from '../errors.js';
import { RETENTION_SETTING_KEYS } from '../runtime/app/retention-settings.js';
import { clickHouseStoreOptions } from '../runtime/app/store-options.js';
import { loadTlsMaterial } from '../config/tls-files.js';
import { ClickHouseStore } from '../runtime/outputs/clickhouse/store.js';
import { runStatement } from '../runtime/outputs/clickhouse/connection.js';
import { accessModelSql, accessModelUsersXml, sha256Hex, type AccessModelOptions, type AccessUserKind } from '../runtime/outputs/clickhouse/access-model.js';

const DB_KEYS = [
  'clickhouse.url',
  'clickhouse.username',
  'clickhouse.password',
  'clickhouse.database',
  'clickhouse.request_timeout_ms',
  'clickhouse.retention_days',
  'clickhouse.ca_file',
  'clickhouse.cert_file',
  'clickhouse.key_file',
  'kafka.ssl',
  'kafka.ssl_ca_file',
  'kafka.ssl_cert_file',
  'kafka.ssl_key_file',
  'kafka.ssl_servername',
  ...RETENTION_SETTING_KEYS,
] as const satisfies readonly SettingKey[];

function dbSettings<K extends SettingKey>(extra: readonly K[] = []) {
  try {
    return loadSettingsSubset({ env: process.env, file: process.env.CUSTOS_CONFIG_FILE }, [...DB_KEYS, ...extra]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

function withStore(manageSchema: boolean, act: (store: ClickHouseStore) => Promise<void>): Promise<number> {
  return withDbStore(manageSchema, [], async (store) => {
    await act(store);
    return 0;
  });
}

/**
 * Opens the store from the db settings plus `extra` ones, runs `act`, and maps
 * errors to their exit codes (a ConfigError, CUSTOS_CONFIG, is 78): for
 * `custos db` commands in modules of their own.
 */
export async function withDbStore<K extends SettingKey>(
  manageSchema: boolean,
  extra: readonly K[],
  act: (store: ClickHouseStore, config: Pick<Settings, (typeof DB_KEYS)[number] | K>) => Promise<number>,
): Promise<number> {
  const config = dbSettings(extra);
  if (config === null) return 78;
  let store: ClickHouseStore | null = null;
  try {
    const options = clickHouseStoreOptions(config, loadTlsMaterial(config).clickhouse, manageSchema);
    store = await ClickHouseStore.open(options);
    return await act(store, config);
  } catch (err) {
    const d = describeError(err);
    process.stderr.write(`custos: ${d.code}: ${d.message}\n`);
    return ERRORS[classify(err).code].exit || 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Creates or upgrades the schema (tables, views, TTLs), as the monitor does at start when it manages it. */
export function dbMigrateCommand(): Promise<number> {
  return withStore(true, async (store) => {
    process.stdout.write(`schema version ${store.schema.schemaVersion} in ${store.database} on ClickHouse ${store.schema.server.text}\n`);
  });
}

/** Removes rows past retention once (servers without TTL; with TTL the server does it): schedule it, e.g. hourly. */
export function dbRetentionCommand(): Promise<number> {
  return withStore(false, async (store) => {
    const results = await store.enforceRetention();
    if (results.length === 0) process.stdout.write('retention is enforced by table TTLs on this server\n');
    for (const r of results) process.stdout.write(`${r.table}\tretention ${r.retentionDays} d\tdropped partitions ${r.droppedPartitions.join(',') || '-'}\tdeleted rows ${r.deletedRows}\n`);
  });
}

export interface DbGrantsOptions {
  readonly format: 'sql' | 'xml';
  readonly apply: boolean;
  readonly monitorUser: string;
  readonly analystUser: string;
  readonly consoleUser: string;
  readonly consoleWriterUser: string;
  /** Files holding each password (e.g. /run/secrets/...): never a password on the command line. */
  readonly monitorPasswordFile: string;
  readonly analystPasswordFile: string;
  readonly consolePasswordFile: string;
  readonly consoleWriterPasswordFile: string;
  readonly networks: readonly string[];
}

const flag = (kind: AccessUserKind) => kind.replace('_', '-');

/** Prints the access model (SQL or users.d XML); --apply runs the SQL as the configured user. */
export async function dbGrantsCommand(options: DbGrantsOptions): Promise<number> {
  const config = dbSettings();
  if (config === null) return 78;
  const files: Record<AccessUserKind, [string, string]> = {
    monitor: [options.monitorUser, options.monitorPasswordFile],
    analyst: [options.analystUser, options.analystPasswordFile],
    console: [options.consoleUser, options.consolePasswordFile],
    console_writer: [options.consoleWriterUser, options.consoleWriterPasswordFile],
  };
  const users = {} as Record<AccessUserKind, { name: string; passwordSha256: string }>;
  for (const [kind, [name, file]] of Object.entries(files) as [AccessUserKind, [string, string]][]) {
    let password: string;
    try {
      password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      process.stderr.write(`custos: cannot read the ${kind} password file (--${flag(kind)}-password-file)\n`);
      return 78;
    }
    if (password.length < 12) {
      process.stderr.write(`custos: the ${kind} password (--${flag(kind)}-password-file) must have at least 12 characters\n`);
      return 78;
    }
    users[kind] = { name, passwordSha256: sha256Hex(password) };
  }
  const model: AccessModelOptions = { database: config['clickhouse.database'], users, networks: options.networks };
  if (options.format === 'xml') {
    if (options.apply) {
      process.stderr.write('custos: the XML profile is installed as a file (users.d), not applied: drop --apply\n');
      return 78;
    }
    process.stdout.write(accessModelUsersXml(model));
    return 0;
  }
  const statements = accessModelSql(model);
  if (!options.apply) {
    process.stdout.write(statements.map((s) => `${s};\n`).join(''));
    return 0;
  }
  return withStore(false, async (store) => {
    if (!store.schema.features.ttl) {
      throw new CustosError('CUSTOS_USAGE', `ClickHouse ${store.schema.server.text} has no SQL-driven access control: install the users.d file of --format xml instead`);
    }
    for (const statement of statements) await runStatement(store.client, statement, null, 'ddl');
    process.stdout.write(`applied ${statements.length} statements\n`);
  });
}
