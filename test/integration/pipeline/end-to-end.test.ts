/**
 * The whole path against the real Kafka and ClickHouse: events produced to
 * Kafka → rows in access_events → an alert row → a signed webhook POST.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { WebhookReceiver } from '../../../src/tools/demo/webhook-receiver.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { pollQuery, query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { inject } from 'vitest';
import { asMessage, benignRead, bulkExport, newScenario, PSEUDONYM_KEY, scenarioConfig, WEBHOOK_SECRET } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

describe('Kafka → custos → ClickHouse → webhook', () => {
  const scenario = newScenario('e2e');
  const receiver = new WebhookReceiver(WEBHOOK_SECRET);
  // Every log line custos writes during the run, at debug level.
  const logLines: string[] = [];
  const logSink = { write: (line: string) => void logLines.push(line) };
  let monitor: Monitor;
  let ch: ClickHouseClient;
  const metrics = new Metrics(false);
  const now = Date.now();
  const reads = Array.from({ length: 300 }, (_, i) => benignRead(i, now - 3_600_000 + i * 10_000));
  const incident = bulkExport('alice-export-1', now - 60_000);

  beforeAll(async () => {
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 3);
    const webhookUrl = await receiver.start();
    ch = testClickHouse();
    monitor = await Monitor.start({
      config: scenarioConfig({ ...scenario, webhookUrl }),
      logger: createLogger('debug', logSink),
      metrics,
    });
    await produce(kafka, scenario.topic, [...reads, incident, { key: 'alice', value: '{"record_ids": ["c-secret-1"' }].map((m) => ('event_id' in m ? asMessage(m) : m)));
  });

  afterAll(async () => {
    await monitor?.stop();
    await receiver.stop();
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('stores every event, enriched, with record ids pseudonymised', async () => {
    const rows = await pollQuery<{ n: string }>(ch, `SELECT count() AS n FROM ${scenario.database}.access_events_dedup`, (r) => Number(r[0]?.n) === 301);
    expect(Number(rows[0]?.n)).toBe(301);
    const [exported] = await query<{ actor_role: string; network_zone: string; record_count: number; refs: string; has_clear: number; has_ref: number }>(
      ch,
      `SELECT actor_role, network_zone, record_count, length(record_refs) AS refs,
              has(record_refs, 'c-1') AS has_clear, has(record_refs, '${createPseudonymizer(PSEUDONYM_KEY)('c-1')}') AS has_ref
       FROM ${scenario.database}.access_events_dedup WHERE event_id = 'alice-export-1'`,
    );
    expect(exported).toMatchObject({ actor_role: 'support_agent', network_zone: 'office', record_count: 2000, has_clear: 0, has_ref: 1 });
    expect(Number(exported?.refs)).toBe(2000);
  });

  it('counts the CPU of every pipeline stage it ran (custos_stage_cpu_seconds_total)', async () => {
    await pollQuery<{ n: string }>(ch, `SELECT count() AS n FROM ${scenario.database}.access_events_dedup`, (r) => Number(r[0]?.n) === 301);
    const { values } = await metrics.stageCpuSeconds.get();
    expect(values.map((v) => v.labels.stage).sort()).toEqual(['decode', 'enrich', 'evaluate', 'serialize']);
    // 301 events decoded, enriched, judged and serialised take CPU; none of it is left uncounted.
    for (const v of values) expect(v.value).toBeGreaterThan(0);
  });

  it('stores an explained alert for the bulk export and posts it, signed, to the webhook', async () => {
    const opened = (w: (typeof receiver.received)[number]) => w.body.data.actor_id === 'alice' && w.body.type === 'custos.alert.opened';
    await receiver.waitFor((r) => r.some(opened), 60_000);
    const aliceHooks = receiver.received.filter((w) => w.body.data.actor_id === 'alice');
    expect(aliceHooks.every((w) => w.signatureValid === true)).toBe(true);
    const hook = aliceHooks.find(opened);
    const data = hook?.body.data as Record<string, unknown>;
    // The opening message's webhook-id is the alert id (escalations add .r<revision>).
    expect(hook?.id).toBe(data.alert_id);
    expect(data.event_ids).toContain('alice-export-1');
    expect(String(data.summary)).toContain('alice');
    expect(JSON.stringify(aliceHooks)).not.toMatch(/"c-\d+"/);

    const alerts = await query<{ alert_id: string; rule_id: string; rule_version: string; severity: string }>(
      ch,
      `SELECT alert_id, rule_id, rule_version, severity FROM ${scenario.database}.alerts_latest WHERE actor_id = 'alice'`,
    );
    expect(alerts.map((a) => a.alert_id)).toContain(data.alert_id);
    expect(alerts.every((a) => a.rule_id !== '' && a.rule_version !== '')).toBe(true);

    // The alert's ready-to-run query, as an analyst pastes it, lists the triggering export.
    const underlying = await query<{ event_id: string }>(ch, String(data.query));
    expect(underlying.map((r) => r.event_id)).toContain('alice-export-1');
  });

  it('logs no customer identifier, pseudonym or secret', async () => {
    await pollQuery<{ n: string }>(ch, `SELECT count() AS n FROM ${scenario.database}.rejected_events`, (r) => Number(r[0]?.n) === 1);
    const pseudonymize = createPseudonymizer(PSEUDONYM_KEY);
    const text = logLines.join('');
    expect(logLines.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/c-\d+|c-secret/);
    expect(text).not.toContain(pseudonymize('c-1'));
    expect(text).not.toContain(PSEUDONYM_KEY);
    expect(text).not.toContain(WEBHOOK_SECRET.slice(6));
    expect(text).not.toContain('/hooks/custos');
  });

  it('commits offsets only for stored batches: the group has nothing left to read', async () => {
    const admin = testKafka(inject('kafkaBrokers')).admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: scenario.groupId, topics: [scenario.topic] });
      const ends = await admin.fetchTopicOffsets(scenario.topic);
      const lag = (committed?.partitions ?? []).reduce((sum, p) => {
        const end = ends.find((e) => e.partition === p.partition);
        // -1: nothing committed on this partition (it received no events), i.e. read from 0.
        return sum + (Number(end?.offset ?? 0) - Math.max(0, Number(p.offset)));
      }, 0);
      expect(lag).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });
});
