/**
 * `custos backtest --from-clickhouse` against a real server: a few hundred
 * events stored with ClickHouseStore.writeBatch (one terminated employee among
 * ordinary support work, some of it redelivered, activity buckets before the
 * range), then the range replayed in small chunks.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand, type BacktestCliOptions } from '../../../src/cli/backtest.js';
import type { Alert } from '../../../src/model/alert.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { readEventRange } from '../../../src/runtime/outputs/clickhouse/event-range.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { type PositionedEvent } from '../../../src/model/batch.js';
import { captureIo, readJson, tempDir } from '../../unit/backtest/support.js';
import { activity, event, position } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from '../sinks/clickhouse-test-db.js';

const MIN = 60_000;
const HOUR = 3_600_000;
// Not on an hour or day boundary: the buckets around it are still open at --since.
const SINCE = Date.parse('2026-03-11T06:30:00Z');
const DAY_START = Date.parse('2026-03-11T00:00:00Z');
const UNTIL = Date.parse('2026-03-12T00:00:00Z');
const INCIDENT_START = Date.parse('2026-03-11T14:00:00Z');
const INCIDENT_EVENTS = 20;
const RULE = 'policy.lifecycle.terminated-access';

let offset = 0;
const positioned = (e: EnrichedEvent): PositionedEvent => ({ event: e, position: position(String(offset++)) });

/** Support agents reading one customer each, every `everyMin` minutes from `from` for `hours`. */
function supportWork(from: number, hours: number, everyMin: number, prefix: string): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  const agents = ['emp-a1', 'emp-a2', 'emp-a3'];
  for (let t = from, i = 0; t < from + hours * HOUR; t += everyMin * MIN, i++) {
    const actor = agents[i % agents.length] as string;
    out.push(
      event({
        event_id: `${prefix}-${i}`,
        ts: t + (i % 7) * 1000,
        actor_id: actor,
        channel: 'support_console',
        ticket_id: `T-${i}`,
        record_refs: [`ref-${prefix}-${i}`],
        record_count: 1,
        actor: { ...event().actor, actor_id: actor, department: 'support' },
      }),
    );
  }
  return out;
}

const incident: EnrichedEvent[] = Array.from({ length: INCIDENT_EVENTS }, (_, i) =>
  event({
    event_id: `gone-${String(i).padStart(2, '0')}`,
    ts: INCIDENT_START + i * MIN,
    actor_id: 'emp-gone',
    channel: 'support_console',
    record_refs: [`ref-gone-${i}`],
    record_count: 1,
    actor: { ...event().actor, actor_id: 'emp-gone', employment_status: 'terminated' },
    network: { zone: 'vpn' },
  }),
);

const before = supportWork(SINCE - 10 * HOUR, 10, 5, 'before'); // 120 events, within the windows' reach
const inRange = supportWork(SINCE + 2 * HOUR, 10, 5, 'day'); // 120 events
const after = supportWork(UNTIL + HOUR, 2, 5, 'after'); // 24 events, outside the range
const inRangeCount = inRange.length + incident.length;

interface JsonReport {
  readonly events: { read: number; evaluated: number };
  readonly history: null | { activity_rows: number; unfinished_buckets_left_out: number; recent_events: number };
  readonly rule_sets: { alerts: { merges: number; alert: Alert }[] }[];
}

describe('backtest from ClickHouse', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 0 });
    const all = [...before, ...inRange, ...incident, ...after].map(positioned);
    const none = { alerts: [], rejected: [], activity: [] };
    await store.writeBatch({ ...none, events: all });
    // A redelivered part of the range: the dedup view counts it once.
    await store.writeBatch({ ...none, events: inRange.slice(0, 30).map(positioned) });
    await store.writeBatch({
      ...none,
      events: [],
      activity: [
        activity({ actor_id: 'emp-a1', granularity: 'hour', bucket_start: DAY_START + 3 * HOUR }),
        activity({ actor_id: 'emp-a2', granularity: 'hour', bucket_start: DAY_START + 4 * HOUR }),
        activity({ actor_id: 'emp-a1', granularity: 'day', bucket_start: DAY_START - 24 * HOUR }),
        // Still open at --since (06:30), stored later: they hold events of the range and must not seed baselines.
        activity({ actor_id: 'emp-a1', granularity: 'hour', bucket_start: DAY_START + 6 * HOUR }),
        activity({ actor_id: 'emp-a1', granularity: 'day', bucket_start: DAY_START }),
        // Starting after --since: not history at all.
        activity({ actor_id: 'emp-a1', granularity: 'hour', bucket_start: DAY_START + 9 * HOUR }),
      ],
    });
    env = {
      CUSTOS_CLICKHOUSE_URL: db.connection.url,
      CUSTOS_CLICKHOUSE_USERNAME: db.connection.username,
      CUSTOS_CLICKHOUSE_PASSWORD: db.connection.password,
      CUSTOS_CLICKHOUSE_DATABASE: db.database,
    };
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const options = (over: Partial<BacktestCliOptions> = {}): BacktestCliOptions => ({
    fromClickhouse: true,
    since: SINCE,
    until: UNTIL,
    defaultTimezone: 'UTC',
    history: true,
    rules: 'rules',
    chunkRows: 37,
    ...over,
  });

  it('replays the range in chunks and raises the incident alert, with baselines seeded from before --since', async () => {
    const io = captureIo(env);
    const json = join(tempDir(), 'alerts.json');
    expect(await backtestCommand(options({ json }), io)).toBe(0);
    const report = readJson<JsonReport>(json);

    // Exactly the range, each event once (redeliveries collapsed, neighbours outside left out).
    expect(report.events.read).toBe(inRangeCount);
    expect(report.events.evaluated).toBe(inRangeCount);

    const alerts = report.rule_sets[0]?.alerts.filter((a) => a.alert.rule_id === RULE) ?? [];
    expect(alerts).toHaveLength(1);
    const [{ alert, merges }] = alerts as [{ merges: number; alert: Alert }];
    expect(alert.actor_id).toBe('emp-gone');
    expect(alert.severity).toBe('critical');
    expect(alert.first_event_ts).toBe(INCIDENT_START);
    expect(alert.event_count).toBe(INCIDENT_EVENTS);
    expect(merges).toBe(INCIDENT_EVENTS - 1);
    // The ready-to-run query names the database the events came from.
    expect(alert.query).toContain(db.database);

    // Buckets that ended before --since seed the baselines; the one still open then does not.
    expect(report.history).toMatchObject({ activity_rows: 3, unfinished_buckets_left_out: 2, recent_events: before.length });
    expect(io.stdout()).toContain(`history: 3 activity buckets ended before --since, ${before.length} recent events for the windows; 2 buckets still open at --since left out`);
    expect(io.stdout()).toMatch(new RegExp(`${new Date(INCIDENT_START).toISOString()}\\s+critical\\s+policy\\.lifecycle\\.terminated-access\\s+emp-gone\\s`));
  });

  it('starts from empty baselines with --no-history', async () => {
    const io = captureIo(env);
    const json = join(tempDir(), 'cold.json');
    expect(await backtestCommand(options({ history: false, json }), io)).toBe(0);
    expect(readJson<JsonReport>(json).history).toBeNull();
    expect(io.stdout()).toContain('history: none (--no-history)');
    expect(readJson<JsonReport>(json).rule_sets[0]?.alerts.filter((a) => a.alert.rule_id === RULE)).toHaveLength(1);
  });

  it('pages through rows sharing one timestamp without losing or repeating any', async () => {
    const ts = Date.parse('2026-04-02T12:00:00.123Z');
    // 90 events at the same millisecond. Two actors share the event id tie-24: in key order
    // (ts_ms, event_id, actor_id) they are rows 25 and 26, on both sides of the first chunk boundary.
    const same = Array.from({ length: 90 }, (_, i) =>
      i < 89
        ? event({ event_id: `tie-${String(i).padStart(2, '0')}`, ts, actor_id: 'emp-tie', record_refs: [`r-${i}`], record_count: 1 })
        : event({ event_id: 'tie-24', ts, actor_id: 'emp-other', record_refs: ['r-x'], record_count: 1 }),
    );
    await store.writeBatch({ events: same.map(positioned), alerts: [], rejected: [], activity: [] });
    const got: string[] = [];
    const counters = { rows: 0, skippedRows: 0, chunks: 0 };
    for await (const chunk of readEventRange(store.client, db.database, { fromMs: ts, untilMs: ts + 1, chunkRows: 25 }, counters)) {
      for (const e of chunk) got.push(`${e.event_id}/${e.actor_id}`);
    }
    const expected = same.map((e) => `${e.event_id}/${e.actor_id}`).sort();
    expect(expected.slice(24, 26)).toEqual(['tie-24/emp-other', 'tie-24/emp-tie']);
    expect(got).toEqual(expected);
    expect(counters.chunks).toBe(4);
  });
});
