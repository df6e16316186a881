/**
 * An erasure request for one customer (`custos db erase`): the customer id is
 * turned into its pseudonyms under every active key, in memory; those are
 * replaced (or removed) wherever custos stored them
 * (runtime/outputs/clickhouse/erasure.ts); and the erasure is audited in
 * `console_audit`, append-only: a `started` row before anything changes, then
 * an `ok` or `failed` row with who ran it, when, which key ids were searched
 * and how many rows each table had. The audit never holds the clear id nor a
 * pseudonym of it (either would undo the erasure): its target is the
 * erasure's own id.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { auditLine, type AuditEntry } from '../console/audit.js';
import { describeError } from '../errors.js';
import { insertJsonLines } from '../runtime/outputs/clickhouse/connection.js';
import { TABLES, consoleDatabaseOf } from '../runtime/outputs/clickhouse/ddl.js';
import { erasePseudonyms, type ErasureCounts, type ErasureMode } from '../runtime/outputs/clickhouse/erasure.js';
import { displayKeyId, pseudonymsUnderEveryKey, type PseudonymKeyring } from './keyring.js';
import { ERASED_KEY_ID, KEY_ID_SEPARATOR } from './pseudonym.js';

export interface EraseCustomerOptions {
  readonly database: string;
  readonly keyring: PseudonymKeyring;
  readonly customerId: string;
  readonly mode: ErasureMode;
  /** Who asked custos to erase (the operator; recorded in the audit). */
  readonly requestedBy: string;
  /** The ClickHouse user the mutations run as (recorded in the audit). */
  readonly clickhouseUser: string;
  readonly waitMs: number;
  /** Count what would change; change and audit nothing. */
  readonly dryRun?: boolean;
  readonly now?: () => number;
}

export interface ErasureReport {
  readonly erasureId: string;
  readonly mode: ErasureMode;
  readonly keyIds: readonly string[];
  /** Rows that held one of the customer's pseudonyms, per `<database>.<table>`. */
  readonly rows: ErasureCounts;
  readonly dryRun: boolean;
}

export async function eraseCustomer(client: ClickHouseClient, o: EraseCustomerOptions): Promise<ErasureReport> {
  const now = o.now ?? Date.now;
  const erasureId = randomUUID();
  const pseudonyms = pseudonymsUnderEveryKey(o.keyring, o.customerId);
  const keyIds = pseudonyms.map((p) => displayKeyId(p.keyId));
  // The pseudonym under a key made for this erasure and thrown away: random, tied to nobody.
  const replacement = randomBytes(16).toString('hex') + KEY_ID_SEPARATOR + ERASED_KEY_ID;
  const run = { database: o.database, pseudonyms: pseudonyms.map((p) => p.pseudonym), mode: o.mode, replacement, waitMs: o.waitMs };
  if (o.dryRun === true) {
    return { erasureId, mode: o.mode, keyIds, rows: await erasePseudonyms(client, { ...run, dryRun: true }), dryRun: true };
  }
  const audit = async (outcome: AuditEntry['outcome'], detail: Record<string, unknown>) => {
    const entry: AuditEntry = { username: o.requestedBy, role: 'cli', action: 'erasure', outcome, target: erasureId, detail: JSON.stringify({ mode: o.mode, key_ids: keyIds, clickhouse_user: o.clickhouseUser, ...detail }) };
    await insertJsonLines(client, consoleDatabaseOf(o.database), TABLES.consoleAudit, auditLine(entry, now()));
  };
  await audit('started', {});
  let rows: ErasureCounts;
  try {
    rows = await erasePseudonyms(client, run);
  } catch (err) {
    // Best effort: the failure itself is what the caller reports.
    await audit('failed', { error: describeError(err).code }).catch(() => undefined);
    throw err;
  }
  await audit('ok', { rows });
  return { erasureId, mode: o.mode, keyIds, rows, dryRun: false };
}
