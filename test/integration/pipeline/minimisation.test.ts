/**
 * Minimisation (issue 11, finding 5) against the real Kafka and ClickHouse: with
 * the default settings, what access_events holds of source_ip, user_agent and
 * session_id is coarser than what the producer sent, while the network zone is
 * still resolved from the full address; a field set to `dropped` is not stored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Monitor } from '../../../src/runtime/app/monitor.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, produce, testKafka } from '../../support/kafka.js';
import { asMessage, benignRead, newScenario, withRulesCopy, type WireEvent } from './fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';
const SESSION = 'sess-7f3a9c-live-token';

interface StoredOptional { event_id: string; source_ip: string | null; user_agent: string | null; session_id: string | null; network_zone: string }

async function runScenario(prefix: string, overrides: Record<string, string>, events: WireEvent[]): Promise<StoredOptional[]> {
  const scenario = newScenario(prefix);
  const { rulesDir, config } = withRulesCopy(scenario, prefix);
  // A zone of one address ahead of the office /16: only the full address resolves to it.
  const zonesFile = join(rulesDir, 'enrichment', 'zones.yaml');
  writeFileSync(zonesFile, readFileSync(zonesFile, 'utf8').replace('zones:\n', 'zones:\n  - name: jump_host\n    cidrs: [10.10.4.20/32]\n'));
  const kafka = testKafka(inject('kafkaBrokers'));
  await createTopic(kafka, scenario.topic, 1);
  const ch: ClickHouseClient = testClickHouse();
  const monitor = await Monitor.start({
    config: { ...config, ...(overrides as object) },
    logger: createLogger('warn'),
    metrics: new Metrics(false),
  });
  try {
    await produce(kafka, scenario.topic, events.map(asMessage));
    return await pollQuery<StoredOptional>(
      ch,
      `SELECT event_id, source_ip, user_agent, session_id, network_zone FROM ${scenario.database}.access_events_dedup ORDER BY event_id`,
      (rows) => rows.length === events.length,
    );
  } finally {
    await monitor.stop();
    await dropSchema(ch, scenario.database);
    await ch.close();
  }
}

describe('optional fields are minimised before they are stored', () => {
  const now = Date.now();
  const events: WireEvent[] = [
    { ...benignRead(1, now - 120_000), user_agent: CHROME, session_id: SESSION },
    { ...benignRead(2, now - 60_000), source_ip: '2001:db8:85a3:1234::8a2e:370:7334', user_agent: 'curl/8.4.0', session_id: SESSION },
  ];
  let defaults: StoredOptional[] = [];
  let dropped: StoredOptional[] = [];

  beforeAll(async () => {
    defaults = await runScenario('minimise-default', {}, events);
    dropped = await runScenario('minimise-dropped', { 'minimise.source_ip': 'dropped', 'minimise.user_agent': 'dropped', 'minimise.session_id': 'dropped' }, events);
  });

  it('by default stores the /24 or /48, the user agent family and a session pseudonym; the zone comes from the full address', () => {
    expect(defaults).toHaveLength(2);
    const [v4, v6] = defaults;
    expect(v4).toMatchObject({ source_ip: '10.10.4.0/24', user_agent: 'Chrome/120', network_zone: 'jump_host' });
    expect(v6).toMatchObject({ source_ip: '2001:db8:85a3::/48', user_agent: 'curl/8' });
    // Both events of the session carry the same pseudonym, never the token.
    expect(v4?.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(v6?.session_id).toBe(v4?.session_id);
    expect(JSON.stringify(defaults)).not.toContain(SESSION);
    expect(JSON.stringify(defaults)).not.toContain('10.10.4.20');
  });

  it('stores nothing of a field set to dropped, and still resolves the zone', () => {
    expect(dropped.map((r) => [r.source_ip, r.user_agent, r.session_id])).toEqual([[null, null, null], [null, null, null]]);
    expect(dropped[0]?.network_zone).toBe('jump_host');
  });
});
