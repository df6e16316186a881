/**
 * A pseudonym key rotation through the real monitor, Kafka and ClickHouse: a
 * monitor stores events under the unnamed key; it is restarted (same consumer
 * group: the partition is restored from what it stored) with a new key `k2`
 * and the old one among the old keys; later events carry `@k2` pseudonyms
 * (record refs and the pseudonymised session), the earlier rows stay as they
 * were, and a subject report finds the customer's accesses under both keys.
 * A keyring whose old key repeats the current id stops the start before
 * anything connects.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { subjectReport } from '../../../src/console/reports/subject-report.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createKeyring } from '../../../src/privacy/keyring.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { asMessage, benignRead, newScenario, PSEUDONYM_KEY, withRulesCopy } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const NEW_KEY = 'integration-test-rotated-pseudonym-key-k2-000';

describe('pseudonym key rotation', () => {
  const scenario = newScenario('rotation');
  const { config } = withRulesCopy(scenario, 'rotation');
  const now = Date.now();
  // The same customer (c-90001) before and after the rotation.
  const before = { ...benignRead(1, now - 120_000), session_id: 'sess-rotation-1' };
  const after = { ...benignRead(41, now - 60_000), session_id: 'sess-rotation-1' };
  const rotated = { ...config, pseudonym_key: NEW_KEY, pseudonym_key_id: 'k2', pseudonym_old_keys: [`:${PSEUDONYM_KEY}`] };
  let ch: ClickHouseClient;
  let rows: { event_id: string; record_refs: string[]; session_id: string }[] = [];

  beforeAll(async () => {
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 1);
    ch = testClickHouse();
    const query = `SELECT event_id, record_refs, session_id FROM ${scenario.database}.access_events_dedup ORDER BY ts`;
    const first = await Monitor.start({ config, logger: createLogger('warn'), metrics: new Metrics(false) });
    try {
      await produce(kafka, scenario.topic, [asMessage(before)]);
      await pollQuery(ch, query, (r) => r.length === 1);
    } finally {
      await first.stop();
    }
    const second = await Monitor.start({ config: rotated, logger: createLogger('warn'), metrics: new Metrics(false) });
    try {
      await produce(kafka, scenario.topic, [asMessage(after)]);
      rows = await pollQuery(ch, query, (r) => r.length === 2);
    } finally {
      await second.stop();
    }
  });

  afterAll(async () => {
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('writes under the new key with its id after the restart; rows stored before keep the old form', () => {
    const customer = before.record_ids![0]!;
    expect(after.record_ids).toEqual([customer]);
    expect(rows.map((r) => r.event_id)).toEqual([before.event_id, after.event_id]);
    expect(rows[0]!.record_refs).toEqual([createPseudonymizer(PSEUDONYM_KEY)(customer)]);
    expect(rows[1]!.record_refs).toEqual([createPseudonymizer(NEW_KEY, 'k2')(customer)]);
    expect(rows[0]!.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(rows[1]!.session_id).toMatch(/^[0-9a-f]{32}@k2$/);
  });

  it('finds the customer\'s accesses under every active key', async () => {
    const ring = createKeyring(NEW_KEY, 'k2', [`:${PSEUDONYM_KEY}`]);
    if (!ring.ok) throw new Error(ring.problems.join('; '));
    const report = await subjectReport(ch, scenario.database, ring.keyring, before.record_ids![0]!);
    expect(report.accesses.map((a) => a.event_id)).toEqual([before.event_id, after.event_id]);
    expect(report.pseudonyms.map((p) => p.keyId)).toEqual(['k2', '']);
  });

  it('refuses to start with an old key under the current key id, naming the setting and not the key', async () => {
    const start = Monitor.start({ config: { ...rotated, pseudonym_old_keys: [`k2:${PSEUDONYM_KEY}`] }, logger: createLogger('silent'), metrics: new Metrics(false) });
    await expect(start).rejects.toThrow(/CUSTOS_PSEUDONYM_OLD_KEYS: key id k2 is given twice/);
    await start.catch((err: Error) => expect(err.message).not.toContain(PSEUDONYM_KEY));
  });
});
