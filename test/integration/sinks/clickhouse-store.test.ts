import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { ClickHouseSinkError } from '../../../src/runtime/outputs/clickhouse/errors.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { storedAlert } from '../../../src/runtime/outputs/clickhouse/events-query.js';
import { activity, alert, event, position, rejected, T0, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const HOUR = 3_600_000;
const NO_BATCH = { events: [], alerts: [], rejected: [], activity: [] };

describe('ClickHouseStore against a real server', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;
  const clock = new ManualClock(T0 + 60_000);

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 30, clock });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('stores times exactly: DateTime(UTC) seconds and epoch ms, whatever the server time zone', async () => {
    // The last millisecond of the previous month: recent enough for any retention, and a month boundary.
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const e = event({ event_id: 'time-1', ts: monthStart - 1 });
    const last = new Date(monthStart - 1);
    await store.writeBatch({ ...NO_BATCH, events: [{ event: e, position: position('1') }] });
    const [row] = await db.rows<{ ts: string; unix: number | string; ts_ms: string; month: number | string }>(
      `SELECT ts, toUnixTimestamp(ts) AS unix, ts_ms, toYYYYMM(ts) AS month FROM ${db.database}.access_events WHERE event_id = 'time-1'`,
    );
    expect(row?.ts).toBe(last.toISOString().slice(0, 19).replace('T', ' '));
    expect(Number(row?.unix)).toBe(Math.floor(e.ts / 1000));
    expect(Number(row?.ts_ms)).toBe(e.ts);
    expect(Number(row?.month)).toBe(last.getUTCFullYear() * 100 + last.getUTCMonth() + 1);
  });

  it('stores a Kafka offset beyond 2^53 with every digit', async () => {
    await store.writeBatch({ ...NO_BATCH, events: [{ event: event({ event_id: 'big-offset', ts: T0 - 20 * 24 * HOUR }), position: position('18446744073709551615') }] });
    const [row] = await db.rows<{ o: string }>(`SELECT toString(source_offset) AS o FROM ${db.database}.access_events WHERE event_id = 'big-offset'`);
    expect(row?.o).toBe('18446744073709551615');
  });

  it('round-trips events, deduplicates redeliveries and keeps the newest when capped', async () => {
    const base = T0 - 10 * 60_000;
    const events = Array.from({ length: 5 }, (_, i) => ({
      event: event({ event_id: `rt-${i}`, ts: base + i * 1000, actor_id: 'emp-rt', channel: i % 2 ? null : 'api', record_refs: [`ref-${i}`] }),
      position: position(String(1000 + i), { partition: 2 }),
    }));
    await store.writeBatch({ ...NO_BATCH, events });
    await store.writeBatch({ ...NO_BATCH, events: events.slice(0, 3) }); // a redelivered batch

    const q = { now: T0, recentWindowMs: HOUR, activityLookbackMs: HOUR, openAlertMaxAgeMs: HOUR };
    const all = await store.loadHistory({ ...q, maxRecentEvents: 1000 });
    const mine = all.recentEvents.filter((e) => e.actor_id === 'emp-rt');
    expect(mine.map((e) => e.event_id)).toEqual(['rt-0', 'rt-1', 'rt-2', 'rt-3', 'rt-4']);
    expect(mine[1]).toEqual(events[1]?.event);
    expect(all.recentEventsCapped).toBe(false);

    const capped = await store.loadHistory({ ...q, maxRecentEvents: 2 });
    expect(capped.recentEvents.map((e) => e.event_id)).toEqual(['rt-3', 'rt-4']);
    expect(capped.recentEventsCapped).toBe(true);

    // A restore "in the past" (backtest) sees nothing after its now. (Only this test's actor: the first
    // test's event, the last millisecond of last month, is in this hour when the suite runs early on a 3rd.)
    const earlier = await store.loadHistory({ ...q, now: base + 1500, maxRecentEvents: 1000 });
    expect(earlier.recentEvents.filter((e) => e.actor_id === 'emp-rt').map((e) => e.event_id)).toEqual(['rt-0', 'rt-1']);
  });

  it('keeps the latest alert revision for history and every notify revision for the outbox', async () => {
    const r1 = alert({ alert_id: 'al-h', revision: 1, last_event_ts: T0 - 5000 });
    const r2 = alert({ alert_id: 'al-h', revision: 2, severity: 'critical', tier: 2, last_event_ts: T0 - 3000 });
    const r3 = alert({ alert_id: 'al-h', revision: 3, severity: 'critical', tier: 2, last_event_ts: T0 - 1000, event_count: 40 });
    const old = alert({ alert_id: 'al-old', last_event_ts: T0 - 5 * HOUR, first_event_ts: T0 - 6 * HOUR });
    const result = await store.writeBatch({
      ...NO_BATCH,
      alerts: [update(r1, true), update(old, true), update(r2, true), update(r3, false)],
    });
    expect(result.rows.alerts).toBe(4);
    expect(result.notifications.map((n) => `${n.alert.alert_id}.${n.alert.revision}`).sort()).toEqual(['al-h.1', 'al-h.2', 'al-old.1']);

    const q = { now: T0, recentWindowMs: 0, activityLookbackMs: 2 * HOUR, openAlertMaxAgeMs: HOUR, maxRecentEvents: 0 };
    const history = await store.loadHistory(q);
    const restored = history.alerts.filter((x) => x.alert.alert_id === 'al-h');
    // Stored with the query the store renders for its database.
    expect(restored.map((x) => x.alert)).toEqual([storedAlert(update(r3, false), db.database)]);
    // With the engine state it was stored with.
    expect(restored[0]?.state).toEqual(update(r3, false).state);

    // Once its latest revision closes it, it comes back closed (the actor's last closed alert,
    // which a rate window may re-open) for as long as openAlertMaxAgeMs, then no more.
    const closed = { ...r3, revision: 4, status: 'closed' as const };
    await store.writeBatch({ ...NO_BATCH, alerts: [update(closed, false)] });
    const afterClose = await store.loadHistory(q);
    expect(afterClose.alerts.filter((x) => x.alert.alert_id === 'al-h').map((x) => x.alert)).toEqual([storedAlert(update(closed, false), db.database)]);
    const later = await store.loadHistory({ ...q, openAlertMaxAgeMs: 500 });
    expect(later.alerts.filter((x) => x.alert.alert_id === 'al-h')).toEqual([]);

    const outbox = await store.deliveryOutbox().findUndelivered({ endpointId: 'ep', sinceMs: 0, severities: ['high', 'critical'], closings: false, limit: 100 });
    expect(outbox.map((n) => `${n.alert.alert_id}.${n.alert.revision}`).sort()).toEqual(['al-h.1', 'al-h.2', 'al-old.1']);
    expect(outbox.find((n) => n.alert.revision === 2)?.alert).toEqual(storedAlert(update(r2, true), db.database));
    expect(outbox[0]?.storedAtMs).toBe(clock.now());
  });

  it('stores activity (deduplicated, oldest first) and rejected records without payload', async () => {
    const h1 = activity({ actor_id: 'emp-act', bucket_start: T0 - 2 * HOUR });
    const h2 = activity({ actor_id: 'emp-act', bucket_start: T0 - HOUR, events: 5, peak_1h_distinct: 90, max_request_records: 40 });
    // Requests per activity class round-trip too (the baselines of measure events with a class).
    // So does the mark of a bucket under an open alert (kept out of baselines after a restart).
    const d1 = activity({ actor_id: 'emp-act', granularity: 'day', bucket_start: T0 - 2 * HOUR, peak_1h_distinct: 95, peak_24h_distinct: 400, class_names: ['deletes', 'exports'], class_events: [1, 12], under_alert: true });
    await store.writeBatch({ ...NO_BATCH, activity: [h2, h1, d1], rejected: [rejected()] });
    clock.advance(1000);
    await store.writeBatch({ ...NO_BATCH, activity: [{ ...h2, events: 6 }], rejected: [rejected()] });

    const history = await store.loadHistory({ now: T0, recentWindowMs: 0, activityLookbackMs: 3 * HOUR, openAlertMaxAgeMs: 0, maxRecentEvents: 0 });
    const mine = history.activity.filter((a) => a.actor_id === 'emp-act');
    // Peaks round-trip; a row without them reads back without them.
    expect(mine.map((a) => a.bucket_start)).toEqual([T0 - 2 * HOUR, T0 - 2 * HOUR, T0 - HOUR]);
    expect(mine).toHaveLength(3);
    expect(mine).toEqual(expect.arrayContaining([h1, d1, { ...h2, events: 6 }]));

    const rows = await db.rows<Record<string, unknown>>(`SELECT * FROM ${db.database}.rejected_events FINAL`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reason: 'missing_field', source_offset: '77', payload_sha256: 'a'.repeat(64), event_id: 'evt-bad', actor_id: null });
  });

  it('the dedup views hide duplicates analysts would otherwise count twice', async () => {
    const e = { event: event({ event_id: 'dup-view', actor_id: 'emp-view' }), position: position('5') };
    // A merge in between would remove the duplicate before it is counted (chDB merges within milliseconds).
    await db.client.command({ query: `SYSTEM STOP MERGES ${db.database}.access_events` });
    await store.writeBatch({ ...NO_BATCH, events: [e] });
    await store.writeBatch({ ...NO_BATCH, events: [e] });
    const raw = await db.rows<{ n: string }>(`SELECT count() AS n FROM ${db.database}.access_events WHERE actor_id = 'emp-view'`);
    const dedup = await db.rows<{ n: string }>(`SELECT count() AS n FROM ${db.database}.access_events_dedup WHERE actor_id = 'emp-view'`);
    expect(Number(raw[0]?.n)).toBe(2);
    expect(Number(dedup[0]?.n)).toBe(1);
    await db.client.command({ query: `SYSTEM START MERGES ${db.database}.access_events` });
  });

  it('a schema error is typed, names the table, is not retryable and carries no row data', async () => {
    await db.client.command({ query: `RENAME TABLE ${db.database}.rejected_events TO ${db.database}.rejected_events_moved` });
    try {
      const error = await store.writeBatch({ ...NO_BATCH, rejected: [rejected({ detail: 'SECRET-ROW-DATA' })] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClickHouseSinkError);
      const sinkError = error as ClickHouseSinkError;
      expect(sinkError.retryable).toBe(false);
      expect(sinkError.table).toBe('rejected_events');
      expect(sinkError.serverCode).toBe(60);
      expect(sinkError.message).not.toContain('SECRET-ROW-DATA');
    } finally {
      await db.client.command({ query: `RENAME TABLE ${db.database}.rejected_events_moved TO ${db.database}.rejected_events` });
    }
  });

  it('an unreachable server is a retryable error', async () => {
    const error = await ClickHouseStore.open({ url: 'http://127.0.0.1:1', database: 'custos_unreachable', retentionDays: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseSinkError);
    expect((error as ClickHouseSinkError).retryable).toBe(true);
  });
});

describe('history after an outage longer than the longest window', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 30, clock: new ManualClock(T0) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('measures the lookbacks back from the newest stored activity, however old, so the backlog continues the windows and the open alert', async () => {
    const events = Array.from({ length: 4 }, (_, i) => ({
      event: event({ event_id: `out-${i}`, actor_id: 'emp-outage', ts: T0 - 2 * HOUR + i * 10 * 60_000, record_refs: [`ref-${i}`] }),
      position: position(String(i)),
    }));
    const stale = { event: event({ event_id: 'out-stale', actor_id: 'emp-outage', ts: T0 - 30 * HOUR }), position: position('10') };
    const open = alert({ alert_id: 'al-outage', actor_id: 'emp-outage', first_event_ts: T0 - 2 * HOUR, last_event_ts: T0 - 90 * 60_000 });
    // The hour bucket the first events closed (the last hour's never closed before the crash).
    const closedHour = activity({ actor_id: 'emp-outage', bucket_start: T0 - 2 * HOUR });
    await store.writeBatch({ ...NO_BATCH, events: [stale, ...events], alerts: [update(open, false)], activity: [closedHour] });

    // Restarted three days later, nothing stored since the crash.
    const history = await store.loadHistory({
      now: T0 + 72 * HOUR,
      recentWindowMs: 25 * HOUR,
      openAlertMaxAgeMs: 25 * HOUR,
      activityLookbackMs: 28 * 24 * HOUR,
      maxRecentEvents: 1000,
    });
    // Measured back from the newest stored bucket's start: never later than the latest event.
    expect(history.anchorMs).toBe(T0 - 2 * HOUR);
    expect(history.recentEvents.map((e) => e.event_id)).toEqual(['out-0', 'out-1', 'out-2', 'out-3']);
    expect(history.alerts.map((a) => a.alert.alert_id)).toEqual(['al-outage']);

    // Eight months later, nothing stored since: still measured back from the stored history
    // (a backlog of old events is continued, not started afresh).
    const muchLater = await store.loadHistory({ now: T0 + 240 * 24 * HOUR, recentWindowMs: 25 * HOUR, openAlertMaxAgeMs: 25 * HOUR, activityLookbackMs: 28 * 24 * HOUR, maxRecentEvents: 1000 });
    expect(muchLater.anchorMs).toBe(T0 - 2 * HOUR);
    expect(muchLater.recentEvents.map((e) => e.event_id)).toEqual(['out-0', 'out-1', 'out-2', 'out-3']);
    expect(muchLater.alerts.map((a) => a.alert.alert_id)).toEqual(['al-outage']);
    expect(muchLater.activity.map((a) => a.bucket_start)).toEqual([T0 - 2 * HOUR]);
  });
});
