/**
 * `custos subject-report <customer-id>`: the data-subject access report of the
 * console, on stdout as CSV (default) or JSON. The id is pseudonymised here
 * under every active key (CUSTOS_PSEUDONYM_KEY and CUSTOS_PSEUDONYM_OLD_KEYS)
 * and never logged; `-` reads it from stdin (keeps
 * it out of the shell history and the process list).
 */
import { customerIdArg } from './arguments.js';
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import { KEYRING_SETTING_KEYS, keyringFromSettings } from '../config/keyring-settings.js';
import type { PseudonymKeyring } from '../privacy/keyring.js';
import { subjectReport, subjectReportCsv, subjectReportJson } from '../console/reports/subject-report.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { connectClickHouse } from '../runtime/outputs/clickhouse/connect.js';
import { CLICKHOUSE_TLS_SETTING_KEYS, loadClickHouseTls } from '../config/tls-files.js';

export async function subjectReportCommand(customerIdArgument: string, opts: { format?: string; config?: string }): Promise<number> {
  let s;
  let keyring: PseudonymKeyring;
  let tls: ReturnType<typeof loadClickHouseTls>;
  try {
    s = loadSettingsSubset({ env: process.env, file: opts.config ?? process.env.CUSTOS_CONFIG_FILE }, ['clickhouse.url', 'clickhouse.username', 'clickhouse.password', 'clickhouse.database', 'clickhouse.request_timeout_ms', ...CLICKHOUSE_TLS_SETTING_KEYS, ...KEYRING_SETTING_KEYS] as const);
    keyring = keyringFromSettings(s);
    tls = loadClickHouseTls(s);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return 78;
    }
    throw err;
  }
  const format = opts.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    process.stderr.write('custos: --format is csv or json\n');
    return 78;
  }
  const customerId = await customerIdArg(customerIdArgument);
  if (customerId === '') {
    process.stderr.write('custos: a customer id is required\n');
    return 78;
  }
  let client: ClickHouseClient | undefined;
  try {
    // Through connectClickHouse: the pseudonym travels as a query parameter where the server has them.
    client = (await connectClickHouse({ url: s['clickhouse.url'], username: s['clickhouse.username'], password: s['clickhouse.password'], requestTimeoutMs: s['clickhouse.request_timeout_ms'], ...tls })).client;
    const report = await subjectReport(client, s['clickhouse.database'], keyring, customerId);
    process.stdout.write(format === 'json' ? subjectReportJson(report, Date.now()) : subjectReportCsv(report));
    process.stderr.write(`${report.accesses.length} accesses\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`custos: subject report failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await client?.close();
  }
}
