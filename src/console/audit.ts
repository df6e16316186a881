/**
 * The console's own audit rows (`console_audit`): sign-ins, refusals, subject
 * reports, exception revocations, and the erasures `custos db erase` ran (so
 * that a privacy officer sees them on the console's audit page). Triage changes and exception versions are
 * audited by their own append-only tables. A target never holds a clear
 * customer id (a subject report is recorded by the customer's pseudonym).
 */
import { randomUUID } from 'node:crypto';
import { insertJsonLines } from '../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../runtime/outputs/clickhouse/ddl.js';
import { epochMs, epochSeconds } from '../runtime/outputs/clickhouse/rows/json-values.js';
import type { ConsoleClickHouse } from './clickhouse.js';

export const AUDIT_ACTIONS = ['login', 'logout', 'refused', 'subject_report', 'exception_created', 'exception_revoked', 'triage', 'erasure'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  readonly username: string;
  readonly role: string;
  readonly action: AuditAction;
  /** `started`: an erasure about to change rows (its `ok` or `failed` row follows). */
  readonly outcome: 'ok' | 'denied' | 'failed' | 'started';
  readonly target?: string;
  readonly detail?: string;
  readonly clientIp?: string;
}

export async function writeAudit(db: ConsoleClickHouse, entry: AuditEntry, nowMs = Date.now()): Promise<void> {
  await insertJsonLines(db.writer, db.consoleDatabase, TABLES.consoleAudit, auditLine(entry, nowMs));
}

/** One console_audit row as a JSONEachRow line. */
export function auditLine(entry: AuditEntry, nowMs: number): string {
  return JSON.stringify({
    audit_id: randomUUID(),
    at: epochSeconds(nowMs, 'at'),
    at_ms: epochMs(nowMs, 'at_ms'),
    username: entry.username,
    role: entry.role,
    action: entry.action,
    outcome: entry.outcome,
    target: entry.target ?? '',
    detail: (entry.detail ?? '').slice(0, 2000),
    client_ip: entry.clientIp ?? '',
  }) + '\n';
}
