/**
 * The data-subject access report: every stored access to one customer — who,
 * when, what, through which channel, with which ticket. The customer id is
 * turned into its pseudonyms here, in memory, under every active key (the
 * current one and the old ones still within retention: rows stored before a
 * rotation are found too); the clear id is never stored, logged or sent to
 * ClickHouse (the query names the pseudonyms, which is what ClickHouse holds
 * anyway).
 *
 * Accesses whose producer gave only a record count (no ids) cannot be tied to
 * a customer and are not in the report.
 */
import { pseudonymsUnderEveryKey, type KeyedPseudonym, type PseudonymKeyring } from '../../privacy/keyring.js';
import { streamRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../../runtime/outputs/clickhouse/escape.js';
import { sqlValues } from '../../runtime/outputs/clickhouse/sql-values.js';
import type { ClickHouseClient } from '@clickhouse/client';

export const SUBJECT_REPORT_COLUMNS = [
  'ts',
  'actor_id',
  'actor_role',
  'actor_department',
  'action',
  'resource_type',
  'fields',
  'channel',
  'ticket_id',
  'outcome',
  'network_zone',
  'event_id',
] as const;

export interface SubjectAccess {
  readonly ts: string;
  readonly actor_id: string;
  readonly actor_role: string;
  readonly actor_department: string;
  readonly action: string;
  readonly resource_type: string;
  readonly fields: readonly string[];
  readonly channel: string | null;
  readonly ticket_id: string | null;
  readonly outcome: string;
  readonly network_zone: string;
  readonly event_id: string;
}

export interface SubjectReport {
  /** The customer's pseudonym under the current key (what the audit records; never the clear id). */
  readonly pseudonym: string;
  /** Under every active key, the current one first: what was searched. */
  readonly pseudonyms: readonly KeyedPseudonym[];
  readonly accesses: readonly SubjectAccess[];
}

export async function subjectReport(client: ClickHouseClient, database: string, keyring: PseudonymKeyring, customerId: string): Promise<SubjectReport> {
  const pseudonyms = pseudonymsUnderEveryKey(keyring, customerId);
  const accesses: SubjectAccess[] = [];
  const v = sqlValues(client);
  await streamRows<Record<string, unknown>>(
    client,
    `SELECT ts_ms, actor_id, actor_role, actor_department, action, resource_type, fields, channel, ticket_id, outcome, network_zone, event_id
     FROM ${qualifiedTable(database, TABLES.accessEvents)} FINAL WHERE hasAny(record_refs, ${v.stringArray(pseudonyms.map((p) => p.pseudonym))}) ORDER BY ts_ms, event_id`,
    TABLES.accessEvents,
    (r) => {
      accesses.push({
        ts: new Date(Number(r.ts_ms)).toISOString(),
        actor_id: String(r.actor_id),
        actor_role: String(r.actor_role),
        actor_department: String(r.actor_department),
        action: String(r.action),
        resource_type: String(r.resource_type),
        fields: r.fields as string[],
        channel: (r.channel as string | null) ?? null,
        ticket_id: (r.ticket_id as string | null) ?? null,
        outcome: String(r.outcome),
        network_zone: String(r.network_zone),
        event_id: String(r.event_id),
      });
    },
    v.params,
  );
  return { pseudonym: pseudonyms[0]!.pseudonym, pseudonyms, accesses };
}

/** RFC 4180 CSV (CRLF, every field quoted where needed); a leading =, +, - or @ is prefixed so spreadsheets do not run it. */
export function subjectReportCsv(report: SubjectReport): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [SUBJECT_REPORT_COLUMNS.join(',')];
  for (const a of report.accesses) lines.push(SUBJECT_REPORT_COLUMNS.map((c) => cell(a[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function subjectReportJson(report: SubjectReport, generatedAtMs: number): string {
  return JSON.stringify({ generated_at: new Date(generatedAtMs).toISOString(), accesses: report.accesses.length, rows: report.accesses }, null, 2) + '\n';
}
