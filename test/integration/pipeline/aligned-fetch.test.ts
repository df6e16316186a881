/**
 * Partition alignment holds back the tail of a batch without making kafkajs
 * fetch it again (src/runtime/source/held-tail.ts), against the real Kafka and
 * ClickHouse. A backlog of three partitions, each spanning 20 days of event
 * time in one fetch, is drained by the monitor: every partition's batch is cut
 * about a day ahead of the others, again and again (the alignment's bound is
 * the peer-baseline margin less the lateness). Before, kafkajs delivered each
 * held tail again after the resume (here, whole batches of 2,000 messages).
 * Now each batch kafkajs delivers repeats at most the one message the source
 * fetches again on purpose (the last one held, so that the fetch is never
 * empty), every event is stored once and the offsets are committed to the log
 * end. What is held lives in memory only: a monitor stopped mid-drain leaves
 * the rest to the next one, which stores every event.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { appendFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { Settings } from '../../../src/config/settings.js';
import { DeliveryTally, countDeliveries } from '../../../src/tools/bench/throughput/delivery-tally.js';
import { query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { benignRead, newScenario, withRulesCopy, type Scenario } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const AGENTS = ['aligned-p0', 'aligned-p1', 'aligned-p2'];
const PER_PARTITION = 2_000;
const EVENTS = AGENTS.length * PER_PARTITION;
const DAYS = 20;
const DAY = 86_400_000;

const consumed = async (metrics: Metrics): Promise<number> => (await metrics.messagesConsumed.get()).values.reduce((s, v) => s + v.value, 0);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh topic preloaded with the backlog: each partition one agent, PER_PARTITION reads spread evenly over DAYS days, ending an hour ago. */
async function backlog(kafka: Kafka, prefix: string): Promise<{ scenario: Scenario; config: Settings }> {
  const scenario = newScenario(prefix);
  const { config } = withRulesCopy(scenario, `custos-${prefix}-it-`);
  appendFileSync(config['enrichment.directory_file'], AGENTS.map((a) => `${a},support_agent,customer_care,active,Europe/Berlin,human,office;vpn\n`).join(''));
  await createTopic(kafka, scenario.topic, AGENTS.length);
  const start = Date.now() - DAYS * DAY - 3_600_000;
  const step = (DAYS * DAY) / PER_PARTITION;
  await produce(
    kafka,
    scenario.topic,
    AGENTS.flatMap((actor, partition) =>
      Array.from({ length: PER_PARTITION }, (_, i) => ({ key: actor, value: JSON.stringify(benignRead(i, Math.round(start + i * step), actor)), partition })),
    ),
  );
  return { scenario, config };
}

describe('partition alignment in a drain', () => {
  const kafka = testKafka(inject('kafkaBrokers'));
  const admin = kafka.admin();
  const monitors: Monitor[] = [];
  const databases: string[] = [];
  let ch: ClickHouseClient;

  const start = async (config: Settings, metrics: Metrics): Promise<Monitor> => {
    const monitor = await Monitor.start({ config, logger: createLogger('warn'), metrics, tickIntervalMs: 600_000 });
    monitors.push(monitor);
    return monitor;
  };
  const stored = async (s: Scenario) => {
    const [row] = await query<{ rows: string; ids: string }>(ch, `SELECT count() AS rows, uniqExact(event_id) AS ids FROM ${s.database}.access_events`);
    return { rows: Number(row?.rows), ids: Number(row?.ids) };
  };
  const committed = async (s: Scenario) => {
    const [group] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
    return (group?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition);
  };
  const logEnd = AGENTS.map((_, partition) => ({ partition, offset: String(PER_PARTITION) }));
  // The last batch's commit follows its store (and the metric).
  const untilCommittedToLogEnd = (s: Scenario) => until('offsets committed to the log end', async () => JSON.stringify(await committed(s)) === JSON.stringify(logEnd), 30_000);

  beforeAll(async () => {
    ch = testClickHouse();
    await admin.connect();
  });

  afterAll(async () => {
    for (const m of monitors) await m.stop();
    await admin.disconnect();
    for (const db of databases) {
      if (ch !== undefined) await dropSchema(ch, db);
    }
    await ch?.close();
  });

  it('kafkajs delivers each held-back message once (and the last one held once more), and every event is stored once', async () => {
    const { scenario, config } = await backlog(kafka, 'aligned-fetch');
    databases.push(scenario.database);
    const metrics = new Metrics(false);
    const tally = new DeliveryTally();
    const stopCounting = countDeliveries(tally);
    try {
      await start(config, metrics);
    } finally {
      stopCounting();
    }
    await until(`all ${EVENTS} events stored`, async () => (await consumed(metrics)) >= EVENTS);
    // The alignment did cut batches: one batch per partition could not have carried 20 days.
    expect(tally.batches).toBeGreaterThan(AGENTS.length * 5);
    // Before, a resumed partition was delivered its held tail again: up to a whole batch.
    expect(tally.mostAgainInOneBatch).toBeLessThanOrEqual(1);
    expect(tally.messages - tally.again).toBe(EVENTS);
    expect(await stored(scenario)).toEqual({ rows: EVENTS, ids: EVENTS });
    await untilCommittedToLogEnd(scenario);
  }, 180_000);

  it('a monitor stopped while partitions hold messages back leaves them to the next one, which stores every event', async () => {
    const { scenario, config } = await backlog(kafka, 'aligned-stop');
    databases.push(scenario.database);
    const first = new Metrics(false);
    const monitor = await start(config, first);
    await until('a part of the backlog stored', async () => (await consumed(first)) >= EVENTS / 3);
    await monitor.stop();
    const before = await consumed(first);
    expect(before).toBeLessThan(EVENTS);

    const second = new Metrics(false);
    await start(config, second);
    // The second monitor stores everything the first did not commit (some of it may be stored twice: at least once).
    await until('the rest stored', async () => (await consumed(second)) >= EVENTS - before);
    await untilCommittedToLogEnd(scenario);
    expect((await stored(scenario)).ids).toBe(EVENTS);
  }, 180_000);
});
