/**
 * `custos db erase <customer-id>`: serve an erasure request for one customer:
 * its pseudonyms under every active key are replaced by a random token (or,
 * with `--mode remove`, removed) in every table that stores them, and the
 * erasure is audited in console_audit (privacy/erasure.ts). Run it as an
 * administrator: it needs ALTER ... UPDATE on the custos tables. The customer
 * id is never logged or stored; `-` reads it from stdin (out of the shell
 * history and the process list).
 */
import { customerIdArg } from './arguments.js';
import { userInfo } from 'node:os';
import { KEYRING_SETTING_KEYS, keyringFromSettings } from '../config/keyring-settings.js';
import { eraseCustomer } from '../privacy/erasure.js';
import { ERASURE_MODES, type ErasureMode } from '../runtime/outputs/clickhouse/erasure.js';
import { withDbStore } from './db.js';

export interface DbEraseOptions {
  readonly mode: string;
  readonly by?: string;
  readonly dryRun: boolean;
  readonly waitSeconds: number;
}

export async function dbEraseCommand(customerIdArgument: string, o: DbEraseOptions): Promise<number> {
  if (!(ERASURE_MODES as readonly string[]).includes(o.mode)) {
    process.stderr.write(`custos: --mode is ${ERASURE_MODES.join(' or ')}\n`);
    return 78;
  }
  const by = (o.by ?? osUser()).trim();
  if (by === '') {
    process.stderr.write('custos: --by <name> is required (who asked for the erasure; it goes into the audit)\n');
    return 78;
  }
  const customerId = await customerIdArg(customerIdArgument);
  if (customerId === '') {
    process.stderr.write('custos: a customer id is required\n');
    return 78;
  }
  return withDbStore(false, KEYRING_SETTING_KEYS, async (store, config) => {
    const report = await eraseCustomer(store.client, {
      database: store.database,
      keyring: keyringFromSettings(config),
      customerId,
      mode: o.mode as ErasureMode,
      requestedBy: by,
      clickhouseUser: config['clickhouse.username'],
      waitMs: o.waitSeconds * 1000,
      dryRun: o.dryRun,
    });
    const verb = report.dryRun ? 'would change' : report.mode === 'replace' ? 'replaced in' : 'removed from';
    for (const [table, n] of Object.entries(report.rows)) process.stdout.write(`${table}\t${verb} ${n} rows\n`);
    process.stdout.write(`keys searched: ${report.keyIds.join(', ')}\n`);
    if (!report.dryRun) process.stdout.write(`erasure ${report.erasureId} audited in console_audit\n`);
    return 0;
  });
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
