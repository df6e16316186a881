/**
 * The custos schema as DDL text: pure functions of (database, server features,
 * retention), so the exact statements are unit-tested for both the 18.16
 * subset and a current server without a server.
 *
 * Every statement is `IF NOT EXISTS`: two instances starting at once both run
 * all of them. Table names are fixed; the database name is validated by
 * quoteIdentifier.
 */
import { qualifiedTable, quoteIdentifier, sqlInteger } from './escape.js';
import type { ServerFeatures } from './server-version.js';
import { ACCESS_EVENTS } from './columns/access-events.js';
import { LC, LC_NULLABLE, UTC } from './columns/column-table.js';

/** Bumped when a released schema changes; ensureSchema refuses a database newer than this. */
export const SCHEMA_VERSION = 6;

export const TABLES = {
  accessEvents: 'access_events',
  accessEventsDedup: 'access_events_dedup',
  alerts: 'alerts',
  alertsLatest: 'alerts_latest',
  alertNotifications: 'alert_notifications',
  alertNotificationsMv: 'alert_notifications_mv',
  alertDeliveries: 'alert_deliveries',
  rejectedEvents: 'rejected_events',
  actorActivity: 'actor_activity',
  partitionProgress: 'partition_progress',
  schemaVersion: 'schema_version',
  // The analysts' console (src/console/): in the console database (consoleDatabaseOf), apart
  // from the monitor's tables, so that on servers without SQL access control (18.16) its
  // writer user can be allowed that database only.
  alertTriage: 'alert_triage',
  alertTriageCurrent: 'alert_triage_current',
  alertsTriaged: 'alerts_triaged',
  consoleExceptions: 'console_exceptions',
  consoleExceptionsCurrent: 'console_exceptions_current',
  consoleAudit: 'console_audit',
} as const;

/**
 * The console's tables live beside the monitor's, in `<database>_console`: on
 * ClickHouse 18.16 access is granted per database only, and the console's
 * writer must not be able to write access_events.
 */
export function consoleDatabaseOf(database: string): string {
  return `${database}_console`;
}

export interface SchemaOptions {
  readonly database: string;
  readonly features: ServerFeatures;
  /** Retention (days) of every table that has one, unless `retention` names the table; 0 keeps rows forever. */
  readonly retentionDays: number;
  /** Per-table retention in days (0: forever), overriding retentionDays. */
  readonly retention?: RetentionOverrides;
}

/** The tables whose rows expire, and the time column that decides when. */
export const RETAINED_TABLES = [
  'access_events',
  'rejected_events',
  'alerts',
  'alert_notifications',
  'alert_deliveries',
  'actor_activity',
  'partition_progress',
] as const;
export type RetainedTable = (typeof RETAINED_TABLES)[number];
export type RetentionOverrides = Readonly<Partial<Record<RetainedTable, number>>>;

/** Days a table's rows are kept (0: forever). */
export function retentionDaysOf(options: Pick<SchemaOptions, 'retentionDays' | 'retention'>, table: RetainedTable): number {
  return options.retention?.[table] ?? options.retentionDays;
}

type Column = readonly [name: string, type: string];

/** Generated from the column table (columns/access-events.ts), which also writes and reads the rows. */
export const ACCESS_EVENT_COLUMNS: readonly Column[] = ACCESS_EVENTS.ddlColumns;

export const ALERT_COLUMNS: readonly Column[] = [
  ['alert_id', 'String'],
  ['revision', 'UInt32'],
  ['rule_id', LC],
  ['rule_version', LC],
  ['rule_kind', LC],
  ['severity', LC],
  ['tier', 'UInt16'],
  ['actor_id', 'String'],
  ['actor_role', LC],
  ['actor_department', LC],
  ['employment_status', LC],
  ['window_start', UTC],
  ['window_start_ms', 'UInt64'],
  ['window_end', UTC],
  ['window_end_ms', 'UInt64'],
  ['window_label', LC],
  ['observed', 'Float64'],
  ['baseline', 'Nullable(Float64)'],
  ['baseline_source', LC_NULLABLE],
  ['score', 'Nullable(Float64)'],
  ['first_event_ts', UTC],
  ['first_event_ts_ms', 'UInt64'],
  ['last_event_ts', UTC],
  ['last_event_ts_ms', 'UInt64'],
  ['event_count', 'UInt32'],
  ['suppressed_count', 'UInt32'],
  ['event_ids', 'Array(String)'],
  ['summary', 'String'],
  ['explanation', 'String'],
  ['query', 'String'],
  // `open`, or `closed` on the revision emitted when the quiet period passed.
  ['status', LC],
  ['notify', 'UInt8'],
  ['stored_at', UTC],
  ['stored_at_ms', 'UInt64'],
  // The engine's state behind the revision (JSON, versioned: src/runtime/engine/alerts/alert-state.ts),
  // so a restart continues the alert exactly; empty for revisions of an older custos.
  ['state', 'String'],
  // The Kafka position up to which this revision reflects its partition's events:
  // a restore as of a committed offset takes the revisions below it (null: not from a partition).
  ['source_topic', LC_NULLABLE],
  ['source_partition', 'Nullable(UInt32)'],
  ['source_offset', 'Nullable(UInt64)'],
];

export const DELIVERY_COLUMNS: readonly Column[] = [
  ['alert_id', 'String'],
  ['revision', 'UInt32'],
  ['endpoint_id', LC],
  // Scheme, host and port only: paths and query strings can hold tokens.
  ['endpoint_origin', LC],
  ['status', LC],
  ['attempts', 'UInt32'],
  ['last_http_status', 'Nullable(UInt16)'],
  ['last_error', 'String'],
  ['updated_at', UTC],
  ['updated_at_ms', 'UInt64'],
];

export const REJECTED_COLUMNS: readonly Column[] = [
  ['source_topic', LC],
  ['source_partition', 'UInt32'],
  ['source_offset', 'UInt64'],
  ['reason', LC],
  ['detail', 'String'],
  ['size_bytes', 'UInt32'],
  ['payload_sha256', 'String'],
  ['event_id', 'Nullable(String)'],
  ['actor_id', 'Nullable(String)'],
  ['received_at', UTC],
  ['received_at_ms', 'UInt64'],
];

export const ACTIVITY_COLUMNS: readonly Column[] = [
  ['actor_id', 'String'],
  ['role', LC],
  ['department', LC],
  ['granularity', LC],
  ['bucket_start', UTC],
  ['bucket_start_ms', 'UInt64'],
  ['local_hour', 'UInt8'],
  ['local_weekday', 'UInt8'],
  ['events', 'UInt32'],
  ['distinct_records', 'UInt32'],
  ['peak_5m_distinct', 'UInt32'],
  // Peaks of the sliding 1h / 24h windows within the bucket (null where the engine did not compute one).
  ['peak_1h_distinct', 'Nullable(UInt32)'],
  ['peak_24h_distinct', 'Nullable(UInt32)'],
  // Largest single request in the bucket (records), for the per-request limits of people on notice.
  ['max_request_records', 'Nullable(UInt32)'],
  ['denied', 'UInt32'],
  ['resource_types', 'Array(String)'],
  ['channels', 'Array(String)'],
  ['zones', 'Array(String)'],
  // Requests per activity class (settings activity_classes): names sorted, counts beside them.
  ['class_names', 'Array(String)'],
  ['class_events', 'Array(UInt32)'],
  // 1: the actor had an alert open during the bucket; baselines with exclude_alerted leave it out (schema 6).
  ['under_alert', 'UInt8'],
  ['stored_at', UTC],
];

/** One row per stored batch: how far each partition's stored events reach in event time (restore anchors). */
export const PARTITION_PROGRESS_COLUMNS: readonly Column[] = [
  ['source_topic', LC],
  ['source_partition', 'UInt32'],
  // Last offset of the batch (inclusive) and the newest event time among its stored events.
  ['end_offset', 'UInt64'],
  ['max_ts_ms', 'UInt64'],
  ['events', 'UInt32'],
  ['stored_at', UTC],
];

/**
 * One row per triage change of an alert (append-only: the audit trail is the
 * table). Each row carries the whole triage state after the change, and the
 * engine state it was made against (revision, triggering events), so a later
 * revision that adds events shows as a reopening.
 */
export const ALERT_TRIAGE_COLUMNS: readonly Column[] = [
  ['change_id', 'String'],
  ['alert_id', 'String'],
  ['changed_at', UTC],
  // Strictly increasing per alert (the console makes it so): the latest row is the current state.
  ['changed_at_ms', 'UInt64'],
  ['changed_by', 'String'],
  ['action', LC],
  ['from_status', LC],
  ['to_status', LC],
  ['resolution', LC],
  ['assignee', 'String'],
  ['note', 'String'],
  ['alert_revision', 'UInt32'],
  ['alert_event_count', 'UInt32'],
  // The exception created with this change (resolve as false positive / expected activity), or empty.
  ['exception_id', 'String'],
];

/** Exceptions made in the console: every version a row (created, revoked); the highest version is current. */
export const CONSOLE_EXCEPTION_COLUMNS: readonly Column[] = [
  ['exception_id', 'String'],
  ['version', 'UInt32'],
  ['status', LC],
  ['rules', 'Array(String)'],
  ['actors', 'Array(String)'],
  ['roles', 'Array(String)'],
  // The rules language's `when` predicate as JSON (empty: none): compiled like a YAML exception's.
  ['when_json', 'String'],
  ['owner', 'String'],
  ['reason', 'String'],
  ['expires_at', UTC],
  ['expires_at_ms', 'UInt64'],
  ['from_alert_id', 'String'],
  ['changed_by', 'String'],
  ['changed_at', UTC],
  ['changed_at_ms', 'UInt64'],
];

/** Every console action that is not a triage change or an exception version: logins, refusals, subject reports. */
export const CONSOLE_AUDIT_COLUMNS: readonly Column[] = [
  ['audit_id', 'String'],
  ['at', UTC],
  ['at_ms', 'UInt64'],
  ['username', 'String'],
  ['role', LC],
  ['action', LC],
  ['outcome', LC],
  // What the action was about (an alert id, a customer's pseudonym — never a clear customer id).
  ['target', 'String'],
  ['detail', 'String'],
  ['client_ip', 'String'],
];

const SCHEMA_VERSION_COLUMNS: readonly Column[] = [
  ['version', 'UInt32'],
  ['applied_at', UTC],
  ['server_version', 'String'],
];

export function columnNames(columns: readonly Column[]): string {
  return columns.map(([name]) => name).join(', ');
}

function columnType(type: string, features: ServerFeatures): string {
  if (type === LC) return features.lowCardinality ? 'LowCardinality(String)' : 'String';
  if (type === LC_NULLABLE) return features.lowCardinality ? 'LowCardinality(Nullable(String))' : 'Nullable(String)';
  return type;
}

function columnList(columns: readonly Column[], features: ServerFeatures): string {
  return columns.map(([name, type]) => `    ${name} ${columnType(type, features)}`).join(',\n');
}

interface TableSpec {
  readonly name: string;
  /** In the console database (consoleDatabaseOf) instead of the main one. */
  readonly console?: true;
  readonly columns: readonly Column[];
  /** Engine with its arguments, e.g. `ReplacingMergeTree(ingested_at)`. */
  readonly engine: string;
  readonly partitionBy?: string;
  readonly orderBy: string;
  /** Column whose age decides expiry (a TTL where supported, else partition drops or a delete; see retention.ts). */
  readonly retentionColumn?: string;
}

function databaseOf(spec: TableSpec, database: string): string {
  return spec.console ? consoleDatabaseOf(database) : database;
}

function createTable(spec: TableSpec, options: SchemaOptions): string {
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${qualifiedTable(databaseOf(spec, options.database), spec.name)}\n(\n${columnList(spec.columns, options.features)}\n)`,
    `ENGINE = ${spec.engine}`,
  ];
  if (spec.partitionBy) lines.push(`PARTITION BY ${spec.partitionBy}`);
  lines.push(`ORDER BY ${spec.orderBy}`);
  const ttl = ttlExpression(spec.name, options);
  if (ttl !== null) lines.push(`TTL ${ttl}`);
  return lines.join('\n');
}

/** The TTL expression a table should have on this server, or null (no TTL support, no retention, or forever). */
export function ttlExpression(table: string, options: SchemaOptions): string | null {
  const spec = TABLE_SPECS.find((t) => t.name === table);
  if (!spec?.retentionColumn || !options.features.ttl) return null;
  const days = retentionDaysOf(options, spec.name as RetainedTable);
  return days > 0 ? `${spec.retentionColumn} + toIntervalDay(${sqlInteger(days)})` : null;
}

export interface RetentionTarget {
  readonly table: RetainedTable;
  readonly column: string;
  /** `toYYYYMM(column)` partitions: expired months go whole (DROP PARTITION); otherwise a DELETE mutation. */
  readonly monthlyPartitions: boolean;
}

/** Every table with a retention column, and how its expired rows can be removed without TTL. */
export function retentionTargets(): RetentionTarget[] {
  return TABLE_SPECS.flatMap((spec) =>
    spec.retentionColumn
      ? [{ table: spec.name as RetainedTable, column: spec.retentionColumn, monthlyPartitions: spec.partitionBy === `toYYYYMM(${spec.retentionColumn})` }]
      : [],
  );
}

/**
 * ALTERs that bring existing tables' TTLs in line with the configured
 * retention (a changed setting applies to tables created earlier), given each
 * table's current TTL expression (null: none) as the server reports it.
 */
export function ttlStatements(options: SchemaOptions, current: ReadonlyMap<string, string | null>): string[] {
  if (!options.features.ttl) return [];
  const out: string[] = [];
  for (const target of retentionTargets()) {
    if (!current.has(target.table)) continue;
    const want = ttlExpression(target.table, options);
    const have = current.get(target.table) ?? null;
    if (normaliseTtl(have) === normaliseTtl(want)) continue;
    const table = qualifiedTable(options.database, target.table);
    out.push(want === null ? `ALTER TABLE ${table} REMOVE TTL` : `ALTER TABLE ${table} MODIFY TTL ${want}`);
  }
  return out;
}

function normaliseTtl(expression: string | null): string | null {
  return expression === null ? null : expression.replace(/\s+/g, '').toLowerCase();
}

const TABLE_SPECS: readonly TableSpec[] = [
  {
    name: ACCESS_EVENTS.name,
    columns: ACCESS_EVENT_COLUMNS,
    // Redeliveries of the same event (same actor, ts, event_id) collapse on merge; the latest ingestion wins.
    engine: 'ReplacingMergeTree(ingested_at)',
    partitionBy: 'toYYYYMM(ts)',
    orderBy: '(actor_id, ts, event_id)',
    retentionColumn: 'ts',
  },
  {
    name: TABLES.alerts,
    columns: ALERT_COLUMNS,
    // One row per alert after merges: the highest revision. Not partitioned:
    // replacing merges only meet rows of one partition, and no alert column is
    // both immutable and a time (first_event_ts moves earlier with late
    // events); alerts are few enough for one partition.
    engine: 'ReplacingMergeTree(revision)',
    orderBy: 'alert_id',
    // last_event_ts never decreases across revisions: the latest revision expires last.
    retentionColumn: 'last_event_ts',
  },
  {
    name: TABLES.alertNotifications,
    columns: ALERT_COLUMNS,
    // The alert outbox: every revision that notifies or closes an alert, kept even
    // after `alerts` has merged it away in favour of a later, non-notifying revision.
    engine: 'ReplacingMergeTree()',
    orderBy: '(alert_id, revision)',
    retentionColumn: 'stored_at',
  },
  {
    name: TABLES.alertDeliveries,
    columns: DELIVERY_COLUMNS,
    // Millisecond version, forced monotonic per key by the dispatcher: two
    // states of one delivery within a second still replace in order. No
    // partition key: a delivery may span a month boundary, and the table is small.
    engine: 'ReplacingMergeTree(updated_at_ms)',
    orderBy: '(alert_id, revision, endpoint_id)',
    retentionColumn: 'updated_at',
  },
  {
    name: TABLES.rejectedEvents,
    columns: REJECTED_COLUMNS,
    engine: 'ReplacingMergeTree()',
    partitionBy: 'toYYYYMM(received_at)',
    orderBy: '(source_topic, source_partition, source_offset)',
    retentionColumn: 'received_at',
  },
  {
    name: TABLES.actorActivity,
    columns: ACTIVITY_COLUMNS,
    // The row that saw the most events wins: a bucket emitted again from fewer
    // events (another instance's restored view of it) never replaces the full one.
    engine: 'ReplacingMergeTree(events)',
    partitionBy: 'toYYYYMM(bucket_start)',
    orderBy: '(actor_id, granularity, bucket_start)',
    retentionColumn: 'bucket_start',
  },
  {
    name: TABLES.partitionProgress,
    columns: PARTITION_PROGRESS_COLUMNS,
    // A replayed batch writes the same key again. Ordered by partition and
    // offset, a restore reads one partition's rows below its committed offset.
    engine: 'ReplacingMergeTree()',
    partitionBy: 'toYYYYMM(stored_at)',
    orderBy: '(source_topic, source_partition, end_offset)',
    retentionColumn: 'stored_at',
  },
  {
    name: TABLES.schemaVersion,
    columns: SCHEMA_VERSION_COLUMNS,
    engine: 'ReplacingMergeTree()',
    orderBy: 'version',
  },
  {
    name: TABLES.alertTriage,
    console: true,
    columns: ALERT_TRIAGE_COLUMNS,
    // Append-only; a retried insert of the same change (same change_id) collapses.
    engine: 'ReplacingMergeTree()',
    orderBy: '(alert_id, changed_at_ms, change_id)',
  },
  {
    name: TABLES.consoleExceptions,
    console: true,
    columns: CONSOLE_EXCEPTION_COLUMNS,
    // Every version stays (the exception's own audit trail); a retried insert collapses.
    engine: 'ReplacingMergeTree()',
    orderBy: '(exception_id, version)',
  },
  {
    name: TABLES.consoleAudit,
    console: true,
    columns: CONSOLE_AUDIT_COLUMNS,
    engine: 'ReplacingMergeTree()',
    partitionBy: 'toYYYYMM(at)',
    orderBy: '(at_ms, audit_id)',
  },
];

/**
 * ALTERs that add the columns a table created by an older custos lacks, each
 * after its predecessor, so every table always has this code's columns. Given
 * the columns the server reports per table; tables not listed are new (their
 * CREATE has every column).
 */
export function addColumnStatements(options: SchemaOptions, existing: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const out: string[] = [];
  for (const spec of TABLE_SPECS) {
    const have = existing.get(spec.name);
    if (have === undefined) continue;
    spec.columns.forEach(([name, type], i) => {
      if (have.has(name)) return;
      const after = i === 0 ? ' FIRST' : ` AFTER ${spec.columns[i - 1]?.[0] ?? ''}`;
      out.push(`ALTER TABLE ${qualifiedTable(databaseOf(spec, options.database), spec.name)} ADD COLUMN ${name} ${columnType(type, options.features)}${i === 0 ? '' : after}`);
    });
  }
  return out;
}

/**
 * Views whose column lists are fixed when they are created: after columns were
 * added, they are dropped and created again (they hold no data).
 */
export function viewNames(): { readonly database: 'main' | 'console'; readonly name: string }[] {
  return [
    { database: 'main', name: TABLES.alertNotificationsMv },
    { database: 'main', name: TABLES.accessEventsDedup },
    { database: 'main', name: TABLES.alertsLatest },
    { database: 'console', name: TABLES.alertsTriaged },
    { database: 'console', name: TABLES.alertTriageCurrent },
    { database: 'console', name: TABLES.consoleExceptionsCurrent },
  ];
}

/** Workflow statuses of an alert's triage, in order (SQL and the console agree through this list). */
export const TRIAGE_STATUSES = ['open', 'acknowledged', 'resolved'] as const;

/** The console's views: each alert's current triage beside its engine state, current exceptions. */
function consoleViewStatements(db: string): string[] {
  const cdb = consoleDatabaseOf(db);
  const triageState = ['to_status', 'resolution', 'assignee', 'note', 'changed_by', 'changed_at_ms', 'alert_revision', 'alert_event_count', 'exception_id'];
  const exceptionState = CONSOLE_EXCEPTION_COLUMNS.map(([name]) => name).filter((n) => n !== 'exception_id' && n !== 'version');
  return [
    // argMax by the strictly increasing change time: the latest change is the current state.
    `CREATE VIEW IF NOT EXISTS ${qualifiedTable(cdb, TABLES.alertTriageCurrent)}\nAS SELECT alert_id,\n` +
      triageState.map((c) => `    argMax(${c}, changed_at_ms) AS triage_${c}`).join(',\n') +
      `,\n    count() AS triage_changes\nFROM ${qualifiedTable(cdb, TABLES.alertTriage)} FINAL\nGROUP BY alert_id`,
    // What analysts read: every alert (latest revision) with its triage. No triage row yet: open.
    // A resolved alert whose engine state gained triggering events since is open again (reopened).
    `CREATE VIEW IF NOT EXISTS ${qualifiedTable(cdb, TABLES.alertsTriaged)}\nAS SELECT *,\n` +
      `    if(triage_changes = 0, 'open', if(triage_to_status = 'resolved' AND event_count > triage_alert_event_count, 'open', triage_to_status)) AS triage_status,\n` +
      `    triage_changes > 0 AND triage_to_status = 'resolved' AND event_count > triage_alert_event_count AS reopened\n` +
      `FROM ${qualifiedTable(db, TABLES.alertsLatest)}\nANY LEFT JOIN ${qualifiedTable(cdb, TABLES.alertTriageCurrent)} USING alert_id`,
    `CREATE VIEW IF NOT EXISTS ${qualifiedTable(cdb, TABLES.consoleExceptionsCurrent)}\nAS SELECT exception_id, max(version) AS latest_version,\n` +
      exceptionState.map((c) => `    argMax(${c}, version) AS ${c}`).join(',\n') +
      `\nFROM ${qualifiedTable(cdb, TABLES.consoleExceptions)} FINAL\nGROUP BY exception_id`,
  ];
}

/** All statements, in the order they must run (tables before the views that read them). */
export function schemaStatements(options: SchemaOptions): string[] {
  const db = options.database;
  quoteIdentifier(db);
  const statements = [`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)}`, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(consoleDatabaseOf(db))}`];
  for (const spec of TABLE_SPECS) statements.push(createTable(spec, options));
  statements.push(
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualifiedTable(db, TABLES.alertNotificationsMv)}\n` +
      `TO ${qualifiedTable(db, TABLES.alertNotifications)}\n` +
      // Owed to destinations: what notifies, and closings (for destinations that resolve incidents).
      `AS SELECT ${columnNames(ALERT_COLUMNS)}\nFROM ${qualifiedTable(db, TABLES.alerts)}\nWHERE notify = 1 OR status = 'closed'`,
    // Views analysts query without thinking about duplicates: FINAL collapses
    // rows that have not been merged yet (redeliveries, older revisions).
    `CREATE VIEW IF NOT EXISTS ${qualifiedTable(db, TABLES.accessEventsDedup)}\nAS SELECT * FROM ${qualifiedTable(db, TABLES.accessEvents)} FINAL`,
    `CREATE VIEW IF NOT EXISTS ${qualifiedTable(db, TABLES.alertsLatest)}\nAS SELECT * FROM ${qualifiedTable(db, TABLES.alerts)} FINAL`,
    ...consoleViewStatements(db),
  );
  return statements;
}
