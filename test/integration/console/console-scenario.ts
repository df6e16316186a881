/**
 * What the console's integration tests share: a scenario (topic, database) with
 * a copy of the shipped rules plus the test's own rate rule, a running monitor
 * on the real Kafka and ClickHouse, and the console's app built on it exactly
 * as `custos console` builds it (ConsoleClickHouse.connect, buildConsoleApp),
 * reading and writing as the test server's user; then everything torn down.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Counter, Gauge } from 'prom-client';
import { inject } from 'vitest';
import type { Settings } from '../../../src/config/settings.js';
import { trustedProxies } from '../../../src/console/auth/proxy.js';
import { ConsoleClickHouse } from '../../../src/console/clickhouse.js';
import { buildConsoleApp } from '../../../src/console/http/app.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { loadRuleSet } from '../../../src/runtime/engine/index.js';
import { testClickHouse } from '../../support/clickhouse.js';
import { createTopic, testKafka } from '../../support/kafka.js';
import { newScenario, PSEUDONYM_KEY, withRulesCopy, type Scenario } from '../pipeline/fixtures.js';
import { randomSessionKey, testUsers, type TestUser } from './console-client.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

/** A rate rule on distinct customers in 30 minutes above `limit`, for human actors. */
export function distinctCustomersRule(id: string, version: string, limit: number): string {
  return `
rules:
  - id: ${id}
    version: ${version}
    kind: rate
    title: distinct customers above the console test limit
    severity: high
    when: { condition: human }
    measure: distinct_customers
    windows:
      - { window: 30m, limit: ${limit} }
`;
}

export interface ConsoleScenarioOptions {
  /** Names the topic, database and rules copy. */
  readonly name: string;
  /** The test's rule file (rules/rate/<name>.yaml). */
  readonly rule: string;
  readonly users: readonly TestUser[];
  readonly partitions: number;
  readonly refreshIntervalMs: number;
  readonly tickIntervalMs: number;
  readonly maxExceptionDays: number;
}

export interface ConsoleScenario {
  readonly scenario: Scenario;
  readonly db: string;
  readonly cdb: string;
  readonly rulesDir: string;
  readonly config: Settings;
  readonly kafka: ReturnType<typeof testKafka>;
  readonly metrics: Metrics;
  /** The test server as its administrator (checks, clean-up). */
  readonly ch: ClickHouseClient;
  readonly monitor: Monitor;
  readonly consoleDb: ConsoleClickHouse;
  readonly app: FastifyInstance;
  /** Sum of a counter's or gauge's values. */
  count(metric: Counter | Gauge): Promise<number>;
  /** Polls until the monitor has consumed `total` messages. */
  consumed(total: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Polls `done` every 100 ms until it holds, or fails naming `what` after `timeoutMs`. */
export async function until(what: string, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startConsoleScenario(o: ConsoleScenarioOptions): Promise<ConsoleScenario> {
  const scenario = newScenario(o.name);
  const { rulesDir, config } = withRulesCopy(scenario, `custos-${o.name}-`);
  writeFileSync(join(rulesDir, 'rate', `${o.name}.yaml`), o.rule);
  const kafka = testKafka(inject('kafkaBrokers'));
  const metrics = new Metrics(false);
  await createTopic(kafka, scenario.topic, o.partitions);
  const ch = testClickHouse();
  const monitor = await Monitor.start({
    config: { ...config, 'exceptions.refresh_interval_ms': o.refreshIntervalMs },
    logger: createLogger('warn'),
    metrics,
    tickIntervalMs: o.tickIntervalMs,
  });
  const server = { username: inject('clickhouseUsername'), password: inject('clickhousePassword') };
  const consoleDb = await ConsoleClickHouse.connect({ url: inject('clickhouseUrl'), database: scenario.database, requestTimeoutMs: 30_000, reader: server, writer: server });
  const app = await buildConsoleApp({
    db: consoleDb,
    users: await testUsers(o.users),
    auth: 'users_file',
    trustedProxies: trustedProxies([]),
    sessionKey: randomSessionKey(),
    sessionHours: 1,
    cookieSecure: false,
    loginAttemptsPerMinute: 100,
    maxExceptionDays: o.maxExceptionDays,
    keyring: { current: { id: '', secret: PSEUDONYM_KEY }, old: [] },
    rulesDir,
    rules: loadRuleSet(rulesDir),
    logger: createLogger('warn'),
  });
  const count = async (metric: Counter | Gauge): Promise<number> => (await metric.get()).values.reduce((s, v) => s + v.value, 0);
  const db = scenario.database;
  return {
    scenario,
    db,
    cdb: `${db}_console`,
    rulesDir,
    config,
    kafka,
    metrics,
    ch,
    monitor,
    consoleDb,
    app,
    count,
    consumed: (total, timeoutMs = 60_000) => until(`${total} messages consumed`, async () => (await count(metrics.messagesConsumed)) >= total, timeoutMs),
    async close() {
      await app.close();
      await consoleDb.close();
      await monitor.stop();
      await dropSchema(ch, db);
      await ch.close();
    },
  };
}
