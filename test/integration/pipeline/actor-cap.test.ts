/**
 * The actor cap in the running monitor, against the real Kafka and
 * ClickHouse: with engine.max_actors = 1, alice's window is evicted when
 * carol's batch comes, and rebuilt from ClickHouse (her stored events) before
 * her next batch is evaluated, so a rule over a 30-minute window still counts
 * the customers she read before the eviction. Without the rebuild her second
 * batch alone stays below the limit and nothing fires.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { asMessage, newScenario, withRulesCopy, type WireEvent } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

/** Distinct customers alice reads before the eviction (N) and after it (M); the rule's limit L: M < L < N + M. */
const N = 20;
const M = 15;
const L = 30;
const RULE_ID = 'rate.actor-cap.distinct-customers';
const RULE = `
rules:
  - id: ${RULE_ID}
    version: 1
    kind: rate
    title: distinct customers above the actor-cap test limit
    severity: medium
    when: { condition: human }
    measure: distinct_customers
    windows:
      - { window: 30m, limit: ${L} }
`;

function read(actor: string, n: number, at: number): WireEvent {
  return {
    event_id: `${actor}-cap-${n}`,
    ts: at,
    actor_id: actor,
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-cap-${actor}-${n}`],
    fields: ['name', 'email'],
    channel: actor === 'carol' ? 'sql' : 'support_console',
    source_ip: actor === 'carol' ? '10.10.7.7' : '10.10.4.20',
    ...(actor === 'carol' ? {} : { ticket_id: `T-${7000 + n}` }),
  };
}

describe('actor cap in the running monitor', () => {
  const scenario = newScenario('cap');
  const db = scenario.database;
  const { rulesDir, config } = withRulesCopy(scenario, 'custos-actor-cap-it-');
  const logLines: string[] = [];
  const kafka = testKafka(inject('kafkaBrokers'));
  const metrics = new Metrics(false);
  let monitor: Monitor;
  let ch: ClickHouseClient;
  const t0 = Date.now();

  const counter = async (c: Counter, labels: Record<string, string> = {}): Promise<number> =>
    (await c.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
  const consumed = async (total: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while ((await counter(metrics.messagesConsumed)) < total) {
      if (Date.now() > deadline) throw new Error(`consumed ${await counter(metrics.messagesConsumed)}/${total} messages`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    writeFileSync(join(rulesDir, 'rate', 'actor-cap.yaml'), RULE);
    // One partition: the three batches below are evaluated in this order.
    await createTopic(kafka, scenario.topic, 1);
    ch = testClickHouse();
    monitor = await Monitor.start({
      config: { ...config, 'engine.max_actors': 1 },
      logger: createLogger('info', { write: (line: string) => void logLines.push(line) }),
      metrics,
      tickIntervalMs: 600_000,
    });
  });

  afterAll(async () => {
    await monitor?.stop();
    if (ch !== undefined) await dropSchema(ch, db);
    await ch?.close();
  });

  it('evicts alice when carol`s batch comes (cap 1), counted and warned about', async () => {
    await produce(kafka, scenario.topic, Array.from({ length: N }, (_, i) => read('alice', i, t0 - 10 * 60_000 + i * 5_000)).map(asMessage));
    await consumed(N);
    expect(monitor.engine.holds('alice')).toBe(true);
    await produce(kafka, scenario.topic, Array.from({ length: 3 }, (_, i) => read('carol', i, t0 - 8 * 60_000 + i * 5_000)).map(asMessage));
    await consumed(N + 3);
    expect(monitor.engine.holds('alice')).toBe(false);
    expect(monitor.engine.holds('carol')).toBe(true);
    expect(await counter(metrics.capEvictions, { what: 'actors' })).toBe(1);
    expect(logLines.some((l) => (JSON.parse(l) as { msg: string }).msg.startsWith('memory caps are biting'))).toBe(true);
    expect(await query(ch, `SELECT alert_id FROM ${db}.alerts`)).toEqual([]);
  });

  it('rebuilds alice`s window from ClickHouse before her next batch: the rule sees N + M customers', async () => {
    await produce(kafka, scenario.topic, Array.from({ length: M }, (_, i) => read('alice', N + i, t0 - 6 * 60_000 + i * 5_000)).map(asMessage));
    await consumed(N + 3 + M);
    const alerts = await query<{ rule_id: string; observed: number; actor_id: string }>(
      ch,
      `SELECT rule_id, observed, actor_id FROM ${db}.alerts_latest WHERE actor_id = 'alice'`,
    );
    expect(alerts).toEqual([{ rule_id: RULE_ID, observed: N + M, actor_id: 'alice' }]);
    expect(await counter(metrics.actorsRebuilt)).toBe(1);
  });
});
