/**
 * Window state follows partitions across a rebalance (src/runtime/app/partition-restore.ts),
 * against the real Kafka and ClickHouse. Two monitors share a consumer group
 * and split the topic's three partitions. Three support agents, one per
 * partition, each read N distinct customers; then one monitor stops and the
 * other takes over its partitions; each agent reads M more. A rule with a
 * static limit L (N < L ≤ N + M, M < L) fires for every agent only if the new
 * owner judged the customers read before the rebalance: on a partition it
 * took over, it saw only M.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { query, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { newScenario, withRulesCopy, type WireEvent } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const N = 20;
const M = 15;
const L = 30;
const RULE_ID = 'rate.rebalance-test.distinct-customers';
const AGENTS = ['agent-p0', 'agent-p1', 'agent-p2'];

function agentRead(agent: string, n: number, at: number): WireEvent {
  return {
    event_id: `${agent}-${n}`,
    ts: at,
    actor_id: agent,
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-${agent}-${n}`],
    fields: ['name', 'email'],
    channel: 'support_console',
    source_ip: '10.10.4.20',
    ticket_id: `T-${n}`,
  };
}

describe('window state across a consumer-group rebalance', () => {
  const scenario = newScenario('rebalance');
  const { rulesDir, config } = withRulesCopy(scenario, 'custos-rebalance-it-');
  const kafka = testKafka(inject('kafkaBrokers'));
  const admin = kafka.admin();
  const metrics = [new Metrics(false), new Metrics(false)] as const;
  const monitors: Monitor[] = [];
  let ch: ClickHouseClient;
  const t0 = Date.now();

  const consumed = async (): Promise<number> => {
    let total = 0;
    for (const m of metrics) total += (await m.messagesConsumed.get()).values.reduce((s, v) => s + v.value, 0);
    return total;
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const groupMembers = async (): Promise<number> => {
    const { groups } = await admin.describeGroups([scenario.groupId]);
    const group = groups[0];
    return group?.state === 'Stable' ? group.members.length : -1;
  };
  const send = (events: WireEvent[]) =>
    produce(
      kafka,
      scenario.topic,
      events.map((e) => ({ key: e.actor_id, value: JSON.stringify(e), partition: AGENTS.indexOf(e.actor_id) })),
    );

  beforeAll(async () => {
    writeFileSync(
      join(rulesDir, 'rate', 'rebalance-test.yaml'),
      `rules:\n  - id: ${RULE_ID}\n    version: 1\n    kind: rate\n    title: distinct customers above the rebalance test limit\n    severity: medium\n` +
        `    when: { condition: human }\n    measure: distinct_customers\n    windows:\n      - { window: 30m, limit: ${L} }\n`,
    );
    appendFileSync(join(rulesDir, 'enrichment', 'actors.csv'), AGENTS.map((a) => `${a},support_agent,customer_care,active,Europe/Berlin,human,office;vpn\n`).join(''));
    await admin.connect();
    await createTopic(kafka, scenario.topic, 3);
    ch = testClickHouse();
    for (const m of metrics) {
      monitors.push(await Monitor.start({ config, logger: createLogger('warn'), metrics: m, tickIntervalMs: 600_000 }));
    }
    await until('both monitors to share the group', async () => (await groupMembers()) === 2);
  }, 120_000);

  afterAll(async () => {
    for (const m of monitors) await m.stop();
    await admin.disconnect();
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('the new owner of a partition judges the customers its actors read before the rebalance', async () => {
    await send(AGENTS.flatMap((a) => Array.from({ length: N }, (_, i) => agentRead(a, i, t0 - 10 * 60_000 + i * 5_000))));
    await until('the first reads to be stored', async () => (await consumed()) === AGENTS.length * N);
    // Both monitors took part: each stored some of the agents' reads.
    const perMonitor = await Promise.all(metrics.map(async (m) => (await m.messagesConsumed.get()).values.reduce((s, v) => s + v.value, 0)));
    expect(perMonitor.every((n) => n > 0)).toBe(true);

    await monitors[0]?.stop();
    await until('the second monitor to own every partition', async () => (await groupMembers()) === 1);
    await send(AGENTS.flatMap((a) => Array.from({ length: M }, (_, i) => agentRead(a, N + i, t0 - 5 * 60_000 + i * 5_000))));
    await until('the second reads to be stored', async () => (await consumed()) === AGENTS.length * (N + M));

    const alerts = await query<{ actor_id: string; rule_id: string; observed: number }>(
      ch,
      `SELECT actor_id, rule_id, observed FROM ${scenario.database}.alerts_latest ORDER BY actor_id`,
    );
    expect(alerts).toEqual(AGENTS.map((actor_id) => ({ actor_id, rule_id: RULE_ID, observed: N + M })));
  }, 120_000);
});
