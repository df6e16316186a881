/**
 * `custos check --from-clickhouse` (issue 12): a sample of stored events, as
 * the monitor stored them (decoded with the pseudonym key, enriched and
 * minimised under the files of their day: here the shipped example
 * organisation), judged by the files as they are now (the sample
 * organisation of test/fixtures/adapting). Runs on 18.16 (escaped values) and
 * on the current engine (query parameters), as part of both ClickHouse projects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/cli/check.js';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { createEnricher } from '../../../src/runtime/enrich/enricher.js';
import { loadEnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { createOptionalFieldMinimiser, DEFAULT_MINIMISATION } from '../../../src/privacy/minimise.js';
import { position } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const RULES = 'test/fixtures/adapting/rules';
const KEY = 'a-test-pseudonym-key-of-32-characters!';
const SECRET_CUSTOMER = 'cust-SECRET-0042';
const HOUR = 3_600_000;
const NOW = Date.now();

let n = 0;
const wire = (over: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify({ event_id: `e-${++n}`, ts: NOW - n * 60_000, action: 'read', resource_type: 'customer', channel: 'support_console', source_ip: '192.168.40.10', fields: ['name', 'email'], record_ids: [SECRET_CUSTOMER], ...over }),
  );

describe('custos check --from-clickhouse', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = testDatabase();
    const store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 0 });
    // The monitor's path: decode (pseudonyms), enrich under the files of the day, minimise the optional fields.
    const decode = createDecoder({ pseudonymKey: KEY, maxMessageBytes: 1_048_576 });
    const then = loadEnrichmentTables({ directoryFile: 'rules/enrichment/actors.csv', zonesFile: 'rules/enrichment/zones.yaml', fieldsFile: 'rules/enrichment/fields.yaml', calendarFile: 'rules/enrichment/calendar.yaml', defaultTimezone: 'UTC' });
    const minimised = createEnricher(then, createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY));
    const pseudonymisedIp = createEnricher(then, createOptionalFieldMinimiser({ ...DEFAULT_MINIMISATION, source_ip: 'pseudonymised' }, KEY));
    const stored = [
      [minimised, wire({ actor_id: 'sa-anna', ticket_id: 'HD-1' })],
      [minimised, wire({ actor_id: 'sa-anna' })], // no ticket
      [minimised, wire({ actor_id: 'ghost-1', ticket_id: 'HD-2' })], // in neither directory
      [minimised, wire({ actor_id: 'an-dora', action: 'search', resource_type: 'order', channel: 'sql', source_ip: '203.0.113.7', fields: ['order_id', 'loyalty_points'] })],
      [minimised, wire({ actor_id: 'en-gus', resource_type: 'order', channel: 'sql', source_ip: null, fields: ['order_id'] })],
      [pseudonymisedIp, wire({ actor_id: 'sa-ben', ticket_id: 'HD-3' })],
      // Three days old: outside the default range (the last 24 hours).
      [minimised, wire({ actor_id: 'old-actor', ticket_id: 'HD-4', ts: NOW - 72 * HOUR })],
    ] as const;
    const events = stored.map(([enrich, value], i) => {
      const r = decode(value);
      if (!r.ok) throw new Error(`fixture ${i} does not decode: ${r.rejection.reason}`);
      return { event: enrich(r.event), position: position(String(i)) };
    });
    try {
      await store.writeBatch({ events, alerts: [], rejected: [], activity: [] });
    } finally {
      await store.close();
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  const check = async (o: { limit?: number; since?: number; until?: number }, over: Record<string, string> = {}) => {
    let out = '';
    const env = {
      CUSTOS_RULES_DIR: RULES,
      CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092',
      CUSTOS_PSEUDONYM_KEY: KEY,
      CUSTOS_CLICKHOUSE_URL: db.connection.url,
      CUSTOS_CLICKHOUSE_USERNAME: db.connection.username,
      CUSTOS_CLICKHOUSE_PASSWORD: db.connection.password,
      CUSTOS_CLICKHOUSE_DATABASE: db.database,
      ...over,
    };
    const code = await checkCommand({ now: NOW, fromClickhouse: true, ...o }, { out: (t) => (out += t), env });
    return { code, out };
  };

  it('judges the stored events of the last 24 hours by the current files, with each policy rule\'s share', async () => {
    const { code, out } = await check({});
    const where = `ClickHouse ${db.database}.access_events_dedup`;
    expect(out).toMatch(new RegExp(`events: ${where}, .* to .*: the newest 6 events, enriched again with the current files\\n`));
    // Stored as unknown under the shipped directory; known now: only ghost-1 is left.
    expect(out).toContain(`warning: ${where}: 1 actor not in the directory (1 event, 16.7 %): ghost-1 1; they are enriched as role unknown: add them to ${RULES}/enrichment/actors.csv`);
    // Zones resolved again from the stored /24 networks (192.168.40.0/24 is in hq's /22 now).
    expect(out).toContain(`warning: ${where}: 1 event (16.7 %) from addresses in no zone, by network: 203.0.113.0/24 1; add the ranges to ${RULES}/enrichment/zones.yaml`);
    // Gus's event came without an address; Ben's address was stored as a pseudonym: both keep the zone they were
    // stored with, which the shipped zones (10.x ranges) made unknown.
    expect(out).toContain(`warning: ${where}: 2 events (33.3 %) without a stored address (no source_ip, or one pseudonymised or dropped), in the zone unknown they were stored with`);
    expect(out).toContain(`warning: ${where}: 2 of 6 events (33.3 %) keep the zone stored with them`);
    expect(out).toContain(`fields the fields file does not list, by events carrying them (class identity by default): loyalty_points 1`);
    const share = (rule: string) => out.split('\n').find((l) => l.startsWith(`${rule} `))?.trim().split(/\s+/).slice(1).join(' ');
    expect(share('policy.accounts.unknown-actor')).toBe('1 16.7 %');
    expect(share('policy.purpose.customer-read-without-ticket')).toBe('1 16.7 %');
    expect(share('policy.lifecycle.terminated-access')).toBe('0 0.0 %');
    // Dora's address and the two without one.
    expect(share('policy.need-to-know.zone')).toBe('3 50.0 %');
    expect(code).toBe(0);
    // Never a customer id, nor a pseudonym of one, nor the old actor outside the range.
    expect(out).not.toContain(SECRET_CUSTOMER);
    expect(out).not.toMatch(/[0-9a-f]{32}/);
    expect(out).not.toContain('old-actor');
  });

  it('--since widens the range; --limit keeps the newest events', async () => {
    const wide = await check({ since: NOW - 96 * HOUR, until: NOW + 1 });
    expect(wide.out).toContain('the newest 7 events');
    expect(wide.out).toContain('old-actor 1');
    const newest = await check({ limit: 2 });
    expect(newest.out).toContain('the newest 2 events (--limit 2)');
    // The two newest are Anna's: nobody is missing from the directory among them.
    expect(newest.out).not.toContain('not in the directory');
  });

  it('reports a server it cannot read as an error of the check, naming what failed', async () => {
    const { code, out } = await check({}, { CUSTOS_CLICKHOUSE_DATABASE: `${db.database}_none` });
    expect(out).toContain(`error: ClickHouse ${db.database}_none.access_events_dedup: CUSTOS_CLICKHOUSE:`);
    expect(code).not.toBe(0);
  });
});
