/**
 * The console's two ClickHouse users, least privilege:
 *   reader  reads the analyst tables and views of the main database and the console database;
 *   writer  writes (and reads) only the console database: triage, exceptions, audit; no DDL.
 *
 * ClickHouse 18.16 has no SQL access control: users live in the server's
 * users files, and rights are per database (`allow_databases`) and per
 * profile (`readonly`, `allow_ddl`) — hence the console's tables in a database
 * of their own. Current servers take SQL (CREATE USER, GRANT per table). Both
 * forms come from here (`custos console clickhouse-users`), and the
 * integration test installs the first on the real 18.16 server.
 */
import { createHash } from 'node:crypto';
import { TABLES, consoleDatabaseOf } from '../runtime/outputs/clickhouse/ddl.js';
import { quoteIdentifier, quoteString } from '../runtime/outputs/clickhouse/escape.js';

export interface ConsoleUsersSpec {
  readonly database: string;
  readonly reader: { readonly username: string; readonly password: string };
  readonly writer: { readonly username: string; readonly password: string };
  /** Networks the users may connect from (users-file form), e.g. `10.0.0.0/8`; default anywhere. */
  readonly networks?: readonly string[];
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const xmlName = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`a ClickHouse user name here is a plain identifier, got ${JSON.stringify(name)}`);
  return name;
};
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What the reader may SELECT in the main database: the analyst views and the tables they read. */
export const READER_MAIN_TABLES = [TABLES.alertsLatest, TABLES.alerts, TABLES.accessEventsDedup, TABLES.accessEvents, TABLES.actorActivity] as const;
export const WRITER_TABLES = [TABLES.alertTriage, TABLES.consoleExceptions, TABLES.consoleAudit] as const;
/** Console-database views the reader selects from (the writer reads the current triage and exceptions too). */
export const READER_CONSOLE_TABLES = [TABLES.alertsTriaged, TABLES.alertTriageCurrent, TABLES.consoleExceptionsCurrent, ...WRITER_TABLES] as const;

export interface ConsoleClickHouseAccess {
  /** `database.table` names the console's reading user SELECTs (analyst views and the tables under them). */
  readonly read: readonly string[];
  /** `database.table` names the console's writing user INSERTs into (and SELECTs: it reads what it appends to); no DDL. */
  readonly write: readonly string[];
  /** Views the writer also SELECTs. */
  readonly writerReads: readonly string[];
}

/**
 * Exactly what the console's ClickHouse users need, for whoever provisions
 * them (the security side grants this; the console builds no users itself).
 * A view on 18.16 also needs its underlying tables readable, hence alerts and
 * access_events beside alerts_latest and access_events_dedup.
 */
export function consoleClickHouseAccess(database: string): ConsoleClickHouseAccess {
  const cdb = consoleDatabaseOf(database);
  return {
    read: [...READER_MAIN_TABLES.map((t) => `${database}.${t}`), ...READER_CONSOLE_TABLES.map((t) => `${cdb}.${t}`)],
    write: WRITER_TABLES.map((t) => `${cdb}.${t}`),
    writerReads: [TABLES.alertTriageCurrent, TABLES.consoleExceptionsCurrent].map((t) => `${cdb}.${t}`),
  };
}

/** A users.d file for a server configured by files (ClickHouse 18.16: /etc/clickhouse-server/users.d/custos-console.xml). */
export function consoleUsersXml(spec: ConsoleUsersSpec): string {
  const reader = xmlName(spec.reader.username);
  const writer = xmlName(spec.writer.username);
  const nets = (spec.networks ?? ['::/0']).map((n) => `<ip>${xmlText(n)}</ip>`).join('');
  const dbs = (names: string[]) => names.map((d) => `<database>${xmlText(d)}</database>`).join('');
  const cdb = consoleDatabaseOf(spec.database);
  return `<?xml version="1.0"?>
<!-- custos console ClickHouse users (custos console clickhouse-users). Reader: read only (no writes, no DDL,
     no setting changes, no table functions), the main and console databases. Writer: the console database only, no DDL. -->
<yandex>
  <profiles>
    <${reader}_profile><readonly>1</readonly></${reader}_profile>
    <${writer}_profile><readonly>0</readonly><allow_ddl>0</allow_ddl></${writer}_profile>
  </profiles>
  <users>
    <${reader}>
      <password_sha256_hex>${sha256(spec.reader.password)}</password_sha256_hex>
      <networks>${nets}</networks>
      <profile>${reader}_profile</profile>
      <quota>default</quota>
      <allow_databases>${dbs([spec.database, cdb])}</allow_databases>
    </${reader}>
    <${writer}>
      <password_sha256_hex>${sha256(spec.writer.password)}</password_sha256_hex>
      <networks>${nets}</networks>
      <profile>${writer}_profile</profile>
      <quota>default</quota>
      <allow_databases>${dbs([cdb])}</allow_databases>
    </${writer}>
  </users>
</yandex>
`;
}

/** SQL for a server with SQL access control (current ClickHouse), run by an administrator. */
export function consoleUsersSql(spec: ConsoleUsersSpec): string[] {
  const db = spec.database;
  const cdb = consoleDatabaseOf(db);
  const reader = quoteIdentifier(spec.reader.username);
  const writer = quoteIdentifier(spec.writer.username);
  const t = (d: string, name: string) => `${quoteIdentifier(d)}.${quoteIdentifier(name)}`;
  return [
    `CREATE USER IF NOT EXISTS ${reader} IDENTIFIED WITH sha256_hash BY ${quoteString(sha256(spec.reader.password))} SETTINGS readonly = 1`,
    `CREATE USER IF NOT EXISTS ${writer} IDENTIFIED WITH sha256_hash BY ${quoteString(sha256(spec.writer.password))}`,
    ...READER_MAIN_TABLES.map((name) => `GRANT SELECT ON ${t(db, name)} TO ${reader}`),
    `GRANT SELECT ON ${quoteIdentifier(cdb)}.* TO ${reader}`,
    ...WRITER_TABLES.map((name) => `GRANT SELECT, INSERT ON ${t(cdb, name)} TO ${writer}`),
    `GRANT SELECT ON ${t(cdb, TABLES.alertTriageCurrent)} TO ${writer}`,
    `GRANT SELECT ON ${t(cdb, TABLES.consoleExceptionsCurrent)} TO ${writer}`,
  ];
}
