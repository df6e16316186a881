/**
 * Event time vs processing time: tick() must act on actors idle in processing
 * time, never compare event time with the clock (a consumer behind by a day
 * would split every alert and bucket); events far ahead of the clock, or near
 * 1970 / beyond 2088, must not corrupt windows or emitted times; a restored
 * alert another instance may be continuing is not closed early by tick().
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type ActorActivityRow, type AlertUpdate, type EngineOutput } from '../../../src/runtime/engine/index.js';
import type { Alert } from '../../../src/model/alert.js';
import { storedAlert } from '../../../src/runtime/outputs/clickhouse/events-query.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref, T0 } from './support/enrich.js';
import { ENGINE_RULES, rules } from './support/rules.js';

const RS = rules(ENGINE_RULES);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const refs = (p: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${p}-${i}`));

/**
 * Alice reads 30 new customers a minute: an hour, a 90-minute pause (her
 * r.static alert closes in it), then another hour (a second alert), exporting
 * now and then, the last exports outside business hours (an escalation). Bob
 * reads three times at the start, then goes quiet (his buckets close by tick).
 */
function stream(): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  for (let i = 0; i < 120; i++) {
    const ts = T0 + i * MIN + (i >= 60 ? 90 * MIN : 0);
    out.push(ev({ event_id: `a${i}`, ts, record_refs: refs(`a${i}`, 30), action: i % 25 === 7 ? 'export' : 'read', business_hours: i < 100 }));
    if (i < 3) out.push(ev({ event_id: `b${i}`, actor_id: 'bob', ts: ts + 1_000, record_refs: refs(`b${i}`, 5) }));
  }
  return out;
}

interface Outcome {
  /** Distinct alert ids, sorted. */
  readonly ids: string[];
  /** Every alert update as `id rREVISION notify|silent status`, sorted. */
  readonly updates: string[];
  /** Every activity row emitted, as JSON, sorted. */
  readonly rows: string[];
}

function outcome(updates: readonly AlertUpdate[], rows: readonly ActorActivityRow[]): Outcome {
  return {
    ids: [...new Set(updates.map((u) => u.alert.alert_id))].sort(),
    updates: updates.map((u) => `${u.alert.alert_id} r${u.alert.revision} ${u.notify ? 'notify' : 'silent'} ${u.alert.status}`).sort(),
    rows: rows.map((r) => JSON.stringify(r)).sort(),
  };
}

/**
 * Feeds `events` one at a time, the clock at `clockAt(event, i)` for event i,
 * ticking as the live ticker does (each minute of processing time) and, as in
 * the reviewer's repro, after every 15 events; then lets processing time run
 * on for `settleMs` (by default 26 hours: every bucket and alert closes).
 */
function drive(
  engine: ReturnType<typeof createEngine>,
  clock: ManualClock,
  events: readonly EnrichedEvent[],
  clockAt: (x: EnrichedEvent, i: number) => number,
  settleMs = 26 * HOUR,
): { updates: AlertUpdate[]; rows: ActorActivityRow[] } {
  const updates: AlertUpdate[] = [];
  const rows: ActorActivityRow[] = [];
  const take = (o: EngineOutput) => {
    updates.push(...o.alerts);
    rows.push(...o.activity);
  };
  let lastTick = Number.NaN;
  const tickAt = (t: number) => {
    clock.set(t);
    take(engine.tick());
    lastTick = t;
  };
  events.forEach((x, i) => {
    const at = clockAt(x, i);
    if (Number.isNaN(lastTick)) lastTick = at;
    for (let t = lastTick + MIN; t <= at; t += MIN) tickAt(t);
    clock.set(at);
    take(engine.evaluate([x]));
    if ((i + 1) % 15 === 0) tickAt(at);
  });
  const end = clock.now();
  for (let t = end + MIN; t <= end + settleMs; t += MIN) tickAt(t);
  return { updates, rows };
}

function run(clockAt: (x: EnrichedEvent, i: number) => number): Outcome {
  const clock = new ManualClock(0);
  const engine = createEngine({ rules: RS, clock });
  const { updates, rows } = drive(engine, clock, stream(), clockAt);
  return outcome(updates, rows);
}

describe('tick(): processing time advances idle actors, never replaces their event time', () => {
  const live = run((x) => x.ts);
  const last = stream().at(-1)?.ts as number;

  it('the live run (clock = event time) is what the stream says', () => {
    expect(live.ids).toHaveLength(2); // one r.static alert before the pause, one after
    expect(live.updates.filter((u) => u.endsWith('closed'))).toHaveLength(2);
    const alice = live.rows.map((r) => JSON.parse(r) as ActorActivityRow).filter((r) => r.actor_id === 'alice');
    expect(alice.filter((r) => r.granularity === 'hour').map((r) => r.events)).toEqual([60, 30, 30]); // 10:00, 12:00 (from 12:30), 13:00
    expect(alice.filter((r) => r.granularity === 'day').map((r) => r.events)).toEqual([120]);
  });

  it.each([
    ['one day behind', (x: EnrichedEvent) => x.ts + DAY],
    ['six hours behind', (x: EnrichedEvent) => x.ts + 6 * HOUR],
    ['a day of backlog replayed at full speed (1 ms an event)', (_x: EnrichedEvent, i: number) => last + DAY + i],
  ])('gives the alerts, revisions that notify and activity rows of the live run: %s', (_name, clockAt) => {
    const lagging = run(clockAt);
    expect(lagging.ids).toEqual(live.ids);
    expect(lagging.updates).toEqual(live.updates);
    expect(lagging.rows).toEqual(live.rows);
  });

  it('a restart a day later that restores, then catches up at full speed, continues as live', () => {
    const events = stream();
    const crashAfter = 100;
    // Instance A runs live and crashes after event 100 (what it output until then is stored).
    const clockA = new ManualClock(0);
    const a = createEngine({ rules: RS, clock: clockA });
    const stored = drive(a, clockA, events.slice(0, crashAfter), (x) => x.ts, 0);
    const crashedAt = (events[crashAfter - 1] as EnrichedEvent).ts;
    // Instance B starts a day later, restores what A stored, and Kafka redelivers from 5 events back.
    const clockB = new ManualClock(crashedAt + DAY);
    const b = createEngine({ rules: RS, clock: clockB });
    const latest = new Map<string, AlertUpdate>();
    for (const u of stored.updates) if ((latest.get(u.alert.alert_id)?.alert.revision ?? 0) < u.alert.revision) latest.set(u.alert.alert_id, u);
    const alerts = [...latest.values()].map((u) => ({ alert: u.alert, state: u.state }));
    expect(alerts.filter((x) => x.alert.status !== 'closed')).toHaveLength(1);
    b.restore({ activity: stored.rows, alerts, recentEvents: events.slice(0, crashAfter) });
    const caughtUp = drive(b, clockB, events.slice(crashAfter - 5), (_x, i) => crashedAt + DAY + i);
    const restarted = outcome([...stored.updates, ...caughtUp.updates], [...stored.rows, ...caughtUp.rows]);
    expect(restarted.ids).toEqual(live.ids);
    expect(restarted.updates).toEqual(live.updates);
    expect(restarted.rows).toEqual(live.rows);
  });
});

describe('times: what the engine accepts and emits', () => {
  const hourly = rules(`
rules:
  - { id: r.hour, version: 1, kind: rate, title: t, severity: low, measure: distinct_customers, windows: [ { window: 1h, limit: 50 } ] }
`);

  it('never emits a window start before 1970 (a 1h window firing in the first hour of 1970)', () => {
    const e = createEngine({ rules: hourly, clock: new ManualClock(10 * MIN) });
    const u = e.evaluate([ev({ event_id: 'e70', ts: 10 * MIN, n: 60 })]).alerts[0];
    const a = u === undefined ? undefined : storedAlert(u, 'custos');
    expect(a?.window_start).toBe(0);
    const f = (a?.explanation.findings as { window_start: number }[])[0];
    expect(f?.window_start).toBe(0);
    expect(a?.query).toContain('ts_ms >= 0 AND');
  });

  it('does not evaluate an event before 1970: counted as late, nothing emitted', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const out = e.evaluate([ev({ event_id: 'neg', ts: -5_000, action: 'export', record_count: 500, record_refs: [] })]);
    expect(out).toEqual({ alerts: [], activity: [] });
    expect(e.stats()).toMatchObject({ lateDropped: 1, actors: 0 });
  });

  it('does not let one far-future event move the watermark: it is counted, the real events after it count', () => {
    const clock = new ManualClock(T0);
    const e = createEngine({ rules: RS, clock });
    expect(e.evaluate([ev({ event_id: 'y2099', ts: Date.parse('2099-01-01T00:00:00Z'), action: 'export', n: 50 })])).toEqual({ alerts: [], activity: [] });
    expect(e.stats()).toMatchObject({ futureDropped: 1, lateDropped: 0, actors: 0 });
    // 3 x 40 new customers within 5 minutes: r.static (limit 100) fires, nothing is late.
    const ups: AlertUpdate[] = [];
    for (let i = 0; i < 3; i++) {
      clock.set(T0 + i * MIN);
      ups.push(...e.evaluate([ev({ event_id: `real${i}`, ts: T0 + i * MIN, n: 40 })]).alerts);
    }
    expect(ups.map((u) => [u.alert.rule_id, u.alert.observed])).toEqual([['r.static', 120]]);
    expect(e.stats()).toMatchObject({ futureDropped: 1, lateDropped: 0 });
  });

  it('accepts an event up to settings.clock_skew ahead of processing time (default 15m), not beyond', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.evaluate([ev({ ts: T0 + 15 * MIN }), ev({ ts: T0 + 15 * MIN + 1 })]);
    expect(e.stats()).toMatchObject({ futureDropped: 1, actors: 1 });
    const wide = createEngine({ rules: rules(`settings: { clock_skew: 1h }`), clock: new ManualClock(T0) });
    wide.evaluate([ev({ ts: T0 + 59 * MIN }), ev({ ts: T0 + 61 * MIN })]);
    expect(wide.stats()).toMatchObject({ futureDropped: 1, actors: 1 });
  });

  it.each(['2001-02-06T10:00:00Z', '2089-02-07T10:00:00Z', '2105-12-01T10:00:00Z'])('windows and buckets work the same far from 2020: %s', (iso) => {
    const figures = (start: number) => {
      const clock = new ManualClock(start);
      const e = createEngine({ rules: RS, clock });
      const ups: AlertUpdate[] = [];
      const rows: ActorActivityRow[] = [];
      for (let i = 0; i < 20; i++) {
        const ts = start + i * MIN + (i >= 10 ? 2 * HOUR : 0);
        clock.set(ts);
        const out = e.evaluate([ev({ event_id: `w${i}`, ts, record_refs: refs(`w${i % 12}`, 30) })]);
        ups.push(...out.alerts);
        rows.push(...out.activity);
      }
      clock.set(start + 3 * DAY);
      const last = e.tick();
      ups.push(...last.alerts);
      rows.push(...last.activity);
      return {
        alerts: ups.map((u) => [u.alert.revision, u.alert.status, u.alert.observed, u.alert.tier, u.alert.window_start - start, u.alert.last_event_ts - start]),
        rows: rows.map((r) => [r.granularity, r.bucket_start - start, r.events, r.distinct_records, r.peak_5m_distinct, r.peak_1h_distinct]),
        late: e.stats().lateDropped,
      };
    };
    const start = Date.parse(iso);
    const reference = figures(T0);
    expect(reference.alerts.length).toBeGreaterThan(3);
    expect(figures(start)).toEqual(reference);
  });
});

describe('restored state another instance may be continuing', () => {
  /** An export alert (p.export, quiet 30m) stored by another instance at T0, with its event. */
  function stored(): { alert: Alert; events: EnrichedEvent[] } {
    const events = [ev({ event_id: 'x1', ts: T0, action: 'export', record_count: 1, record_refs: [] })];
    const a = createEngine({ rules: RS, clock: new ManualClock(T0) });
    return { alert: a.evaluate(events).alerts[0]?.alert as Alert, events };
  }
  /** Longest window (windows always keep 24h) + longest quiet (30m) + lateness (5m). */
  const HOLD = DAY + 30 * MIN + 5 * MIN;

  it('is not closed by tick() (nor at restore) until longest window + quiet + lateness after the restore, whatever the clock says', () => {
    const { alert, events } = stored();
    const restoredAt = T0 + 2 * HOUR; // its quiet period passed by the clock, but its owner may be behind
    const clock = new ManualClock(restoredAt);
    const b = createEngine({ rules: RS, clock });
    b.restore({ activity: [], alerts: [{ alert, state: null }], recentEvents: events });
    for (const t of [restoredAt, restoredAt + 36 * MIN, restoredAt + 6 * HOUR, restoredAt + HOLD - 1]) {
      clock.set(t);
      expect(b.tick().alerts).toEqual([]);
    }
    expect(b.stats().openAlerts).toBe(1);
    clock.set(restoredAt + HOLD);
    expect(b.tick().alerts.map((u) => [u.alert.alert_id, u.alert.status, u.alert.revision, u.notify])).toEqual([[alert.alert_id, 'closed', 2, false]]);
    expect(b.stats().openAlerts).toBe(0);
  });

  it('once a live event of the actor arrives here (this instance owns it), the alert closes by its event time again', () => {
    const { alert, events } = stored();
    const clock = new ManualClock(T0 + MIN);
    const b = createEngine({ rules: RS, clock });
    b.restore({ activity: [], alerts: [{ alert, state: null }], recentEvents: events });
    clock.set(T0 + 2 * MIN);
    expect(b.evaluate([ev({ event_id: 'r1', ts: T0 + 2 * MIN })]).alerts).toEqual([]); // a plain read: no trigger
    clock.set(T0 + 34 * MIN);
    expect(b.tick().alerts).toEqual([]); // its event time now: T0 + 34m; it closes at quiet (T0 + 30m) + lateness (5m)
    clock.set(T0 + 35 * MIN);
    expect(b.tick().alerts.map((u) => [u.alert.alert_id, u.alert.status, u.alert.revision])).toEqual([[alert.alert_id, 'closed', 2]]);
  });

  it('restored buckets close as processing time passes after the restore, not because their events are old', () => {
    const events = [ev({ actor_id: 'bob', event_id: 'b1', ts: T0 }), ev({ actor_id: 'bob', event_id: 'b2', ts: T0 + 10 * MIN })];
    const restoredAt = T0 + 3 * HOUR;
    const clock = new ManualClock(restoredAt);
    const b = createEngine({ rules: RS, clock });
    b.restore({ activity: [], alerts: [], recentEvents: events });
    expect(b.tick().activity).toEqual([]);
    // The 10:00 hour closes once bob's event time (10:10 at the restore) passes 11:05: 55 minutes later.
    clock.set(restoredAt + 54 * MIN);
    expect(b.tick().activity).toEqual([]);
    clock.set(restoredAt + 55 * MIN);
    expect(b.tick().activity.map((r) => [r.actor_id, r.granularity, r.events])).toEqual([['bob', 'hour', 2]]);
  });
});
