/**
 * Where the server has query parameters, no untrusted value is SQL text: every
 * query custos runs for restore, eviction rebuilds, the webhook outbox, the
 * backtest range and the schema check carries actor ids, topics, event ids and
 * endpoint ids as `param_*` values. Checked on what the server received (the
 * chDB front end's request log), so it runs in the clickhouse-modern project;
 * on a server without parameters (18.16) escaping applies and
 * clickhouse-escape.test.ts covers it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { readEventRange } from '../../../src/runtime/outputs/clickhouse/event-range.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { alert, event, position, T0, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const HOUR = 3_600_000;
const queryLog = inject('clickhouseQueryLog' as never) as string | undefined;

interface LoggedRequest {
  readonly query: string;
  readonly params: Record<string, string>;
}

describe.skipIf(!queryLog)('untrusted values travel as query parameters on a current server', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;
  const marker = `mark${Date.now().toString(36)}`;
  const actor = `${marker}-actor' OR 1=1 --`;
  const topic = `${marker}-topic`;
  const endpoint = `${marker}-endpoint`;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 30, clock: new ManualClock(T0 + 60_000) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('restore, rebuild, outbox, backtest range and schema queries send no marker in their text', async () => {
    const e = event({ event_id: `${marker}-event`, actor_id: actor, ts: T0 - 60_000 });
    const a = alert({ alert_id: `${marker}-alert`, actor_id: actor, last_event_ts: T0 - 60_000 });
    await store.writeBatch({
      events: [{ event: e, position: position('7', { topic }) }],
      alerts: [update(a, true, position('7', { topic }))],
      rejected: [],
      activity: [],
      progress: [{ topic, partition: 0, endOffset: '7', maxTsMs: e.ts, events: 1 }],
    });
    const q = { now: T0 + 60_000, recentWindowMs: HOUR, activityLookbackMs: HOUR, openAlertMaxAgeMs: HOUR, maxRecentEvents: 100 };
    const restored = await store.loadHistory({ ...q, partition: { topic, partition: 0, committedOffset: '8' } });
    expect(restored.recentEvents.map((x) => x.event_id)).toEqual([e.event_id]);
    expect(restored.alerts.map((x) => x.alert.alert_id)).toEqual([a.alert_id]);
    await store.loadHistory({ ...q, include: { activity: true, alerts: false, events: false }, topic });
    const rebuilt = await store.loadActorState({ actorIds: [actor], now: q.now, recentWindowMs: HOUR, activityLookbackMs: HOUR, maxRecentEvents: 100 });
    expect(rebuilt.recentEvents.map((x) => x.actor_id)).toEqual([actor]);
    const owed = await store.deliveryOutbox().findUndelivered({ endpointId: endpoint, sinceMs: 0, severities: ['high'], limit: 10, closings: false });
    expect(owed.map((n) => n.alert.alert_id)).toContain(a.alert_id);
    const chunks: string[] = [];
    for await (const chunk of readEventRange(store.client, db.database, { fromMs: T0 - HOUR, untilMs: T0 + HOUR, chunkRows: 1 })) {
      chunks.push(...chunk.map((x) => x.event_id));
    }
    expect(chunks).toContain(e.event_id);

    const requests = readFileSync(queryLog as string, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const reads = requests.filter((r) => /^\s*SELECT/i.test(r.query) && r.query.includes(db.database));
    expect(reads.length).toBeGreaterThan(8);
    // Inserts carry rows as data (JSONEachRow); no query text holds the marker.
    const inText = requests.filter((r) => !/^\s*INSERT/i.test(r.query) && r.query.includes(marker));
    expect(inText.map((r) => r.query.slice(0, 200))).toEqual([]);
    const bound = reads.filter((r) => Object.values(r.params).some((v) => v.includes(marker)));
    expect(bound.length).toBeGreaterThan(6);
    // The schema check's database name is a parameter too.
    expect(requests.some((r) => r.query.includes('system.columns') && Object.values(r.params).includes(db.database))).toBe(true);
  });
});
