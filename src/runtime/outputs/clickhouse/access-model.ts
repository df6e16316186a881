/**
 * The ClickHouse access model custos ships (docs/security.md): the one place
 * its users and their rights are defined.
 *
 * - the monitor's writer: reads and inserts the custos tables, never DDL (the
 *   schema comes from `custos db migrate`, run by an administrator);
 * - the analyst: read only;
 * - the console's reader: reads the analyst views, the events and activity the
 *   console shows, and its own database (read only);
 * - the console's writer: the console's own tables (`<db>_console`: triage,
 *   exceptions, its audit log) and nothing else, never DDL.
 *
 * The console has two users, not one, because ClickHouse 18.16 grants per
 * database only: a single user that may insert into `<db>_console` and read
 * `<db>` could insert into `access_events` there too. Split, the reader is
 * read only everywhere and the writer sees only `<db>_console`, on every server.
 *
 * Two renderings of the same model: SQL (roles, users, grants) for servers
 * with SQL-driven access control (20.x and later), and a users.d XML file for
 * servers without it (18.16: `readonly` profiles, `allow_ddl`, per-user
 * `<allow_databases>`). Passwords appear only as SHA-256 hashes, so both can
 * be printed and kept in a repository.
 */
import { CustosError } from '../../../errors.js';
import { createHash } from 'node:crypto';
import { consoleDatabaseOf, TABLES } from './ddl.js';
import { quoteIdentifier } from './escape.js';

export const ACCESS_ROLES = {
  monitor: 'custos_monitor_writer',
  analyst: 'custos_analyst',
  console: 'custos_console',
  console_writer: 'custos_console_writer',
} as const;
export type AccessUserKind = keyof typeof ACCESS_ROLES;

/**
 * What the console's reader SELECTs in the main database: the analyst views and
 * the tables under them (views run with the invoker's rights), the activity rows
 * its charts and heat maps sum. Not partition progress, outbox, dead letters.
 */
export const CONSOLE_READS_MAIN = [TABLES.alertsLatest, TABLES.alerts, TABLES.accessEventsDedup, TABLES.accessEvents, TABLES.actorActivity] as const;
/** The only tables the console's writer INSERTs into (and reads back): all in `<db>_console`. */
export const CONSOLE_WRITES = [TABLES.alertTriage, TABLES.consoleExceptions, TABLES.consoleAudit] as const;
/** Views over them the writer reads (the current triage, the current exceptions). */
export const CONSOLE_WRITER_READS = [TABLES.alertTriageCurrent, TABLES.consoleExceptionsCurrent] as const;

export interface AccessUser {
  readonly name: string;
  /** SHA-256 of the password, hex (sha256Hex). */
  readonly passwordSha256: string;
}

export interface AccessModelOptions {
  /** custos' database (CUSTOS_CLICKHOUSE_DATABASE). */
  readonly database: string;
  readonly users: Readonly<Record<AccessUserKind, AccessUser>>;
  /** Where the users may connect from (CIDRs); default anywhere, narrow it to the deployment's network. */
  readonly networks?: readonly string[];
}

export const sha256Hex = (password: string): string => createHash('sha256').update(password, 'utf8').digest('hex');

/** The console's own database: triage, exceptions and audit tables. */
export const consoleDatabase = consoleDatabaseOf;

const HEX64 = /^[0-9a-f]{64}$/;

function check(options: AccessModelOptions): void {
  quoteIdentifier(options.database);
  for (const user of Object.values(options.users)) {
    quoteIdentifier(user.name);
    if (!HEX64.test(user.passwordSha256)) throw new CustosError('CUSTOS_USAGE', `the password hash of ${user.name} must be 64 hex digits`);
  }
  for (const net of options.networks ?? []) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(net)) throw new CustosError('CUSTOS_USAGE', `network ${net} must be an address or CIDR`);
  }
}

/**
 * Statements for a current server, in order, idempotent (IF NOT EXISTS; GRANT
 * adds). Run as a user allowed to manage access (`custos db grants --apply`).
 * No role is granted DROP, ALTER, CREATE or TRUNCATE: the schema is
 * `custos db migrate`'s, and retention is the tables' TTL.
 */
export function accessModelSql(options: AccessModelOptions): string[] {
  check(options);
  const db = quoteIdentifier(options.database);
  const consoleDb = quoteIdentifier(consoleDatabase(options.database));
  const hosts = options.networks !== undefined && options.networks.length > 0 ? ` HOST ${options.networks.map((n) => `IP '${n}'`).join(', ')}` : '';
  const out: string[] = [`CREATE DATABASE IF NOT EXISTS ${consoleDb}`];
  for (const role of Object.values(ACCESS_ROLES)) out.push(`CREATE ROLE IF NOT EXISTS ${role}`);
  const main = (t: string) => `${db}.${quoteIdentifier(t)}`;
  const own = (t: string) => `${consoleDb}.${quoteIdentifier(t)}`;
  out.push(
    // Restores and history read what the monitor stored; every batch inserts.
    `GRANT SELECT, INSERT ON ${db}.* TO ${ACCESS_ROLES.monitor}`,
    // The monitor applies the exceptions analysts create in the console (read only).
    `GRANT SELECT ON ${consoleDb}.* TO ${ACCESS_ROLES.monitor}`,
    // The analyst views (access_events_dedup, alerts_latest) run with the
    // invoker's rights, so the tables under them are readable too: read only.
    `GRANT SELECT ON ${db}.* TO ${ACCESS_ROLES.analyst}`,
    // The console's reader: what its pages show, table by table (one target per GRANT, which
    // every server with SQL access control parses), and its own database's views.
    ...CONSOLE_READS_MAIN.map((t) => `GRANT SELECT ON ${main(t)} TO ${ACCESS_ROLES.console}`),
    `GRANT SELECT ON ${consoleDb}.* TO ${ACCESS_ROLES.console}`,
    // The console's writer: its three append-only tables, and the two views over them it reads.
    ...CONSOLE_WRITES.map((t) => `GRANT SELECT, INSERT ON ${own(t)} TO ${ACCESS_ROLES.console_writer}`),
    ...CONSOLE_WRITER_READS.map((t) => `GRANT SELECT ON ${own(t)} TO ${ACCESS_ROLES.console_writer}`),
  );
  for (const [kind, role] of Object.entries(ACCESS_ROLES) as [AccessUserKind, string][]) {
    const user = options.users[kind];
    out.push(
      `CREATE USER IF NOT EXISTS ${quoteIdentifier(user.name)} IDENTIFIED WITH sha256_hash BY '${user.passwordSha256}'${hosts}`,
      `GRANT ${role} TO ${quoteIdentifier(user.name)}`,
      `ALTER USER ${quoteIdentifier(user.name)} DEFAULT ROLE ${role}`,
    );
  }
  return out;
}

/**
 * users.d file for a server without SQL-driven access control (18.16). Each
 * user gets its own profile: `readonly` 1 for the analyst and the console's
 * reader (no INSERT, no DDL, no setting changed from the server's value, so
 * none that could lift it; the settings custos sends with a read equal these
 * servers' defaults); `allow_ddl` 0 for the monitor and the console's writer (INSERT and SELECT, no CREATE, ALTER,
 * DROP, TRUNCATE, RENAME; on these servers ALTER ... DROP PARTITION is DDL
 * too, so retention there is `custos db retention`, run by an administrator).
 * `<allow_databases>` limits each to its databases: the console's writer sees
 * `<db>_console` only, so it cannot write the monitor's tables. 18.16 cannot
 * limit a user to some tables of a database: the monitor, which must read the
 * console's exceptions, could insert into the console's tables (a limitation
 * docs/security.md states).
 */
export function accessModelUsersXml(options: AccessModelOptions): string {
  check(options);
  const nets = options.networks !== undefined && options.networks.length > 0 ? options.networks : ['::/0'];
  const profiles = {
    monitor: '<allow_ddl>0</allow_ddl>',
    analyst: '<readonly>1</readonly>',
    console: '<readonly>1</readonly>',
    console_writer: '<allow_ddl>0</allow_ddl>',
  } satisfies Record<AccessUserKind, string>;
  const databases = {
    // The console's database too: the monitor reads the exceptions analysts create there.
    monitor: [options.database, consoleDatabase(options.database)],
    analyst: [options.database],
    console: [options.database, consoleDatabase(options.database)],
    console_writer: [consoleDatabase(options.database)],
  } satisfies Record<AccessUserKind, string[]>;
  const kinds = Object.keys(ACCESS_ROLES) as AccessUserKind[];
  const lines = [
    '<?xml version="1.0"?>',
    '<!-- custos access model (docs/security.md), generated by: custos db grants, format xml. -->',
    '<yandex>',
    '  <profiles>',
    ...kinds.map((k) => `    <${ACCESS_ROLES[k]}>${profiles[k]}</${ACCESS_ROLES[k]}>`),
    '  </profiles>',
    '  <users>',
  ];
  for (const kind of kinds) {
    const user = options.users[kind];
    lines.push(
      `    <${user.name}>`,
      `      <password_sha256_hex>${user.passwordSha256}</password_sha256_hex>`,
      `      <networks>${nets.map((n) => `<ip>${n}</ip>`).join('')}</networks>`,
      `      <profile>${ACCESS_ROLES[kind]}</profile>`,
      '      <quota>default</quota>',
      `      <allow_databases>${databases[kind].map((d) => `<database>${d}</database>`).join('')}</allow_databases>`,
      `    </${user.name}>`,
    );
  }
  lines.push('  </users>', '</yandex>', '');
  return lines.join('\n');
}
