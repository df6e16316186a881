/**
 * What a restore of one partition reads back from the real ClickHouse: the
 * partition's own anchor (not the newest event of any partition, not a window
 * around the wall clock), and exactly what the batches below its committed
 * offset stored: their events, and each alert at the revision they left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { type PartitionProgress } from '../../../src/model/batch.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { activity, alert, event, position, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOPIC = 'access-events';
const NO_BATCH = { events: [], alerts: [], rejected: [], activity: [] };
// Eight months before the wall clock of the restore: a backlog far older than any look-back.
const NOW = Date.now();
const T = NOW - 240 * DAY;

const query = { now: NOW, recentWindowMs: 25 * HOUR, openAlertMaxAgeMs: 25 * HOUR, activityLookbackMs: 7 * DAY, maxRecentEvents: 10_000 };

function stored(partition: number, offsets: readonly number[], ts: (offset: number) => number, actor: string) {
  return offsets.map((o) => ({
    event: event({ event_id: `p${partition}-${o}`, actor_id: actor, ts: ts(o), record_refs: [`ref-${partition}-${o}`] }),
    position: position(String(o), { topic: TOPIC, partition }),
  }));
}

function progress(partition: number, endOffset: number, maxTsMs: number, events: number): PartitionProgress {
  return { topic: TOPIC, partition, endOffset: String(endOffset), maxTsMs, events };
}

describe('partition restore history', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 0, clock: new ManualClock(NOW) });
    // Partition 0 is current (in its own, eight-month-old time); partition 1 is two days behind it.
    const p0 = stored(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], (o) => T - HOUR + o * 60_000, 'emp-ahead');
    const p1 = stored(1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], (o) => T - 2 * DAY - HOUR + o * 60_000, 'emp-behind');
    // Two batches per partition: offsets 0-4 and 5-9.
    await store.writeBatch({ ...NO_BATCH, events: [...p0.slice(0, 5), ...p1.slice(0, 5)], progress: [progress(0, 4, T - HOUR + 4 * 60_000, 5), progress(1, 4, T - 2 * DAY - HOUR + 4 * 60_000, 5)] });
    await store.writeBatch({ ...NO_BATCH, events: [...p0.slice(5), ...p1.slice(5)], progress: [progress(0, 9, T - HOUR + 9 * 60_000, 5), progress(1, 9, T - 2 * DAY - HOUR + 9 * 60_000, 5)] });
    // The behind actor's alert: revision 1 by the first batch, revision 2 by the second.
    const r1 = alert({ alert_id: 'al-behind', actor_id: 'emp-behind', revision: 1, first_event_ts: T - 2 * DAY - HOUR, last_event_ts: T - 2 * DAY - HOUR + 4 * 60_000 });
    const r2 = { ...r1, revision: 2, event_count: 7, last_event_ts: T - 2 * DAY - HOUR + 9 * 60_000 };
    await store.writeBatch({ ...NO_BATCH, alerts: [update(r1, true, position('4', { topic: TOPIC, partition: 1 })), update(r2, false, position('9', { topic: TOPIC, partition: 1 }))] });
    // Baselines: the behind actor's history of six days before its own events, and the ahead actor's last hour.
    await store.writeBatch({ ...NO_BATCH, activity: [activity({ actor_id: 'emp-behind', bucket_start: T - 8 * DAY }), activity({ actor_id: 'emp-ahead', bucket_start: T - 2 * HOUR })] });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('anchors each partition on its own newest stored event, however old and however far behind the others', async () => {
    const behind = await store.loadHistory({ ...query, partition: { topic: TOPIC, partition: 1, committedOffset: '10' } });
    expect(behind.anchorMs).toBe(T - 2 * DAY - HOUR + 9 * 60_000);
    expect(behind.recentEvents.map((e) => e.event_id)).toEqual(['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4', 'p1-5', 'p1-6', 'p1-7', 'p1-8', 'p1-9']);
    expect(behind.alerts.map((a) => `${a.alert.alert_id}.${a.alert.revision}`)).toEqual(['al-behind.2']);

    const ahead = await store.loadHistory({ ...query, partition: { topic: TOPIC, partition: 0, committedOffset: '10' } });
    expect(ahead.anchorMs).toBe(T - HOUR + 9 * 60_000);
    expect(ahead.recentEvents.map((e) => e.event_id)).toHaveLength(10);
    expect(ahead.recentEvents.every((e) => e.actor_id === 'emp-ahead')).toBe(true);
    expect(ahead.alerts).toEqual([]);
  });

  it('restores as of the committed offset: a batch stored but not committed is left to the replay', async () => {
    const h = await store.loadHistory({ ...query, partition: { topic: TOPIC, partition: 1, committedOffset: '5' } });
    expect(h.anchorMs).toBe(T - 2 * DAY - HOUR + 4 * 60_000);
    expect(h.recentEvents.map((e) => e.event_id)).toEqual(['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4']);
    // The revision the committed batch left, with its engine state.
    expect(h.alerts.map((a) => `${a.alert.alert_id}.${a.alert.revision}`)).toEqual(['al-behind.1']);
    expect(h.alerts[0]?.state?.revision).toBe(1);

    const nothingCommitted = await store.loadHistory({ ...query, partition: { topic: TOPIC, partition: 1, committedOffset: '0' } });
    expect(nothingCommitted.recentEvents).toEqual([]);
    expect(nothingCommitted.alerts).toEqual([]);
  });

  it('anchors the baselines on the partition furthest behind, so its actors find their history', async () => {
    const h = await store.loadHistory({ ...query, include: { activity: true, alerts: false, events: false }, topic: TOPIC });
    expect(h.anchorMs).toBe(T - 2 * DAY - HOUR + 9 * 60_000);
    expect(h.activity.map((a) => a.actor_id).sort()).toEqual(['emp-ahead', 'emp-behind']);
  });
  it('streams the events in offset order, each event once at its first offset, and caps to the newest', async () => {
    // Offsets in the reverse order of event time (a producer's retries reordered them), and one
    // event delivered twice (offsets 3 and 6): the engine evaluated it at offset 3.
    const ids = ['p2-0', 'p2-1', 'p2-2', 'p2-dup', 'p2-4', 'p2-5', 'p2-dup', 'p2-7'];
    const events = ids.map((id, o) => ({
      event: event({ event_id: id, actor_id: 'emp-reordered', ts: id === 'p2-dup' ? T - 30 * 60_000 : T - o * 60_000, record_refs: [`ref-2-${id}`] }),
      position: position(String(o), { topic: TOPIC, partition: 2 }),
    }));
    await store.writeBatch({ ...NO_BATCH, events, progress: [progress(2, 7, T, 8)] });
    const scope = { topic: TOPIC, partition: 2, committedOffset: '8' };
    const read = async (maxRecentEvents: number) => {
      const opened = await store.openPartitionHistory({ ...query, maxRecentEvents, partition: scope }, 2);
      const chunks: string[][] = [];
      for await (const chunk of opened.recentEvents) chunks.push(chunk.map((e) => e.event_id));
      return { capped: opened.recentEventsCapped, ids: chunks.flat(), chunks };
    };
    const all = await read(100);
    expect(all).toMatchObject({ capped: false, ids: ['p2-0', 'p2-1', 'p2-2', 'p2-dup', 'p2-4', 'p2-5', 'p2-7'] });
    expect(all.chunks.every((c) => c.length > 0)).toBe(true);
    // The collected form is the same read.
    expect((await store.loadHistory({ ...query, partition: scope })).recentEvents.map((e) => e.event_id)).toEqual(all.ids);
    // Capped to the newest three by offset: 7, 6 (the duplicate's later delivery) and 5.
    expect(await read(3)).toMatchObject({ capped: true, ids: ['p2-5', 'p2-dup', 'p2-7'] });
    expect(await read(7)).toMatchObject({ capped: false, ids: all.ids });
  });
});
