/**
 * Kafka over TLS only (issue 11, "TLS everywhere it travels"; issue 8 point 5):
 * a second native broker with only TLS listeners (test/support/kafka-tls-broker.ts:
 * mutual TLS, and SASL over TLS with SCRAM-SHA-256/-512 and PLAIN users), a CA
 * and certificates made at test time. The real `custos run` consumes over each
 * and stores into the real ClickHouse; a wrong CA, a missing client
 * certificate and a wrong SASL password stop the start with exit 78 and a
 * message naming the setting, on the first attempt (no retries).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../src/runtime/source/kafka-client.js';
import { createLogger } from '../../../src/observability/log.js';
import { makeCa } from '../../support/certificates.js';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { startTlsBroker, type TlsBroker } from '../../support/kafka-tls-broker.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { tempDir } from '../../support/temp-dir.js';
import { asMessage, benignRead, newScenario, scenarioEnv, type Scenario } from '../pipeline/fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const children = new Set<ChildProcess>();

/** Starts `custos run`: the child (to signal it) and its exit code with everything it printed. */
function runCli(env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'run'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
  return { child, done };
}

// The TLS broker is a native JVM from the jars scripts/services.sh resolves: Java is there wherever the
// native services run (CI, this machine kind). Elsewhere (given endpoints, testcontainers) without Java, skip visibly.
const javaMissing = spawnSync('java', ['-version']).status !== 0;
if (javaMissing) console.warn('kafka-tls.test.ts skipped: no `java` on PATH to run the TLS test broker');

describe.skipIf(javaMissing)('Kafka over TLS only', () => {
  const dir = tempDir('kafka-tls');
  const databases: string[] = [];
  let broker: TlsBroker;
  let ch: ClickHouseClient;
  let wrongCa = '';

  beforeAll(async () => {
    broker = await startTlsBroker(dir);
    wrongCa = makeCa(dir, 'another-ca').cert;
    ch = testClickHouse();
  });

  afterAll(async () => {
    // A custos left running by a failed assertion must not outlive the file.
    for (const child of children) child.kill('SIGKILL');
    await broker?.stop();
    if (ch !== undefined) for (const db of databases) await dropSchema(ch, db);
    await ch?.close();
  });

  const scenario = (prefix: string): Scenario => {
    const s = newScenario(prefix);
    databases.push(s.database);
    return s;
  };
  const mtls = () => ({ CUSTOS_KAFKA_BROKERS: broker.sslBrokers, CUSTOS_KAFKA_SSL_CA_FILE: broker.ca.cert, CUSTOS_KAFKA_SSL_CERT_FILE: broker.client.cert, CUSTOS_KAFKA_SSL_KEY_FILE: broker.client.key });
  const user = (mechanism: string) => broker.users.find((u) => u.mechanism === mechanism)!;
  const saslTls = (mechanism: string) => ({
    CUSTOS_KAFKA_BROKERS: broker.saslBrokers,
    CUSTOS_KAFKA_SSL_CA_FILE: broker.ca.cert,
    CUSTOS_KAFKA_SASL_MECHANISM: mechanism,
    CUSTOS_KAFKA_SASL_USERNAME: user(mechanism).username,
    CUSTOS_KAFKA_SASL_PASSWORD: user(mechanism).password,
  });

  it('consumes over mutual TLS (test CA, client certificate) and stores every event in ClickHouse', async () => {
    const s = scenario('tls_mtls');
    const producer = testKafka(broker.sslBrokers, { ssl: { ca: readFileSync(broker.ca.cert), cert: readFileSync(broker.client.cert), key: readFileSync(broker.client.key) } });
    await expectStored(s, mtls(), producer);
  });

  it('consumes over SASL (scram-sha-512) on TLS and stores every event in ClickHouse', async () => {
    const s = scenario('tls_sasl');
    const u = user('scram-sha-512');
    const producer = testKafka(broker.saslBrokers, { ssl: { ca: readFileSync(broker.ca.cert) }, sasl: { mechanism: 'scram-sha-512', username: u.username, password: u.password } });
    await expectStored(s, saslTls('scram-sha-512'), producer);
  });

  it('authenticates with each offered SASL mechanism over TLS (the client custos builds)', async () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const u = user(mechanism);
      const kafka = createKafka({ brokers: [broker.saslBrokers], clientId: 'custos-tls-test', ssl: { ca: readFileSync(broker.ca.cert) }, saslMechanism: mechanism, saslUsername: u.username, saslPassword: u.password }, createLogger('silent'));
      const admin = kafka.admin();
      await admin.connect();
      try {
        expect(Array.isArray(await admin.listTopics()), mechanism).toBe(true);
      } finally {
        await admin.disconnect();
      }
    }
  });

  /** Starts custos, waits until every produced event is stored, stops it with SIGTERM and expects a clean exit. */
  async function expectStored(s: Scenario, kafkaEnv: Record<string, string>, producer: ReturnType<typeof testKafka>, count = 40) {
    await createTopic(producer, s.topic, 2);
    const now = Date.now();
    await produce(producer, s.topic, Array.from({ length: count }, (_, i) => asMessage(benignRead(i, now - (count - i) * 1_000, i % 2 === 0 ? 'alice' : 'bob'))));
    const { child, done } = runCli({ ...scenarioEnv(s), ...kafkaEnv, CUSTOS_KAFKA_FROM_BEGINNING: 'true' });
    try {
      const sql = `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${s.database}.access_events`;
      const [stored] = await pollQuery<{ n: string; ids: string }>(ch, sql, (r) => Number(r[0]?.n) >= count, 90_000);
      expect(Number(stored?.n)).toBe(count);
      expect(Number(stored?.ids)).toBe(count);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, output } = await done;
    expect(code, output).toBe(0);
  }

  const failedStart = (env: Record<string, string>) => runCli({ ...scenarioEnv(failures), ...env, CUSTOS_LOG_LEVEL: 'info' }).done;
  const failures = newScenario('tls_fail');
  databases.push(failures.database);

  it('stops the start with exit 78 naming CUSTOS_KAFKA_SSL_CA_FILE when the broker certificate is from another CA, without retrying', async () => {
    const { code, output } = await failedStart({ ...mtls(), CUSTOS_KAFKA_SSL_CA_FILE: wrongCa });
    expect(code, output).toBe(78);
    expect(output).toContain('CUSTOS_TLS');
    expect(output).toContain("the broker's certificate did not verify");
    expect(output).toContain('check CUSTOS_KAFKA_SSL_CA_FILE');
    expect(output).not.toContain('service not ready');
    expect(output).not.toContain('BEGIN');
  });

  it('verifies the broker certificate against CUSTOS_KAFKA_SSL_SERVERNAME: another name stops the start with exit 78 naming it', async () => {
    // The broker's certificate names 127.0.0.1 and localhost only.
    const { code, output } = await failedStart({ ...mtls(), CUSTOS_KAFKA_SSL_SERVERNAME: 'kafka.other.example' });
    expect(code, output).toBe(78);
    expect(output).toContain('CUSTOS_TLS');
    expect(output).toContain("the broker's certificate names another host");
    expect(output).toContain('check CUSTOS_KAFKA_SSL_SERVERNAME');
  });

  it('stops the start with exit 78 naming CUSTOS_KAFKA_SSL_CERT_FILE when the listener requires a client certificate and none is given', async () => {
    const { code, output } = await failedStart({ CUSTOS_KAFKA_BROKERS: broker.sslBrokers, CUSTOS_KAFKA_SSL_CA_FILE: broker.ca.cert });
    expect(code, output).toBe(78);
    expect(output).toContain('CUSTOS_TLS');
    expect(output).toContain('the broker refused the client certificate');
    expect(output).toContain('check CUSTOS_KAFKA_SSL_CERT_FILE');
    expect(output).not.toContain('service not ready');
  });

  it('stops the start with exit 78 naming CUSTOS_KAFKA_SASL_PASSWORD for a wrong SASL password, without retrying or logging it', async () => {
    const wrong = 'not-the-password-7d1c';
    const { code, output } = await failedStart({ ...saslTls('scram-sha-256'), CUSTOS_KAFKA_SASL_PASSWORD: wrong });
    expect(code, output).toBe(78);
    expect(output).toContain('CUSTOS_KAFKA_AUTH');
    expect(output).toContain('Kafka refused the SASL login: check CUSTOS_KAFKA_SASL_MECHANISM, CUSTOS_KAFKA_SASL_USERNAME and CUSTOS_KAFKA_SASL_PASSWORD');
    expect(output).not.toContain('service not ready');
    expect(output).not.toContain(wrong);
  });
});
