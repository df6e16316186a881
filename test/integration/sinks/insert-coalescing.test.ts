/**
 * Concurrent batches stored as one insert per table (insert-coalescer.ts),
 * against the real ClickHouse 18.16: every insert writes one part per table
 * (per month it spans) at merge level 0, and a merge never makes a level-0
 * part, so the level-0 parts system.parts lists (active or already merged
 * away) count the inserts. Runs on 18.16 only (not in CLICKHOUSE_TESTS'
 * modern project): what it counts is 18.16's parts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSinkError } from '../../../src/runtime/outputs/clickhouse/errors.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import type { OutputBatch } from '../../../src/model/batch.js';
import { activity, event, position, T0 } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** One partition's batch: `n` events, an activity row and its progress row. */
function batchOf(partition: number, n: number, tag: string): OutputBatch {
  const events = Array.from({ length: n }, (_, i) => ({
    event: event({ event_id: `${tag}-p${partition}-${i}`, actor_id: `emp-${tag}-${partition}`, ts: T0 + i }),
    position: position(String(1_000 + i), { partition }),
  }));
  return {
    events,
    alerts: [],
    rejected: [],
    activity: [activity({ actor_id: `emp-${tag}-${partition}` })],
    progress: [{ topic: 'access-events', partition, endOffset: String(1_000 + n - 1), maxTsMs: T0 + n - 1, events: n }],
  };
}

describe('one insert per table for concurrent batches (ClickHouse 18.16)', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 30, insertFormat: 'rowbinary' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** Level-0 parts per table so far: the inserts that wrote rows (one month each here). */
  async function insertParts(): Promise<Record<string, number>> {
    const rows = await db.rows<{ table: string; n: string }>(
      `SELECT table, toString(count()) AS n FROM system.parts WHERE database = '${db.database}' AND level = 0 GROUP BY table`,
    );
    return Object.fromEntries(rows.map((r) => [r.table, Number(r.n)]));
  }

  function delta(after: Record<string, number>, before: Record<string, number>, tables: readonly string[]): Record<string, number> {
    return Object.fromEntries(tables.map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)]));
  }

  const TABLES = ['access_events', 'actor_activity', 'partition_progress'] as const;

  it('stores the three announced batches of one fetch as one insert per table', async () => {
    const before = await insertParts();
    // As the batch handler does: every batch of the fetch announced first, then each
    // computes in its own turn of the event loop, writes, and withdraws its announcement.
    const announced = [0, 1, 2].map(() => store.expectWrite());
    const writes: Promise<unknown>[] = [];
    for (const [partition, release] of announced.entries()) {
      await turn();
      writes.push(store.writeBatch(batchOf(partition, 500 + partition, 'fetch')));
      release();
    }
    const results = await Promise.all(writes);
    expect(delta(await insertParts(), before, TABLES)).toEqual({ access_events: 1, actor_activity: 1, partition_progress: 1 });
    // Each batch still learns its own rows.
    expect(results.map((r) => (r as { rows: Record<string, number> }).rows.access_events)).toEqual([500, 501, 502]);
    const [stored] = await db.rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${db.database}.access_events WHERE event_id LIKE 'fetch-%'`);
    expect(Number(stored?.n)).toBe(1_503);
  });

  it('without announcements: what arrives while an insert is in flight goes together in the next one', async () => {
    const before = await insertParts();
    await Promise.all([0, 1, 2].map((p) => store.writeBatch(batchOf(p, 200, 'group'))));
    expect(delta(await insertParts(), before, TABLES)).toEqual({ access_events: 2, actor_activity: 2, partition_progress: 2 });
  });

  it('a lone batch goes at once, alone', async () => {
    const before = await insertParts();
    await store.writeBatch(batchOf(0, 10, 'lone'));
    expect(delta(await insertParts(), before, TABLES)).toEqual({ access_events: 1, actor_activity: 1, partition_progress: 1 });
  });

  it('a failed combined insert fails every batch in it; each one retried alone then stores', async () => {
    await db.client.command({ query: `RENAME TABLE ${db.database}.access_events TO ${db.database}.access_events_away` });
    const announced = [0, 1, 2].map(() => store.expectWrite());
    const batches = [0, 1, 2].map((p) => batchOf(p, 100, 'fail'));
    const writes: Promise<unknown>[] = [];
    for (const [i, release] of announced.entries()) {
      await turn();
      writes.push(store.writeBatch(batches[i] as OutputBatch));
      release();
    }
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const reasons = outcomes.map((o) => (o as PromiseRejectedResult).reason as unknown);
    for (const r of reasons) expect(r).toBeInstanceOf(ClickHouseSinkError);
    // The same insert failed them: one error, for its table.
    expect(new Set(reasons).size).toBe(1);
    expect((reasons[0] as ClickHouseSinkError).table).toBe('access_events');

    await db.client.command({ query: `RENAME TABLE ${db.database}.access_events_away TO ${db.database}.access_events` });
    for (const b of batches) await store.writeBatch(b);
    const [stored] = await db.rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${db.database}.access_events FINAL WHERE event_id LIKE 'fail-%'`);
    expect(Number(stored?.n)).toBe(300);
  });
});
