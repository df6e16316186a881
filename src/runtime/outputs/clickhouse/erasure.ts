/**
 * Erasing one customer's pseudonyms from what custos stored: an `ALTER TABLE
 * ... UPDATE` mutation per column that can hold a customer pseudonym (18.16
 * has them, as current servers do), then a wait until the server applied it,
 * then a check that no row still holds one (rows inserted meanwhile make it
 * run again). Idempotent: a second run finds nothing and changes nothing.
 *
 * Two modes:
 *  - `replace` (default): every pseudonym of the customer becomes one random
 *    token (`<32 hex>@erased`), the same in every row of this erasure: the
 *    pseudonym under a key that was generated and thrown away. Nobody can tie
 *    it to the customer any more, while distinct-customer counts read back
 *    from the rows (restores, rebuilt actors, backtests) stay what they were.
 *  - `remove`: the pseudonyms are taken out of the arrays. The events keep
 *    their `record_count`, so a restore counts the customer as a count-only
 *    record of each event (counted once per event, no longer once in all).
 *
 * Where pseudonyms of customer ids are stored is one list, PSEUDONYM_COLUMNS:
 * a new place that stores them is one entry here (and the erasure test scans
 * every table of both databases for leftovers).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CustosError } from '../../../errors.js';
import { runStatement, selectRows } from './connection.js';
import { TABLES, consoleDatabaseOf } from './ddl.js';
import { qualifiedTable } from './escape.js';
import { sqlValues, type SqlValues } from './sql-values.js';

export const ERASURE_MODES = ['replace', 'remove'] as const;
export type ErasureMode = (typeof ERASURE_MODES)[number];

export interface PseudonymColumn {
  readonly database: 'main' | 'console';
  readonly table: string;
  readonly column: string;
  /** An array of pseudonyms (record refs) or one string (an audit target). */
  readonly shape: 'array' | 'string';
}

/**
 * Every column that can hold the pseudonym of a customer record id. Not in the
 * list, on purpose: session_id, source_ip and user_agent pseudonyms (keyed per
 * field: never equal to a record pseudonym), and alerts, whose rows carry no
 * record refs (engine/alerts/render.ts).
 */
export const PSEUDONYM_COLUMNS: readonly PseudonymColumn[] = [
  { database: 'main', table: TABLES.accessEvents, column: 'record_refs', shape: 'array' },
  // Subject reports are audited by the customer's pseudonym (console/http/routes.ts).
  { database: 'console', table: TABLES.consoleAudit, column: 'target', shape: 'string' },
];

/** What a pseudonym looks like (privacy/pseudonym.ts); anything else is refused before it reaches SQL. */
const PSEUDONYM = /^[0-9a-f]{32}(@[a-z0-9]{1,8})?$/;

export interface ErasureStatementOptions {
  readonly database: string;
  readonly pseudonyms: readonly string[];
  readonly mode: ErasureMode;
  /** The replacement token (mode replace). */
  readonly replacement: string;
}

export interface ColumnStatements {
  readonly target: PseudonymColumn;
  readonly table: string;
  /** Rows holding any of the pseudonyms. */
  readonly count: string;
  readonly mutation: string;
}

/** The count and the mutation for each pseudonym column (each statement's values in its own SqlValues, bound or escaped). */
export function erasureStatements(options: ErasureStatementOptions, values: () => SqlValues): ColumnStatements[] {
  return PSEUDONYM_COLUMNS.map((target) => columnStatements(target, options, values()));
}

function databaseOfColumn(target: PseudonymColumn, database: string): string {
  return target.database === 'console' ? consoleDatabaseOf(database) : database;
}

/** One column's count and mutation; both share `values` (run them with values.params). */
export function columnStatements(target: PseudonymColumn, options: ErasureStatementOptions, values: SqlValues): ColumnStatements {
  if (options.pseudonyms.length === 0) throw new RangeError('no pseudonyms to erase');
  for (const p of options.pseudonyms) if (!PSEUDONYM.test(p)) throw new RangeError('not a pseudonym');
  if (options.mode === 'replace' && !/^[0-9a-f]{32}@erased$/.test(options.replacement)) throw new RangeError('not a replacement token');
  const table = qualifiedTable(databaseOfColumn(target, options.database), target.table);
  const set = values.stringArray(options.pseudonyms);
  const c = target.column;
  const where = target.shape === 'array' ? `hasAny(${c}, ${set})` : `has(${set}, ${c})`;
  let value: string;
  if (target.shape === 'array') {
    value = options.mode === 'replace' ? `arrayMap(r -> if(has(${set}, r), ${values.string(options.replacement)}, r), ${c})` : `arrayFilter(r -> NOT has(${set}, r), ${c})`;
  } else {
    value = options.mode === 'replace' ? values.string(options.replacement) : values.string('');
  }
  return { target, table, count: `SELECT count() AS n FROM ${table} WHERE ${where}`, mutation: `ALTER TABLE ${table} UPDATE ${c} = ${value} WHERE ${where}` };
}

export interface ErasureRun {
  readonly database: string;
  readonly pseudonyms: readonly string[];
  readonly mode: ErasureMode;
  readonly replacement: string;
  /** How long to wait for the server to apply the mutations, in total. */
  readonly waitMs: number;
  /** Count only, change nothing. */
  readonly dryRun?: boolean;
  readonly pollMs?: number;
}

/** Rows rewritten per table (`<database>.<table>`: the rows that held a pseudonym). */
export type ErasureCounts = Record<string, number>;

/** Passes over the columns: a row inserted while a mutation ran is caught by the next. */
const MAX_PASSES = 3;

export async function erasePseudonyms(client: ClickHouseClient, run: ErasureRun): Promise<ErasureCounts> {
  const deadline = Date.now() + run.waitMs;
  const counts: ErasureCounts = {};
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let remaining = 0;
    for (const target of PSEUDONYM_COLUMNS) {
      const database = databaseOfColumn(target, run.database);
      const v = sqlValues(client);
      const s = columnStatements(target, run, v);
      const n = await countRows(client, s.count, target.table, v);
      counts[`${database}.${target.table}`] = (counts[`${database}.${target.table}`] ?? 0) + n;
      if (n === 0 || run.dryRun === true) continue;
      remaining += n;
      // The same parameters serve both statements (the count left them unchanged).
      await runStatement(client, s.mutation, target.table, 'ddl', v.params);
      await waitForMutations(client, database, target.table, deadline, run.pollMs ?? 200);
    }
    if (remaining === 0 || run.dryRun === true) return counts;
  }
  throw new CustosError('CUSTOS_ERASURE_INCOMPLETE', `rows holding the customer's pseudonyms were still being stored after ${MAX_PASSES} passes: stop what writes them (a replay of the source topic) and run the erasure again`);
}

async function countRows(client: ClickHouseClient, sql: string, table: string, v: SqlValues): Promise<number> {
  const [row] = await selectRows<{ n: string | number }>(client, sql, table, v.params);
  return Number(row?.n ?? 0);
}

/** Until the table has no unfinished mutation (ours and any other), or the deadline. */
async function waitForMutations(client: ClickHouseClient, database: string, table: string, deadline: number, pollMs: number): Promise<void> {
  for (;;) {
    const v = sqlValues(client);
    const [row] = await selectRows<{ n: string | number }>(
      client,
      `SELECT count() AS n FROM system.mutations WHERE database = ${v.string(database)} AND table = ${v.string(table)} AND is_done = 0`,
      'system.mutations',
      v.params,
    );
    if (Number(row?.n ?? 0) === 0) return;
    if (Date.now() >= deadline) {
      throw new CustosError('CUSTOS_ERASURE_INCOMPLETE', `the server had not applied the erasure of ${database}.${table} within the wait (--wait-seconds); it goes on in the background: run the erasure again later to finish and check it`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
