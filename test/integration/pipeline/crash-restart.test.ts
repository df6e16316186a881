/**
 * Nothing lost, nothing doubled: custos is killed with SIGKILL in the middle of
 * a stream of thousands of events and started again. Every valid event is in
 * ClickHouse exactly once as analysts see it, and the expected alert exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pollQuery, query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { asMessage, benignRead, bulkExport, newScenario, scenarioEnv, type WireEvent } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const ACTORS = ['alice', 'bob', 'carol', 'dave', 'svc-checkout-api', 'not-in-directory'];
const TOTAL = 6000;

function startCustos(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'run'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => undefined);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('crash and restart', () => {
  const scenario = newScenario('crash');
  const env = scenarioEnv(scenario);
  let ch: ClickHouseClient;
  let child: ChildProcess | null = null;

  afterAll(async () => {
    child?.kill('SIGKILL');
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('loses no event and duplicates none across a SIGKILL, and the alert exists', async () => {
    ch = testClickHouse();
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 3);
    const start = Date.now() - 6 * 3_600_000;
    const events: WireEvent[] = [];
    for (let i = 0; i < TOTAL - 1; i++) events.push(benignRead(i, start + i * 3_000, ACTORS[i % ACTORS.length]));
    // The incident sits in the second half: processed, if at all, around the crash.
    events.splice(TOTAL / 2, 0, bulkExport('alice-export-crash', start + (TOTAL / 2) * 3_000));

    child = startCustos(env);
    const counted = `SELECT count() AS n FROM ${scenario.database}.access_events`;
    // First half, then kill while the second half is streaming in.
    await produce(kafka, scenario.topic, events.slice(0, TOTAL / 2).map(asMessage), 250);
    await pollQuery<{ n: string }>(ch, counted, (r) => Number(r[0]?.n) >= 1000, 120_000);
    const producing = produce(kafka, scenario.topic, events.slice(TOTAL / 2).map(asMessage), 250);
    child.kill('SIGKILL');
    expect(await exited(child)).toBeNull(); // killed by the signal, not exited
    const storedAtCrash = Number((await query<{ n: string }>(ch, counted))[0]?.n);
    await producing;

    child = startCustos(env);
    const dedup = `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${scenario.database}.access_events_dedup`;
    const [final] = await pollQuery<{ n: string; ids: string }>(ch, dedup, (r) => Number(r[0]?.n) >= TOTAL, 180_000);
    // Exactly once as analysts see it: every event, each once.
    expect(Number(final?.n)).toBe(TOTAL);
    expect(Number(final?.ids)).toBe(TOTAL);
    const missing = await query<{ event_id: string }>(
      ch,
      `SELECT event_id FROM ${scenario.database}.access_events_dedup WHERE event_id = 'alice-export-crash'`,
    );
    expect(missing).toHaveLength(1);
    expect(storedAtCrash).toBeLessThan(TOTAL);

    // The expected alert exists, once: alerts are correlated per actor, so the
    // export (before or after the crash) belongs to exactly one alert of alice.
    const alerts = await pollQuery<{ alert_id: string }>(
      ch,
      `SELECT alert_id FROM ${scenario.database}.alerts_latest WHERE actor_id = 'alice' AND has(event_ids, 'alice-export-crash')`,
      (r) => r.length > 0,
      60_000,
    );
    expect(alerts).toHaveLength(1);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    child = null;
  });
});
