import { defineConfig } from 'vitest/config';

// Two projects, chosen by folder:
//  - unit: pure logic (and the shipped rules' own test cases), no services;
//  - integration: real Kafka and real ClickHouse, provided once per run by
//    test/support/global-setup.ts (env endpoints, testcontainers or native).
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
    ],
  },
});
