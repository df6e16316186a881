/**
 * The console's exceptions table: one row per version (the console writes
 * them; the monitor and `custos exceptions list` read the current version of
 * each through the `console_exceptions_current` view).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CONSOLE_EXCEPTION_STATUSES, type ConsoleException, type ConsoleExceptionStatus } from '../../../model/console-exception.js';
import { selectRows } from './connection.js';
import { TABLES, consoleDatabaseOf } from './ddl.js';
import { qualifiedTable, sqlInteger } from './escape.js';
import { epochMs, epochSeconds, uint } from './rows/json-values.js';

interface StoredRow {
  exception_id: string;
  latest_version: number | string;
  status: string;
  rules: string[];
  actors: string[];
  roles: string[];
  when_json: string;
  owner: string;
  reason: string;
  expires_at_ms: number | string;
  from_alert_id: string;
  changed_by: string;
  changed_at_ms: number | string;
}

export interface ConsoleExceptionQuery {
  /** Also revoked ones (listing and audit); the monitor wants active ones only. */
  readonly includeRevoked?: boolean;
  /** Leave out exceptions that expired before this instant (epoch ms). */
  readonly expiredBeforeMs?: number;
}

/** The current version of each console exception, oldest first. */
export async function loadConsoleExceptions(client: ClickHouseClient, database: string, q: ConsoleExceptionQuery = {}): Promise<ConsoleException[]> {
  const where: string[] = [];
  if (q.includeRevoked !== true) where.push(`status = 'active'`);
  if (q.expiredBeforeMs !== undefined) where.push(`expires_at_ms >= ${sqlInteger(Math.max(0, Math.floor(q.expiredBeforeMs)))}`);
  const table = qualifiedTable(consoleDatabaseOf(database), TABLES.consoleExceptionsCurrent);
  const rows = await selectRows<StoredRow>(
    client,
    `SELECT * FROM ${table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY changed_at_ms, exception_id`,
    TABLES.consoleExceptionsCurrent,
  );
  return rows.map(consoleExceptionOfRow);
}

export function consoleExceptionOfRow(r: StoredRow): ConsoleException {
  const status = (CONSOLE_EXCEPTION_STATUSES as readonly string[]).includes(r.status) ? (r.status as ConsoleExceptionStatus) : 'revoked';
  let when: unknown = null;
  if (r.when_json !== '') {
    try {
      when = JSON.parse(r.when_json) as unknown;
    } catch {
      // A damaged predicate must not widen the exception: the compile refuses `invalid`.
      when = { invalid: r.when_json.slice(0, 40) };
    }
  }
  return {
    exception_id: r.exception_id,
    version: Number(r.latest_version),
    status,
    rules: r.rules,
    actors: r.actors,
    roles: r.roles,
    when,
    owner: r.owner,
    reason: r.reason,
    expires_at_ms: Number(r.expires_at_ms),
    from_alert_id: r.from_alert_id,
    changed_by: r.changed_by,
    changed_at_ms: Number(r.changed_at_ms),
  };
}

/** One JSONEachRow line (with its newline) of a version. */
export function consoleExceptionLine(x: ConsoleException): string {
  return (
    JSON.stringify({
      exception_id: x.exception_id,
      version: uint(x.version, 'version'),
      status: x.status,
      rules: x.rules,
      actors: x.actors,
      roles: x.roles,
      when_json: x.when === null || x.when === undefined ? '' : JSON.stringify(x.when),
      owner: x.owner,
      reason: x.reason,
      expires_at: epochSeconds(x.expires_at_ms, 'expires_at_ms'),
      expires_at_ms: epochMs(x.expires_at_ms, 'expires_at_ms'),
      from_alert_id: x.from_alert_id,
      changed_by: x.changed_by,
      changed_at: epochSeconds(x.changed_at_ms, 'changed_at_ms'),
      changed_at_ms: epochMs(x.changed_at_ms, 'changed_at_ms'),
    }) + '\n'
  );
}
