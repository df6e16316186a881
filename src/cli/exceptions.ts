/**
 * `custos exceptions list`: every exception the engine applies — the rules
 * folder's and the console's — in one table, or (`--yaml`) the console's
 * active ones as a rules document for review in version control.
 */
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import { exceptionsDocument } from '../model/console-exception.js';
import { allExceptions, scopeText } from '../console/exceptions/listing.js';
import { createClickHouseClient } from '../runtime/outputs/clickhouse/connection.js';
import { loadConsoleExceptions } from '../runtime/outputs/clickhouse/console-exceptions.js';
import { table } from '../util/text-table.js';
import { CLICKHOUSE_TLS_SETTING_KEYS, loadClickHouseTls } from '../config/tls-files.js';

export async function exceptionsListCommand(opts: { yaml?: boolean; all?: boolean; rules?: string; config?: string }): Promise<number> {
  let s;
  let tls: ReturnType<typeof loadClickHouseTls>;
  try {
    s = loadSettingsSubset({ env: process.env, file: opts.config ?? process.env.CUSTOS_CONFIG_FILE }, ['clickhouse.url', 'clickhouse.username', 'clickhouse.password', 'clickhouse.database', 'clickhouse.request_timeout_ms', 'rules_dir', ...CLICKHOUSE_TLS_SETTING_KEYS] as const);
    tls = loadClickHouseTls(s);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return 78;
    }
    throw err;
  }
  const client = createClickHouseClient({ url: s['clickhouse.url'], username: s['clickhouse.username'], password: s['clickhouse.password'], requestTimeoutMs: s['clickhouse.request_timeout_ms'], ...tls });
  const now = Date.now();
  try {
    const fromConsole = await loadConsoleExceptions(client, s['clickhouse.database'], { includeRevoked: true });
    if (opts.yaml === true) {
      const active = fromConsole.filter((x) => x.status === 'active' && x.expires_at_ms > now);
      process.stdout.write(exceptionsDocument(active, `Exceptions made in the custos console (database ${s['clickhouse.database']}), exported ${new Date(now).toISOString()}.`));
      return 0;
    }
    const rows = allExceptions(opts.rules ?? s.rules_dir, fromConsole, now).filter((x) => opts.all === true || x.status === 'active');
    process.stdout.write(
      table(
        ['id', 'source', 'status', 'rules', 'scope', 'when', 'owner', 'expires (UTC)', 'reason'],
        rows.map((x) => [x.id, x.source, x.status, x.rules.join(','), scopeText(x), x.when === null ? '' : JSON.stringify(x.when), x.owner, new Date(x.expiresAtMs).toISOString().slice(0, 16).replace('T', ' '), x.reason]),
      ) + '\n',
    );
    return 0;
  } catch (err) {
    process.stderr.write(`custos: cannot read the console's exceptions: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await client.close();
  }
}
