/**
 * TLS to ClickHouse (issue 11, finding 2) with certificates made at test time
 * (openssl): a throwaway CA signs a certificate for 127.0.0.1; a TLS front end
 * (node:tls) carries https to the real 18.16 server, whose own https_port would
 * need a second server config. custos stores over https with
 * CUSTOS_CLICKHOUSE_CA_FILE; a certificate from another CA, or a CA file that
 * is not PEM, stops the start with exit 78 and a message naming the setting.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { issueCertificate, makeCa } from '../../support/certificates.js';
import { tempDir } from '../../support/temp-dir.js';
import { testClickHouse, uniqueDatabase } from '../../support/clickhouse.js';
import { newScenario, scenarioEnv } from '../pipeline/fixtures.js';

const run = promisify(execFile);

describe('ClickHouse over TLS only', () => {
  const dir = tempDir('tls');
  let front: Server;
  let httpsUrl = '';
  let goodCa = '';
  let wrongCa = '';

  beforeAll(async () => {
    const ca = makeCa(dir, 'custos-test-ca');
    wrongCa = makeCa(dir, 'another-ca').cert;
    goodCa = ca.cert;
    const server = issueCertificate(dir, ca, 'server', 'server');
    const backend = new URL(inject('clickhouseUrl'));
    front = createServer({ cert: readFileSync(server.cert), key: readFileSync(server.key) }, (socket) => {
      const upstream = connect(Number(backend.port), backend.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    httpsUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => front.close(() => resolve()));
  });

  it('creates the schema and stores over https with the CA file', async () => {
    const database = uniqueDatabase('custos_tls');
    const store = await ClickHouseStore.open({ url: httpsUrl, username: inject('clickhouseUsername'), password: inject('clickhousePassword'), database, retentionDays: 0, tls: { ca: readFileSync(goodCa) } });
    try {
      expect(await store.ping()).toBe(true);
      expect(store.schema.server.text).toMatch(/^\d+\.\d+/);
    } finally {
      await store.close();
      const admin = testClickHouse();
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    }
  });

  const start = async (env: Record<string, string>) => {
    try {
      await run(process.execPath, ['dist/cli/main.js', 'run'], { env: { ...process.env, ...scenarioEnv(newScenario('tls')), CUSTOS_LOG_LEVEL: 'info', ...env }, timeout: 60_000 });
      return { code: 0, output: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    }
  };

  it('stops the start with exit 78 naming CUSTOS_CLICKHOUSE_CA_FILE when the server certificate is from another CA', async () => {
    const { code, output } = await start({ CUSTOS_CLICKHOUSE_URL: httpsUrl, CUSTOS_CLICKHOUSE_CA_FILE: wrongCa });
    expect(code).toBe(78);
    expect(output).toContain('CUSTOS_CLICKHOUSE_CA_FILE');
    expect(output).toContain('CUSTOS_TLS');
  });

  it('stops the start with exit 78 naming the setting when a CA file is not PEM', async () => {
    const notPem = join(dir, 'not-a-ca.pem');
    writeFileSync(notPem, 'hello\n');
    const { code, output } = await start({ CUSTOS_KAFKA_SSL_CA_FILE: notPem });
    expect(code).toBe(78);
    expect(output).toContain('CUSTOS_KAFKA_SSL_CA_FILE');
  });
});
