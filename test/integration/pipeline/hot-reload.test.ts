/**
 * Hot reload through the live monitor's wiring (src/runtime/app/monitor.ts), against
 * the real Kafka and ClickHouse: a rule added to the rules folder while the
 * monitor runs applies on `reloader.reloadAll()` (what SIGHUP calls) without a
 * restart, judges the customers the actor touched before the reload (window
 * state kept), and its alert records the rule's id and version; the same reload
 * swaps the decoder's clock-skew bound and the enrichment tables; a broken rule
 * file is refused and the last good rule set stays active.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { readFileSync, writeFileSync } from 'node:fs';
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

/** Distinct customers alice reads before the reload (N), after it (M), after the refused reload (K). */
const N = 20;
const M = 15;
const K = 5;
/** The added rule's static limit: N < L < N + M, and M alone is far below it. */
const L = 30;
const RULE_ID = 'rate.hot-reload.distinct-customers';
const RULE_VERSION = 'hr-7';
/** A 30-minute window: a horizon no shipped rule has, so its counts are rebuilt at the reload. */
const addedRule = (version: string, windowsKey = 'windows') => `
rules:
  - id: ${RULE_ID}
    version: ${version}
    kind: rate
    title: distinct customers above the hot-reload test limit
    severity: medium
    when: { condition: human }
    measure: distinct_customers
    ${windowsKey}:
      - { window: 30m, limit: ${L} }
`;

/** One support-console read of one customer with a ticket, from the office: within alice's grants. */
function aliceRead(n: number, at: number): WireEvent {
  return {
    event_id: `alice-hr-${n}`,
    ts: at,
    actor_id: 'alice',
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-hr-${n}`],
    fields: ['name', 'email'],
    channel: 'support_console',
    source_ip: '10.10.4.20',
    ticket_id: `T-${5000 + n}`,
  };
}

/** A data analyst's SQL read of one customer (within carol's grants). */
function carolRead(id: string, at: number): WireEvent {
  return {
    event_id: id,
    ts: at,
    actor_id: 'carol',
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-carol-${id}`],
    fields: ['name', 'email'],
    channel: 'sql',
    source_ip: '10.10.7.7',
  };
}

interface Finding {
  readonly rule_id: string;
  readonly rule_version: string;
  readonly observed: number;
}
interface AlertRow {
  readonly alert_id: string;
  readonly revision: string | number;
  readonly rule_id: string;
  readonly rule_version: string;
  readonly observed: number;
  readonly window_label: string;
  readonly explanation: string;
}

describe('hot reload in the running monitor', () => {
  const scenario = newScenario('reload');
  const db = scenario.database;
  const { rulesDir, config } = withRulesCopy(scenario, 'custos-hot-reload-it-');
  const addedRuleFile = join(rulesDir, 'rate', 'hot-reload.yaml');
  const logLines: string[] = [];
  const logSink = { write: (line: string) => void logLines.push(line) };
  const kafka = testKafka(inject('kafkaBrokers'));
  const metrics = new Metrics(false);
  let monitor: Monitor;
  let ch: ClickHouseClient;
  const t0 = Date.now();
  // Each batch after the previous one in event time (no lateness), all within the 30m window.
  const before = Array.from({ length: N }, (_, i) => aliceRead(i, t0 - 6 * 60_000 + i * 5_000));
  const after = Array.from({ length: M }, (_, i) => aliceRead(N + i, t0 - 4 * 60_000 + i * 5_000));
  const afterRefused = Array.from({ length: K }, (_, i) => aliceRead(N + M + i, t0 - 2 * 60_000 + i * 5_000));

  const counter = async (c: Counter, labels: Record<string, string> = {}): Promise<number> =>
    (await c.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
  /** Until the batches holding `total` messages are fully stored (events, rejections and alerts: all inserts done). */
  const consumed = async (total: number): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while ((await counter(metrics.messagesConsumed)) < total) {
      if (Date.now() > deadline) throw new Error(`consumed ${await counter(metrics.messagesConsumed)}/${total} messages`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const aliceAlerts = () =>
    query<AlertRow>(ch, `SELECT alert_id, revision, rule_id, rule_version, observed, window_label, explanation FROM ${db}.alerts_latest WHERE actor_id = 'alice'`);
  const findingsOf = (a: AlertRow): Finding[] => (JSON.parse(a.explanation) as { findings: Finding[] }).findings;

  beforeAll(async () => {
    await createTopic(kafka, scenario.topic, 3);
    ch = testClickHouse();
    monitor = await Monitor.start({
      config,
      logger: createLogger('info', logSink),
      metrics,
      // No idle ticks during the test: only events move the engine.
      tickIntervalMs: 600_000,
    });
  });

  afterAll(async () => {
    await monitor?.stop();
    if (ch !== undefined) await dropSchema(ch, db);
    await ch?.close();
  });

  it('before the reload: alice`s N reads are stored and nothing fires; a ts 30m ahead is refused', async () => {
    await produce(kafka, scenario.topic, [...before, carolRead('carol-now', t0 - 60_000), carolRead('carol-future-1', t0 + 30 * 60_000)].map(asMessage));
    await consumed(N + 2);
    const [stored] = await query<{ n: string }>(ch, `SELECT count() AS n FROM ${db}.access_events_dedup WHERE actor_id = 'alice'`);
    expect(Number(stored?.n)).toBe(N);
    expect(await query(ch, `SELECT alert_id FROM ${db}.alerts`)).toEqual([]);
    const rejected = await query<{ event_id: string; reason: string }>(ch, `SELECT event_id, reason FROM ${db}.rejected_events`);
    expect(rejected).toEqual([{ event_id: 'carol-future-1', reason: 'invalid_timestamp' }]);
    const [carol] = await query<{ actor_department: string }>(ch, `SELECT actor_department FROM ${db}.access_events_dedup WHERE event_id = 'carol-now'`);
    expect(carol?.actor_department).toBe('analytics');
  });

  it('a rule added and reloaded judges the window kept from before the reload; the alert names its id and version', async () => {
    writeFileSync(addedRuleFile, addedRule(RULE_VERSION));
    // The same reload widens clock_skew (decode's future bound) and changes carol's department (enrichment).
    const settingsFile = join(rulesDir, 'settings.yaml');
    writeFileSync(settingsFile, readFileSync(settingsFile, 'utf8').replace(/^(\s*clock_skew:) 15m$/m, '$1 1h'));
    expect(readFileSync(settingsFile, 'utf8')).toMatch(/^\s*clock_skew: 1h$/m);
    const actorsFile = join(rulesDir, 'enrichment', 'actors.csv');
    writeFileSync(actorsFile, readFileSync(actorsFile, 'utf8').replace('carol,data_analyst,analytics,', 'carol,data_analyst,fraud_research,'));

    // reloadAll() returns nothing: outcomes are counted in metrics and logged.
    monitor.reloader.reloadAll();
    expect(await counter(metrics.reloads, { outcome: 'applied' })).toBe(2);
    expect(await counter(metrics.reloads, { outcome: 'refused' })).toBe(0);

    await produce(kafka, scenario.topic, [...after, carolRead('carol-future-2', t0 + 30 * 60_000 + 1_000)].map(asMessage));
    await consumed(N + 2 + M + 1);

    const [alert, ...more] = await aliceAlerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ rule_id: RULE_ID, rule_version: RULE_VERSION, window_label: '30m' });
    // The window holds the N customers read before the reload: M alone (15) is below L (30).
    expect(alert?.observed).toBe(N + M);
    const finding = findingsOf(alert as AlertRow).find((f) => f.rule_id === RULE_ID);
    expect(finding).toMatchObject({ rule_version: RULE_VERSION, observed: N + M });
    expect(findingsOf(alert as AlertRow).map((f) => f.rule_id)).toEqual([RULE_ID]);
    // It opened at the (L+1)th distinct customer, the (L+1-N)th read after the reload.
    const [opening] = await query<{ observed: number; event_ids: string[] }>(
      ch,
      `SELECT observed, event_ids FROM ${db}.alerts WHERE alert_id = '${alert?.alert_id}' AND revision = 1`,
    );
    expect(opening?.observed).toBe(L + 1);
    expect(opening?.event_ids).toEqual([`alice-hr-${L}`]);

    // clock_skew 1h: the event 30m ahead is now accepted, and enriched with the new directory row.
    const [carol] = await query<{ actor_department: string }>(ch, `SELECT actor_department FROM ${db}.access_events_dedup WHERE event_id = 'carol-future-2'`);
    expect(carol?.actor_department).toBe('fraud_research');
    expect(await query(ch, `SELECT event_id FROM ${db}.rejected_events WHERE event_id = 'carol-future-2'`)).toEqual([]);
    expect(monitor.engine.stats().futureDropped).toBe(0);
  });

  it('a broken rule file is refused and the last good rule set stays active', async () => {
    // The rule's next version, with a misspelt key: if it were applied, findings would say hr-8.
    writeFileSync(addedRuleFile, addedRule('hr-8', 'windwos'));
    monitor.reloader.reloadAll();
    expect(await counter(metrics.reloads, { outcome: 'refused' })).toBe(1);
    const refusal = logLines.map((l) => JSON.parse(l) as { msg: string; target?: string; problems?: { file: string; reason: string }[] }).find((l) => l.msg.startsWith('reload refused'));
    expect(refusal?.target).toBe('rules');
    expect(refusal?.problems?.some((p) => p.file.endsWith('hot-reload.yaml'))).toBe(true);

    await produce(kafka, scenario.topic, afterRefused.map(asMessage));
    await consumed(N + 2 + M + 1 + K);
    const [alert, ...more] = await aliceAlerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ rule_id: RULE_ID, rule_version: RULE_VERSION, observed: N + M + K });
    expect(findingsOf(alert as AlertRow).find((f) => f.rule_id === RULE_ID)).toMatchObject({ rule_version: RULE_VERSION, observed: N + M + K });
  });
});
