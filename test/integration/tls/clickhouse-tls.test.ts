/**
 * TLS to ClickHouse (issue 11, finding 2) with certificates made at test time
 * (openssl): a private ClickHouse server (test/support/clickhouse-tls-server.ts:
 * the installed clickhouse-server, 18.16 here, its own config, data and port)
 * that speaks https only and requires a client certificate from the test CA
 * (openSSL verificationMode strict). With the CA file, the client certificate
 * and its key, `custos db migrate` creates the schema and the store writes and
 * reads back; without the client certificate, with one the server does not
 * trust, or with a CA that did not sign the server's certificate, `custos run`
 * and `custos db migrate` stop with exit 78 on the first attempt, naming the
 * setting to check.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConsoleClickHouse } from '../../../src/console/clickhouse.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { selectRows } from '../../../src/runtime/outputs/clickhouse/connection.js';
import { issueCertificate, makeCa } from '../../support/certificates.js';
import { startClickHouseTlsServer, type ClickHouseTlsServer } from '../../support/clickhouse-tls-server.js';
import { uniqueDatabase } from '../../support/clickhouse.js';
import { tempDir } from '../../support/temp-dir.js';
import { event, position } from '../../unit/sinks/fixtures.js';
import { newScenario, scenarioEnv } from '../pipeline/fixtures.js';

const run = promisify(execFile);

// The private server is the installed clickhouse-server, there wherever the native services run (CI, this
// machine kind: scripts/services.sh installs it). Elsewhere (given endpoints, testcontainers) without it, skip visibly.
const serverMissing = inject('serviceMode') !== 'native' && spawnSync('clickhouse-server', ['--help']).error !== undefined;
if (serverMissing) console.warn('clickhouse-tls.test.ts skipped: no `clickhouse-server` on PATH to run the private TLS server');

describe.skipIf(serverMissing)('ClickHouse over https with a required client certificate', () => {
  const dir = tempDir('clickhouse-tls');
  let server: ClickHouseTlsServer;
  let wrongCa = '';
  let untrusted: { cert: string; key: string };

  beforeAll(async () => {
    server = await startClickHouseTlsServer(dir);
    const otherCa = makeCa(dir, 'another-ca');
    wrongCa = otherCa.cert;
    // A well-formed client certificate, from a CA the server does not trust.
    untrusted = issueCertificate(dir, otherCa, 'untrusted-client', 'client');
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** The ClickHouse settings of the private server, with the given TLS files. */
  const clickhouseEnv = (tls: { ca: string; cert?: string; key?: string }, database: string): Record<string, string> => ({
    CUSTOS_CLICKHOUSE_URL: server.url,
    CUSTOS_CLICKHOUSE_USERNAME: server.username,
    CUSTOS_CLICKHOUSE_PASSWORD: server.password,
    CUSTOS_CLICKHOUSE_DATABASE: database,
    CUSTOS_CLICKHOUSE_CA_FILE: tls.ca,
    ...(tls.cert && { CUSTOS_CLICKHOUSE_CERT_FILE: tls.cert }),
    ...(tls.key && { CUSTOS_CLICKHOUSE_KEY_FILE: tls.key }),
  });

  /** Runs the CLI to its end: exit code and everything it printed. */
  const cli = async (args: string[], env: Record<string, string>) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['dist/cli/main.js', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 });
      return { code: 0, output: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    }
  };

  /** `custos run` with a fresh scenario (shared Kafka) and this server's ClickHouse settings. */
  const startMonitor = (tls: { ca: string; cert?: string; key?: string }) => {
    const scenario = newScenario('chtls');
    return cli(['run'], { ...scenarioEnv(scenario), CUSTOS_LOG_LEVEL: 'info', ...clickhouseEnv(tls, scenario.database) });
  };

  const database = uniqueDatabase('custos_chtls');

  it('custos db migrate creates the schema over mutual TLS; the store writes and reads back through it', async () => {
    const good = { ca: server.ca.cert, cert: server.client.cert, key: server.client.key };
    const migrate = await cli(['db', 'migrate'], clickhouseEnv(good, database));
    expect(migrate.output).toMatch(new RegExp(`schema version \\d+ in ${database} on ClickHouse \\d+\\.\\d+`));
    expect(migrate.code).toBe(0);

    // The monitor's own store, as `custos run` opens it with CUSTOS_CLICKHOUSE_MANAGE_SCHEMA=false.
    const store = await ClickHouseStore.open({
      url: server.url,
      username: server.username,
      password: server.password,
      database,
      retentionDays: 0,
      manageSchema: false,
      tls: { ca: readFileSync(good.ca), cert: readFileSync(good.cert), key: readFileSync(good.key) },
    });
    try {
      const e = event({ event_id: 'mtls-1', ts: Date.now() - 60_000, actor_id: 'emp-mtls' });
      await store.writeBatch({ events: [{ event: e, position: position('7') }], alerts: [], rejected: [], activity: [] });
      const rows = await selectRows<{ event_id: string; actor_id: string }>(store.client, `SELECT event_id, actor_id FROM ${database}.access_events`, 'access_events');
      expect(rows).toEqual([{ event_id: 'mtls-1', actor_id: 'emp-mtls' }]);
    } finally {
      await store.close();
    }
  });

  it('custos check --from-clickhouse reads the stored sample over mutual TLS as a read-only user', async () => {
    const env = {
      ...scenarioEnv(newScenario('chtls')),
      ...clickhouseEnv({ ca: server.ca.cert, cert: server.client.cert, key: server.client.key }, database),
      CUSTOS_CLICKHOUSE_USERNAME: server.analyst.username,
      CUSTOS_CLICKHOUSE_PASSWORD: server.analyst.password,
    };
    const checked = await cli(['check', '--from-clickhouse', '--limit', '10'], env);
    expect(checked.output).toMatch(/events: ClickHouse custos_chtls_\w+\.access_events_dedup, .*: the newest 1 events, enriched again/);
    expect(checked.output).toContain('emp-mtls 1');
    expect(checked.code).toBe(0);
    // The same without the client certificate: the check names the setting, as the monitor does.
    const refused = await cli(['check', '--from-clickhouse'], { ...env, CUSTOS_CLICKHOUSE_CERT_FILE: '', CUSTOS_CLICKHOUSE_KEY_FILE: '' });
    expect(refused.output).toContain('check CUSTOS_CLICKHOUSE_CERT_FILE');
    expect(refused.code).toBe(78);
  });

  it('every other command that reads ClickHouse connects with the same CA and client certificate', async () => {
    const env = { ...scenarioEnv(newScenario('chtls')), ...clickhouseEnv({ ca: server.ca.cert, cert: server.client.cert, key: server.client.key }, database) };
    const hour = 3_600_000;
    const backtest = await cli(['backtest', '--from-clickhouse', '--since', String(Date.now() - hour), '--until', String(Date.now() + hour), '--no-history'], env);
    expect(backtest.output).toContain('read 1, evaluated 1');
    expect(backtest.code).toBe(0);
    const report = await cli(['subject-report', 'cust-nobody'], env);
    expect(report.output).toContain('0 accesses');
    expect(report.code).toBe(0);
    const exceptions = await cli(['exceptions', 'list'], env);
    expect(exceptions.code, exceptions.output).toBe(0);
    // The console's two users, as `custos console` opens them (src/console/console.ts passes the same files).
    const tls = { ca: readFileSync(server.ca.cert), cert: readFileSync(server.client.cert), key: readFileSync(server.client.key) };
    const console_ = await ConsoleClickHouse.connect({ url: server.url, database, requestTimeoutMs: 10_000, tls, reader: server.analyst, writer: { username: server.username, password: server.password } });
    try {
      expect(await selectRows(console_.reader, `SELECT count() AS n FROM ${database}.access_events_dedup`, null)).toEqual([{ n: '1' }]);
    } finally {
      await console_.close();
    }
  });

  it('without a client certificate, custos run and custos db migrate stop with exit 78 naming CUSTOS_CLICKHOUSE_CERT_FILE, on the first attempt', async () => {
    const monitor = await startMonitor({ ca: server.ca.cert });
    expect(monitor.output).toContain('CUSTOS_TLS');
    expect(monitor.output).toContain('check CUSTOS_CLICKHOUSE_CERT_FILE');
    // Not retried: a refused handshake is no passing fault.
    expect(monitor.output).not.toContain('service not ready; retrying');
    expect(monitor.code).toBe(78);

    const migrate = await cli(['db', 'migrate'], clickhouseEnv({ ca: server.ca.cert }, uniqueDatabase('custos_chtls')));
    expect(migrate.output).toContain('check CUSTOS_CLICKHOUSE_CERT_FILE');
    expect(migrate.code).toBe(78);
  });

  it('with a client certificate from a CA the server does not trust, the start stops with exit 78 naming CUSTOS_CLICKHOUSE_CERT_FILE', async () => {
    const monitor = await startMonitor({ ca: server.ca.cert, cert: untrusted.cert, key: untrusted.key });
    expect(monitor.output).toContain('check CUSTOS_CLICKHOUSE_CERT_FILE');
    expect(monitor.code).toBe(78);
  });

  it('with a CA that did not sign the server certificate, the start stops with exit 78 naming CUSTOS_CLICKHOUSE_CA_FILE', async () => {
    const monitor = await startMonitor({ ca: wrongCa, cert: server.client.cert, key: server.client.key });
    expect(monitor.output).toContain('CUSTOS_TLS');
    expect(monitor.output).toContain('check CUSTOS_CLICKHOUSE_CA_FILE');
    expect(monitor.output).not.toContain('check CUSTOS_CLICKHOUSE_CERT_FILE');
    expect(monitor.code).toBe(78);
  });

  it('a client certificate without its key is refused at start, before any connection, naming CUSTOS_CLICKHOUSE_KEY_FILE', async () => {
    const monitor = await startMonitor({ ca: server.ca.cert, cert: server.client.cert });
    expect(monitor.output).toContain('CUSTOS_CLICKHOUSE_KEY_FILE');
    expect(monitor.code).toBe(78);
  });

  it('stops the start with exit 78 naming the setting when a CA file is not PEM', async () => {
    const notPem = join(dir, 'not-a-ca.pem');
    writeFileSync(notPem, 'hello\n');
    const monitor = await startMonitor({ ca: notPem, cert: server.client.cert, key: server.client.key });
    expect(monitor.output).toContain('CUSTOS_CLICKHOUSE_CA_FILE');
    expect(monitor.code).toBe(78);
  });
});
