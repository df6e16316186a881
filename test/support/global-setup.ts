/**
 * Provides real Kafka and ClickHouse endpoints to the integration tests, in
 * this order of preference:
 *   1. CUSTOS_TEST_KAFKA_BROKERS and CUSTOS_TEST_CLICKHOUSE_URL, when both are set;
 *   2. testcontainers, where a Docker engine answers;
 *   3. the native services of scripts/services.sh (Kafka from Maven Central,
 *      Debian's ClickHouse), which this machine kind needs.
 * Tests read the endpoints with `inject('kafkaBrokers')` / `inject('clickhouseUrl')`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    clickhouseUsername: string;
    clickhousePassword: string;
    serviceMode: 'env' | 'testcontainers' | 'native';
  }
}

async function dockerEngineAnswers(): Promise<boolean> {
  try {
    await run('docker', ['info'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const envKafka = process.env.CUSTOS_TEST_KAFKA_BROKERS;
  const envClickhouse = process.env.CUSTOS_TEST_CLICKHOUSE_URL;
  if (envKafka && envClickhouse) {
    project.provide('kafkaBrokers', envKafka);
    project.provide('clickhouseUrl', envClickhouse);
    project.provide('clickhouseUsername', process.env.CUSTOS_TEST_CLICKHOUSE_USERNAME ?? 'default');
    project.provide('clickhousePassword', process.env.CUSTOS_TEST_CLICKHOUSE_PASSWORD ?? '');
    project.provide('serviceMode', 'env');
    return async () => {};
  }

  if (await dockerEngineAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
    const [kafka, clickhouse] = await Promise.all([
      new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
      new ClickHouseContainer('clickhouse/clickhouse-server:25.3').start(),
    ]);
    project.provide('kafkaBrokers', `${kafka.getHost()}:${kafka.getMappedPort(9093)}`);
    project.provide('clickhouseUrl', clickhouse.getHttpUrl());
    project.provide('clickhouseUsername', clickhouse.getUsername());
    project.provide('clickhousePassword', clickhouse.getPassword());
    project.provide('serviceMode', 'testcontainers');
    return async () => {
      await Promise.all([kafka.stop(), clickhouse.stop()]);
    };
  }

  // Native: the same script the README's demo uses. It is idempotent and leaves
  // the services running for the next run (CI starts from a fresh machine anyway).
  const { stdout } = await run('bash', ['scripts/services.sh', 'up'], {
    env: { ...process.env, CUSTOS_KAFKA_BROKERS: '', CUSTOS_CLICKHOUSE_URL: '' },
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const endpoints = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
  const kafkaBrokers = endpoints.CUSTOS_KAFKA_BROKERS;
  const clickhouseUrl = endpoints.CUSTOS_CLICKHOUSE_URL;
  if (!kafkaBrokers || !clickhouseUrl) {
    throw new Error(`scripts/services.sh up printed no endpoints:\n${stdout}`);
  }
  project.provide('kafkaBrokers', kafkaBrokers);
  project.provide('clickhouseUrl', clickhouseUrl);
  project.provide('clickhouseUsername', endpoints.CUSTOS_CLICKHOUSE_USERNAME || 'default');
  project.provide('clickhousePassword', endpoints.CUSTOS_CLICKHOUSE_PASSWORD ?? '');
  project.provide('serviceMode', 'native');
  // On a developer machine the services stay up for the next run; in CI they
  // are stopped so that the job leaves nothing behind.
  return async () => {
    if (process.env.CI) await run('bash', ['scripts/services.sh', 'down'], { timeout: 120_000 }).catch(() => undefined);
  };
}
