/**
 * Retention is enforced on every table, on both kinds of server: rows past
 * their table's retention disappear and recent rows stay. On a server with TTL
 * (the clickhouse-modern project) by the tables' TTLs, which follow a changed
 * setting; on one without (18.16, the integration project) by custos dropping
 * expired months and deleting expired rows itself (store.enforceRetention).
 * Fixtures are dated relative to the wall clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { RETAINED_TABLES } from '../../../src/runtime/outputs/clickhouse/ddl.js';
import { ClickHouseStore, type ClickHouseStoreOptions } from '../../../src/runtime/outputs/clickhouse/store.js';
import type { OutputBatch } from '../../../src/model/batch.js';
import { activity, alert, event, position, rejected, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const DAY = 86_400_000;
const NOW = Date.now();
/** Three months back: a whole month past a 30-day retention, whatever today's date. */
const OLD = NOW - 92 * DAY;
const RECENT = NOW - DAY;

function batchAt(ts: number, tag: string): OutputBatch {
  return {
    events: [{ event: event({ event_id: `${tag}-event`, actor_id: `emp-${tag}`, ts }), position: position(tag === 'old' ? '1' : '2') }],
    alerts: [update(alert({ alert_id: `${tag}-alert`, actor_id: `emp-${tag}`, first_event_ts: ts - 60_000, last_event_ts: ts, window_start: ts - 300_000, window_end: ts }), true)],
    rejected: [rejected({ offset: tag === 'old' ? '1' : '2', received_at: ts })],
    activity: [activity({ actor_id: `emp-${tag}`, bucket_start: Math.floor(ts / 3_600_000) * 3_600_000 })],
    progress: [{ topic: 'access-events', partition: 0, endOffset: tag === 'old' ? '1' : '2', maxTsMs: ts, events: 1 }],
  };
}

/** Rows per table, by age. */
async function counts(db: TestDatabase): Promise<Record<string, { old: number; recent: number }>> {
  const out: Record<string, { old: number; recent: number }> = {};
  const column: Record<string, string> = {
    access_events: 'ts', rejected_events: 'received_at', alerts: 'last_event_ts', alert_notifications: 'stored_at',
    alert_deliveries: 'updated_at', actor_activity: 'bucket_start', partition_progress: 'stored_at',
  };
  const middle = Math.floor((NOW - 30 * DAY) / 1000);
  for (const table of RETAINED_TABLES) {
    const [row] = await db.rows<{ old: string; recent: string }>(
      `SELECT countIf(${column[table]} < toDateTime(${middle})) AS old, countIf(${column[table]} >= toDateTime(${middle})) AS recent FROM ${db.database}.${table}`,
    );
    out[table] = { old: Number(row?.old), recent: Number(row?.recent) };
  }
  return out;
}

async function settle(db: TestDatabase, store: ClickHouseStore, done: (c: Record<string, { old: number; recent: number }>) => boolean): Promise<Record<string, { old: number; recent: number }>> {
  let last = await counts(db);
  // A deadline rather than a count of rounds: on a loaded machine one OPTIMIZE round can take seconds.
  const deadline = Date.now() + 150_000;
  while (!done(last) && Date.now() < deadline) {
    if (store.schema.features.ttl) {
      // TTL deletes at merges; ClickHouse schedules them itself (merge_with_ttl_timeout), a test asks for one now.
      for (const table of RETAINED_TABLES) await db.client.command({ query: `OPTIMIZE TABLE ${db.database}.${table} FINAL` });
    }
    await new Promise((r) => setTimeout(r, 250));
    last = await counts(db);
  }
  return last;
}

describe('retention on every table', () => {
  let db: TestDatabase;
  const opened: ClickHouseStore[] = [];
  const open = async (at: number, options: Partial<ClickHouseStoreOptions>) => {
    const store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 400, clock: new ManualClock(at), ...options });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    db = testDatabase();
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await db?.drop();
  });

  it('rows past retention are gone from every table, recent rows stay; a per-table setting keeps its table', async () => {
    // Stored under a 400-day retention: everything stays.
    const then = await open(OLD, {});
    await then.writeBatch(batchAt(OLD, 'old'));
    await then.deliveryOutbox().recordDeliveries([{ alert_id: 'old-alert', revision: 1, endpoint_id: 'ep_1', endpoint_origin: 'https://soc.example', status: 'delivered', attempts: 1, last_http_status: 200, last_error: '', updated_at_ms: OLD }]);
    const now = await open(NOW, {});
    await now.writeBatch(batchAt(RECENT, 'recent'));
    await now.deliveryOutbox().recordDeliveries([{ alert_id: 'recent-alert', revision: 1, endpoint_id: 'ep_1', endpoint_origin: 'https://soc.example', status: 'delivered', attempts: 1, last_http_status: 200, last_error: '', updated_at_ms: RECENT }]);
    const before = await counts(db);
    for (const table of RETAINED_TABLES) expect(before[table], table).toEqual({ old: 1, recent: 1 });

    // Restarted with 30 days for every table but actor_activity (kept forever).
    const store = await open(NOW, { retentionDays: 30, retention: { actor_activity: 0 } });
    const results = await store.enforceRetention();
    if (store.schema.features.ttl) {
      expect(results).toEqual([]);
    } else {
      const month = new Date(OLD).toISOString().slice(0, 7).replace('-', '');
      expect(results.find((r) => r.table === 'access_events')?.droppedPartitions).toEqual([month]);
      expect(results.find((r) => r.table === 'alerts')?.deletedRows).toBe(1);
      expect(results.some((r) => r.table === 'actor_activity')).toBe(false);
    }
    const expired = RETAINED_TABLES.filter((t) => t !== 'actor_activity');
    const after = await settle(db, store, (c) => expired.every((t) => c[t]?.old === 0));
    for (const table of expired) expect(after[table], table).toEqual({ old: 0, recent: 1 });
    expect(after.actor_activity).toEqual({ old: 1, recent: 1 });
    // A second run finds nothing more to do.
    const again = await store.enforceRetention();
    expect(again.flatMap((r) => [...r.droppedPartitions, ...(r.deletedRows > 0 ? [r.table] : [])])).toEqual([]);
  });
});
