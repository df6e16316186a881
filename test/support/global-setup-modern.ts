/**
 * Provides a current ClickHouse engine to the `clickhouse-modern` test project,
 * which runs the ClickHouse integration tests a second time against it (the
 * `integration` project runs them against Debian's 18.16 or whatever
 * global-setup.ts found), so TTL, LowCardinality, the modern DDL and query
 * parameters are exercised on every run. In order of preference:
 *   1. CUSTOS_TEST_CLICKHOUSE_MODERN_URL (+ _USERNAME, _PASSWORD): used as is;
 *   2. chDB (PyPI chdb-core, the ClickHouse 26.9 engine) behind
 *      scripts/chdb/server.py, installed and started by `scripts/services.sh chdb-up`,
 *      stopped again afterwards if this run started it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** File the chDB front end appends each request's SQL text and parameters to ('' when not chDB). */
    clickhouseQueryLog: string;
    /**
     * The server takes inserts of binary rows (RowBinary): a real server always; the chDB front end
     * when it says so (GET /custos/features: a front end started from an older checkout does not).
     */
    clickhouseBinaryInserts: boolean;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Whether the chDB front end reports this feature (GET /custos/features); false for one that has no such page. */
async function frontEndFeature(url: string, name: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/custos/features`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return false;
    const features = (await res.json()) as Record<string, unknown>;
    return features[name] === true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.CUSTOS_TEST_CLICKHOUSE_MODERN_URL;
  project.provide('kafkaBrokers', process.env.CUSTOS_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092');
  if (given) {
    project.provide('clickhouseUrl', given);
    project.provide('clickhouseUsername', process.env.CUSTOS_TEST_CLICKHOUSE_MODERN_USERNAME ?? 'default');
    project.provide('clickhousePassword', process.env.CUSTOS_TEST_CLICKHOUSE_MODERN_PASSWORD ?? '');
    project.provide('clickhouseQueryLog', '');
    project.provide('clickhouseBinaryInserts', true);
    project.provide('serviceMode', 'env');
    return async () => {};
  }
  const port = process.env.CUSTOS_CHDB_PORT ?? '18123';
  const startedHere = !(await answers(`http://127.0.0.1:${port}`));
  const { stdout } = await run('bash', ['scripts/services.sh', 'chdb-up'], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const endpoints = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
  const url = endpoints.CUSTOS_CHDB_URL;
  if (!url) throw new Error(`scripts/services.sh chdb-up printed no endpoint:\n${stdout}`);
  project.provide('clickhouseUrl', url);
  project.provide('clickhouseUsername', 'default');
  project.provide('clickhousePassword', '');
  project.provide('clickhouseQueryLog', endpoints.CUSTOS_CHDB_QUERY_LOG ?? '');
  const binaryInserts = await frontEndFeature(url, 'binary_inserts');
  if (!binaryInserts) {
    console.warn(`[clickhouse-modern] the chDB front end on ${url} predates binary inserts (scripts/chdb/server.py): the RowBinary test is skipped until it is restarted (scripts/services.sh chdb-down, then chdb-up)`);
  }
  project.provide('clickhouseBinaryInserts', binaryInserts);
  project.provide('serviceMode', 'native');
  return async () => {
    if (startedHere) await run('bash', ['scripts/services.sh', 'chdb-down'], { timeout: 60_000 }).catch(() => undefined);
  };
}
