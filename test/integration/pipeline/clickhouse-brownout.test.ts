/**
 * A ClickHouse brown-out: requests hang (the server stopped, as with SIGSTOP)
 * for longer than the consumer group's session timeout. The monitor keeps its
 * group membership by heartbeating while the insert is in flight (no rejoin,
 * no second restore of its partitions), commits nothing past storage, and
 * stores every event once ClickHouse answers again.
 */
import { Writable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { pollQuery, query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { startStallProxy, type StallProxy } from '../../../src/tools/chaos/stall-proxy.js';
import { asMessage, benignRead, newScenario, scenarioConfig } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const SESSION_TIMEOUT_MS = 10_000;
/** Longer than the session timeout, shorter than the ClickHouse request timeout: the insert hangs throughout. */
const FROZEN_MS = 22_000;

describe('ClickHouse brown-out', () => {
  const scenario = newScenario('brownout');
  let ch: ClickHouseClient;
  let proxy: StallProxy | null = null;
  let monitor: Monitor | null = null;

  afterAll(async () => {
    await monitor?.stop().catch(() => undefined);
    await proxy?.close();
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('keeps the group membership while an insert hangs past the session timeout, and stores everything after', async () => {
    ch = testClickHouse();
    proxy = await startStallProxy(inject('clickhouseUrl'));
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 1);

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    monitor = await Monitor.start({
      config: {
        ...scenarioConfig(scenario),
        'clickhouse.url': proxy.url,
        'kafka.session_timeout_ms': SESSION_TIMEOUT_MS,
        'clickhouse.request_timeout_ms': 60_000,
      },
      logger: createLogger('info', sink),
    });
    const joins = () => lines.filter((l) => l.msg === 'partitions assigned').length;
    const counted = `SELECT count() AS n FROM ${scenario.database}.access_events_dedup`;
    const start = Date.now() - 3_600_000;

    // A first batch stored normally: the group is formed and the partition restored.
    await produce(kafka, scenario.topic, Array.from({ length: 50 }, (_, i) => asMessage(benignRead(i, start + i * 1000))));
    await pollQuery<{ n: string }>(ch, counted, (r) => Number(r[0]?.n) === 50, 60_000);
    expect(joins()).toBe(1);

    // ClickHouse stops answering; the next batch's insert hangs for longer than the session timeout.
    proxy.freeze();
    await produce(kafka, scenario.topic, Array.from({ length: 50 }, (_, i) => asMessage(benignRead(50 + i, start + (50 + i) * 1000))));
    const frozenUntil = Date.now() + FROZEN_MS;
    while (Date.now() < frozenUntil) await new Promise((r) => setTimeout(r, 500));
    proxy.thaw();

    await pollQuery<{ n: string }>(ch, counted, (r) => Number(r[0]?.n) === 100, 90_000);
    // Nothing was dropped from the group, so nothing was joined or restored again.
    expect(joins()).toBe(1);
    expect(lines.filter((l) => l.msg === 'partition window state loaded')).toHaveLength(1);
    expect(lines.some((l) => typeof l.error === 'string' && l.error.includes('not aware of this member'))).toBe(false);
    // Every event once.
    const [ids] = await query<{ n: string }>(ch, `SELECT uniqExact(event_id) AS n FROM ${scenario.database}.access_events`);
    expect(Number(ids?.n)).toBe(100);
  });
});
