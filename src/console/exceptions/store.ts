/**
 * Console exceptions: created (version 1) and revoked (a new version) as
 * append-only rows through the writer; before one is stored it is compiled
 * with the current rules folder, so the monitor will take it as it is.
 */
import { randomUUID } from 'node:crypto';
import type { ConsoleException } from '../../model/console-exception.js';
import { compileWithConsoleExceptions } from '../../runtime/app/rules-with-exceptions.js';
import type { RuleSource } from '../../runtime/engine/index.js';
import { consoleExceptionLine, loadConsoleExceptions } from '../../runtime/outputs/clickhouse/console-exceptions.js';
import { insertJsonLines } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import type { ConsoleClickHouse } from '../clickhouse.js';

/** Ids that cannot collide with a YAML exception's (rule files use names without this prefix by convention). */
export function newExceptionId(): string {
  return `console-${randomUUID().slice(0, 13)}`;
}

/** null when the rules accept it; else why not. */
export function rejectionByRules(files: readonly RuleSource[], x: ConsoleException, nowMs: number): string | null {
  const { result, dropped } = compileWithConsoleExceptions(files, [x], nowMs);
  if (!result.ok) return 'the rules folder is invalid; fix it first';
  return dropped[0]?.reason ?? null;
}

export async function storeException(db: ConsoleClickHouse, x: ConsoleException): Promise<void> {
  await insertJsonLines(db.writer, db.consoleDatabase, TABLES.consoleExceptions, consoleExceptionLine(x));
}

export async function listConsoleExceptions(db: ConsoleClickHouse): Promise<ConsoleException[]> {
  return loadConsoleExceptions(db.writer, db.database, { includeRevoked: true });
}

export async function findConsoleException(db: ConsoleClickHouse, id: string): Promise<ConsoleException | undefined> {
  return (await listConsoleExceptions(db)).find((x) => x.exception_id === id);
}

/** A new version with status revoked; false when there is no such active exception. */
export async function revokeException(db: ConsoleClickHouse, id: string, by: string, nowMs: number): Promise<boolean> {
  const current = await findConsoleException(db, id);
  if (current === undefined || current.status !== 'active') return false;
  await storeException(db, { ...current, version: current.version + 1, status: 'revoked', changed_by: by, changed_at_ms: Math.max(nowMs, current.changed_at_ms + 1) });
  return true;
}
