/**
 * Every kind of bad input goes to the dead-letter topic (original bytes, reason
 * and source position in headers) and to rejected_events; the partition is not
 * blocked: the valid event produced after them is stored.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { DEAD_LETTER_HEADERS } from '../../../src/runtime/pipeline/dead-letter.js';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, readTopic, testKafka, type ReadMessage } from '../../support/kafka.js';
import { benignRead, newScenario, scenarioConfig } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const MAX_BYTES = 4096;
const good = benignRead(1, Date.now());
const json = (over: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...good, ...over }));

const cases: { name: string; value: Buffer; reason: string }[] = [
  { name: 'malformed JSON', value: Buffer.from('{"event_id": "x", '), reason: 'malformed_json' },
  { name: 'non-UTF-8 bytes', value: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, 0x7d]), reason: 'not_utf8' },
  { name: 'a wrong type', value: json({ event_id: 'bad-type', record_ids: 42 }), reason: 'wrong_type' },
  { name: 'a missing required field', value: json({ event_id: 'bad-missing', actor_id: undefined }), reason: 'missing_field' },
  { name: 'an unknown action', value: json({ event_id: 'bad-action', action: 'exfiltrate' }), reason: 'invalid_value' },
  { name: 'an invalid timestamp', value: json({ event_id: 'bad-ts', ts: 'yesterday' }), reason: 'invalid_timestamp' },
  { name: 'a negative count', value: json({ event_id: 'bad-count', record_ids: undefined, record_count: -5 }), reason: 'invalid_value' },
  { name: 'a message over the size limit', value: json({ event_id: 'bad-size', user_agent: 'x'.repeat(MAX_BYTES) }), reason: 'too_large' },
];

describe('bad input: a clear reason, nothing lost, the monitor keeps running', () => {
  const scenario = newScenario('bad', { maxMessageBytes: MAX_BYTES });
  let monitor: Monitor;
  let ch: ClickHouseClient;
  let deadLetters: ReadMessage[];

  beforeAll(async () => {
    const kafka = testKafka(inject('kafkaBrokers'));
    // One partition: the valid event is behind every bad one on the same partition.
    await createTopic(kafka, scenario.topic, 1);
    ch = testClickHouse();
    monitor = await Monitor.start({ config: scenarioConfig(scenario), logger: createLogger('silent'), metrics: new Metrics(false) });
    await produce(kafka, scenario.topic, [
      ...cases.map((c, i) => ({ key: `k${i}`, value: c.value, headers: { 'trace-id': `t-${i}` } })),
      { key: good.actor_id, value: JSON.stringify(good) },
    ]);
    deadLetters = await readTopic(kafka, scenario.deadLetterTopic, cases.length);
  });

  afterAll(async () => {
    await monitor?.stop();
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s → dead-letter topic with original bytes and reason', (_name, i) => {
    const c = cases[i]!;
    const dl = deadLetters.find((m) => m.key === `k${i}`);
    expect(dl, 'dead letter present').toBeDefined();
    expect(dl?.value?.equals(c.value)).toBe(true);
    expect(dl?.headers[DEAD_LETTER_HEADERS.reason]).toBe(c.reason);
    expect(dl?.headers[DEAD_LETTER_HEADERS.detail]).not.toBe('');
    expect(dl?.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(scenario.topic);
    expect(dl?.headers[DEAD_LETTER_HEADERS.sourcePartition]).toBe('0');
    expect(dl?.headers[DEAD_LETTER_HEADERS.sourceOffset]).toBe(String(i));
    expect(dl?.headers['trace-id']).toBe(`t-${i}`);
  });

  it('records each rejection in rejected_events, without the payload', async () => {
    const rows = await pollQuery<{ reason: string; source_offset: string; size_bytes: number; payload_sha256: string }>(
      ch,
      `SELECT reason, source_offset, size_bytes, payload_sha256 FROM ${scenario.database}.rejected_events FINAL ORDER BY toUInt64(source_offset)`,
      (r) => r.length === cases.length,
    );
    expect(rows.map((r) => r.reason)).toEqual(cases.map((c) => c.reason));
    expect(rows.map((r) => Number(r.size_bytes))).toEqual(cases.map((c) => c.value.length));
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.payload_sha256))).toBe(true);
  });

  it('keeps the partition moving: the valid event after the bad ones is stored', async () => {
    const rows = await pollQuery<{ event_id: string }>(ch, `SELECT event_id FROM ${scenario.database}.access_events_dedup`, (r) => r.length === 1);
    expect(rows).toEqual([{ event_id: good.event_id }]);
    expect(monitor.running).toBe(true);
  });
});
