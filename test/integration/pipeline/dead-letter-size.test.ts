/**
 * A refused message larger than the dead-letter topic accepts still never
 * blocks its partition: it is dead-lettered without its payload, with a header
 * saying so, and the valid event behind it is stored.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { DEAD_LETTER_HEADERS } from '../../../src/runtime/pipeline/dead-letter.js';
import { PAYLOAD_OMITTED_HEADER } from '../../../src/runtime/outputs/dead-letters/dead-letter-producer.js';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, readTopic, testKafka } from '../../support/kafka.js';
import { benignRead, newScenario, scenarioConfig } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

describe('dead letters larger than the dead-letter topic allows', () => {
  const scenario = newScenario('dlsize', { maxMessageBytes: 64 * 1024 });
  const good = benignRead(1, Date.now());
  const big = Buffer.from(`{"event_id": "too-big-for-dlq", "padding": "${'x'.repeat(20_000)}"`); // malformed JSON, 20 KB
  let monitor: Monitor;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 1);
    // An existing dead-letter topic with a small limit (custos keeps existing topics as they are).
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: scenario.deadLetterTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '4096' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    ch = testClickHouse();
    monitor = await Monitor.start({ config: scenarioConfig(scenario), logger: createLogger('silent'), metrics: new Metrics(false) });
    await produce(kafka, scenario.topic, [
      { key: 'big', value: big },
      { key: good.actor_id, value: JSON.stringify(good) },
    ]);
  });

  afterAll(async () => {
    await monitor?.stop();
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('dead-letters the message without its payload, says why, and moves on', async () => {
    const [dl] = await readTopic(testKafka(inject('kafkaBrokers')), scenario.deadLetterTopic, 1);
    expect(dl?.key).toBe('big');
    expect(dl?.value).toBeNull();
    expect(dl?.headers[DEAD_LETTER_HEADERS.reason]).toBe('malformed_json');
    expect(dl?.headers[PAYLOAD_OMITTED_HEADER]).toContain(`${big.length} bytes`);
    const rows = await pollQuery<{ event_id: string }>(ch, `SELECT event_id FROM ${scenario.database}.access_events_dedup`, (r) => r.length === 1);
    expect(rows).toEqual([{ event_id: good.event_id }]);
    const rejected = await pollQuery<{ size_bytes: number }>(ch, `SELECT size_bytes FROM ${scenario.database}.rejected_events FINAL`, (r) => r.length === 1);
    expect(Number(rejected[0]?.size_bytes)).toBe(big.length);
  });
});
