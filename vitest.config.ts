import { defineConfig } from 'vitest/config';

/** The ClickHouse integration tests: run on the integration project's server and again on a current engine. */
const CLICKHOUSE_TESTS = [
  'test/integration/sinks/clickhouse-*.test.ts',
  'test/integration/sinks/partition-history.test.ts',
  'test/integration/sinks/retention.test.ts',
  'test/integration/sinks/erasure.test.ts',
  'test/integration/console/console-parameters.test.ts',
];

// Three projects, chosen by folder:
//  - unit: pure logic (and the shipped rules' own test cases), no services;
//  - integration: real Kafka and real ClickHouse, provided once per run by
//    test/support/global-setup.ts (env endpoints, testcontainers or native);
//  - clickhouse-modern: the ClickHouse integration tests again, on a current
//    ClickHouse engine (test/support/global-setup-modern.ts: chDB 26.9 here),
//    after the others (groupOrder), so it never competes with timing-sensitive tests.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/detection/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // The services are shared; files run one after another so that timing-
          // sensitive tests (kill and restart) are not starved on 2 cores.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'clickhouse-modern',
          include: CLICKHOUSE_TESTS,
          globalSetup: ['test/support/global-setup-modern.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
