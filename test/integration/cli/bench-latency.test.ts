/**
 * `custos bench latency` end to end on a tiny size: the built CLI measures a
 * capacity, produces at a steady rate with incidents at known times into the
 * real monitor (ClickHouse, webhook destination to a local receiver), and
 * accounts for every incident at every stage. Counts only: times are the
 * benchmark's to print, never a test's to assert. Its topic, consumer
 * groups and database are gone afterwards.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { quoteString } from '../../../src/runtime/outputs/clickhouse/escape.js';
import type { LatencyResult } from '../../../src/tools/bench/latency/main.js';
import { testKafka } from '../../support/kafka.js';
import { tempDir } from '../../support/temp-dir.js';

function runBench(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'bench', 'latency', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('custos bench latency (tiny run)', () => {
  let run: { code: number | null; stdout: string; stderr: string };
  let result: LatencyResult;

  beforeAll(async () => {
    const json = join(tempDir('custos-bench-latency-'), 'latency.json');
    run = await runBench(
      ['--capacity-events', '2000', '--rate', '300', '--rounds', '2', '--round-seconds', '3', '--incidents', '2', '--warmup-seconds', '3', '--actors', '50', '--drain-seconds', '60', '--json', json],
      {
        CUSTOS_KAFKA_BROKERS: inject('kafkaBrokers'),
        CUSTOS_CLICKHOUSE_URL: inject('clickhouseUrl'),
        CUSTOS_CLICKHOUSE_USERNAME: inject('clickhouseUsername'),
        CUSTOS_CLICKHOUSE_PASSWORD: inject('clickhousePassword'),
      },
    );
    if (run.code !== 0) throw new Error(`bench latency exited ${run.code}:\n${run.stderr}`);
    result = JSON.parse(readFileSync(json, 'utf8')) as LatencyResult;
  }, 170_000);

  it('measured the capacity on every preloaded event, then produced at the given rate', () => {
    expect(result.capacity?.events).toBe(2000);
    expect(result.rate).toBe(300);
    expect(run.stdout).toContain('maxWaitTimeInMs 500');
  });

  it('every incident was produced, reached the bare consumer, was stored as an alert and received by the webhook, in each round', () => {
    expect(result.incidents).toBe(4);
    for (const stage of [result.all.brokerAck, result.all.bareConsumer, result.all.custosWriteStarted, result.all.stored, result.all.webhook]) expect(stage.count).toBe(4);
    expect(result.perRound.map((r) => [r.round, r.stored.count, r.webhook.count])).toEqual([
      [1, 2, 2],
      [2, 2, 2],
    ]);
    expect(new Set(result.incidentTimes.map((t) => t.kind))).toEqual(new Set(['terminated', 'unknown_actor']));
  });

  it('breaks the monitor`s time down: each table`s inserts, the synchronous stages of every batch, garbage collection', () => {
    const { insertMs, syncMs, gc } = result.monitor;
    // Batches over the rounds store their events and progress rows; the incidents' batches their alerts.
    for (const table of ['access_events', 'partition_progress', 'alerts']) expect(insertMs[table]?.count).toBeGreaterThan(0);
    for (const stage of [syncMs.prepare, syncMs.evaluate, syncMs.serialize]) expect(stage.count).toBeGreaterThan(0);
    expect(Object.keys(gc).length).toBeGreaterThan(0);
    expect(run.stdout).toContain("each table's insert");
    expect(run.stdout).toContain('synchronous stages per batch');
  });

  it('the background traffic alerted on nothing', () => {
    expect(result.otherAlerts).toBe(0);
  });

  it('left no topic, consumer group or database (nor its console database) behind', async () => {
    const ch = createClient({ url: inject('clickhouseUrl'), username: inject('clickhouseUsername'), password: inject('clickhousePassword') });
    try {
      const rows = await (await ch.query({ query: `SELECT count() AS n FROM system.databases WHERE name IN (${quoteString(result.database)}, ${quoteString(`${result.database}_console`)})`, format: 'JSONEachRow' })).json<{ n: string | number }>();
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await ch.close();
    }
    const admin = testKafka(inject('kafkaBrokers')).admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics.filter((t) => t.startsWith(result.topic))).toEqual([]);
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups.filter((g) => g.startsWith(result.topic))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
