/**
 * OCSF findings to a real Kafka topic: each revision one message keyed by the
 * alert id, of the exact Detection Finding shape; a topic that does not exist
 * yet is retried until it does.
 */
import { inject } from 'vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createTopic, readTopic, testKafka, uniqueName } from '../../support/kafka.js';
import { alert } from '../../unit/sinks/fixtures.js';
import { waitFor } from '../../unit/outputs/alerts/helpers.js';
import { destinationsOf, dispatcherFor, stoppedAfterEach } from '../../unit/outputs/alerts/destinations/harness.js';
import { validDetectionFinding } from '../../unit/outputs/alerts/destinations/ocsf-schema.js';

describe('ocsf destination, Kafka topic', () => {
  let kafka: Kafka;
  const stopped = stoppedAfterEach();
  beforeAll(() => {
    kafka = testKafka(inject('kafkaBrokers'));
  });

  function ocsfTopic(topic: string, requestTimeoutMs?: number) {
    const h = dispatcherFor(destinationsOf([{ kind: 'ocsf', topic }], kafka), undefined, requestTimeoutMs);
    return stopped(h);
  }

  it('produces every revision, closings included, keyed by the alert id, as Detection Findings in revision order', async () => {
    const topic = uniqueName('custos-findings');
    await createTopic(kafka, topic, 3);
    const { dispatcher, outbox } = ocsfTopic(topic);
    await dispatcher.start();
    const now = Date.now();
    dispatcher.enqueue([
      { alert: alert({ alert_id: 'al-k1' }), storedAtMs: now },
      { alert: alert({ alert_id: 'al-k2', severity: 'medium' }), storedAtMs: now },
      { alert: alert({ alert_id: 'al-k1', revision: 2, tier: 2, severity: 'critical' }), storedAtMs: now + 1 },
      { alert: alert({ alert_id: 'al-k1', revision: 3, tier: 2, severity: 'critical', status: 'closed' }), storedAtMs: now + 2 },
    ]);
    await waitFor(() => outbox.latest('al-k1', 3)[0]?.status === 'delivered' && outbox.latest('al-k2')[0]?.status === 'delivered', 30_000, 'delivered');
    expect(outbox.latest('al-k1', 3)[0]).toMatchObject({ endpoint_origin: `kafka:${topic}`, last_http_status: null, attempts: 1 });

    const messages = await readTopic(kafka, topic, 4);
    const findings = messages.map((m) => ({ key: m.key, finding: JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown> }));
    for (const { finding } of findings) expect(validDetectionFinding(finding), JSON.stringify(validDetectionFinding.errors)).toBe(true);
    for (const { key, finding } of findings) expect(key).toBe((finding.finding_info as { uid: string }).uid);
    // One key, one partition: a reader sees an alert's revisions in order.
    const k1 = findings.filter((f) => f.key === 'al-k1').map((f) => [f.finding.activity_name, (f.finding.metadata as { uid: string }).uid]);
    expect(k1).toEqual([
      ['Create', 'al-k1'],
      ['Update', 'al-k1.r2'],
      ['Close', 'al-k1.r3'],
    ]);
    expect(findings.find((f) => f.key === 'al-k2')?.finding).toMatchObject({ class_uid: 2004, severity_id: 3, activity_id: 1, actor: { user: { uid: 'emp-0042' } } });
  });

  it('retries while the topic does not exist (custos never creates it) and delivers once it does', async () => {
    const topic = uniqueName('custos-findings-late');
    const { dispatcher, outbox } = ocsfTopic(topic, 1500);
    await dispatcher.start();
    dispatcher.enqueue([{ alert: alert({ alert_id: 'al-late' }), storedAtMs: Date.now() }]);
    await waitFor(() => outbox.latest('al-late')[0]?.status === 'failed', 30_000, 'a failed attempt');
    expect(outbox.latest('al-late')[0]?.last_error).toMatch(/^(kafka UNKNOWN_TOPIC_OR_PARTITION|kafka KafkaJS\w+|timeout after 1500ms)$/);

    await createTopic(kafka, topic, 1);
    await waitFor(() => outbox.latest('al-late')[0]?.status === 'delivered', 60_000, 'delivered once the topic exists');
    const [message] = await readTopic(kafka, topic, 1);
    expect(message?.key).toBe('al-late');
    expect(validDetectionFinding(JSON.parse(message?.value?.toString('utf8') ?? 'null'))).toBe(true);
  });
});
