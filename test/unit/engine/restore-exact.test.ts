/**
 * A restart continues alerts exactly: an engine restored from what another
 * stored up to any point (events, activity rows, and each alert's latest
 * revision with its engine state) produces, from there on, the very same
 * revisions, field for field, as the engine that never stopped. Without the
 * stored state (an alert rebuilt from its explanation) it does not.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type AlertUpdate, type EngineHistory } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref, T0 } from './support/enrich.js';
import { drive, type Driven } from './support/drive.js';
import { rules } from './support/rules.js';

const RS = rules(`
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
  event_id_sample: 5
rules:
  - { id: p.export, version: 1, kind: policy, title: export of customers, severity: medium, when: { field: action, eq: export },
      escalate_records: [60], raise: [ { when: { field: local_time.business_hours, eq: false }, reason: outside business hours } ] }
  - { id: r.burst, version: 1, kind: rate, title: a burst, severity: low, measure: distinct_customers, windows: [ { window: 5m, limit: 100 } ], tiers: [2] }
  - { id: r.day, version: 1, kind: rate, title: a day, severity: low, measure: distinct_customers, windows: [ { window: 24h, limit: 2500 } ] }
`);
const MIN = 60_000;

/**
 * Alice reads 30 new customers a minute for an hour (the 5m window fires, its
 * tier rises), exports now and then (a policy finding joins, and escalates
 * after hours), pauses 40 minutes (her alert closes after its quiet period),
 * and reads on at 15 a minute until the 24h window, which still holds the
 * first hour, fires: that re-opens the closed alert under its id.
 */
function stream(): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  for (let i = 0; i < 120; i++) {
    const ts = T0 + i * MIN + (i >= 60 ? 40 * MIN : 0);
    const action = (i < 60 && i % 20 === 7) || i === 112 ? 'export' : 'read';
    const n = i < 60 ? 30 : 15;
    out.push(ev({ event_id: `a${i}`, ts, record_refs: Array.from({ length: n }, (_, j) => ref(`a${i}-${j}`)), action, business_hours: i < 40 }));
  }
  return out;
}

/** What ClickHouse holds of `stored` for a restore: the latest revision of each alert, with its state (or without). */
function historyOf(stored: Driven, events: readonly EnrichedEvent[], withState: boolean): EngineHistory {
  const latest = new Map<string, AlertUpdate>();
  for (const u of stored.updates) if ((latest.get(u.alert.alert_id)?.alert.revision ?? 0) < u.alert.revision) latest.set(u.alert.alert_id, u);
  return {
    activity: stored.rows,
    alerts: [...latest.values()].map((u) => ({ alert: u.alert, state: withState ? u.state : null })),
    recentEvents: [...events],
  };
}

function runWithRestartAfter(k: number, withState: boolean): AlertUpdate[] {
  return restartAfter(k, withState).driven.updates;
}

/** Drives one engine to event k, restores a second one from what the first stored, and drives it on. */
function restartAfter(k: number, withState: boolean): { driven: Driven; engine: ReturnType<typeof createEngine>; clock: ManualClock } {
  const events = stream();
  const clockA = new ManualClock(T0);
  const a = createEngine({ rules: RS, clock: clockA });
  const before = drive(a, clockA, events.slice(0, k));
  const clockB = new ManualClock((events[k - 1] as EnrichedEvent).ts);
  const b = createEngine({ rules: RS, clock: clockB });
  b.restore(historyOf(before, events.slice(0, k), withState));
  return { driven: drive(b, clockB, events.slice(k)), engine: b, clock: clockB };
}

describe('restore continues alerts exactly', () => {
  const clock = new ManualClock(T0);
  const uninterrupted = drive(createEngine({ rules: RS, clock }), clock, stream());

  it('the stream opens, escalates, closes and re-opens an alert', () => {
    const kinds = uninterrupted.updates.map((u) => `${u.alert.alert_id} r${u.alert.revision} ${u.alert.status}`);
    expect(new Set(uninterrupted.updates.map((u) => u.alert.alert_id)).size).toBe(1);
    expect(kinds.filter((k) => k.endsWith('closed'))).toHaveLength(1);
    // Re-opened after the close: revisions go on under the same id.
    const closedAt = uninterrupted.updates.findIndex((u) => u.alert.status === 'closed');
    expect(uninterrupted.updates.slice(closedAt + 1).some((u) => u.alert.status === 'open')).toBe(true);
    expect(uninterrupted.updates.filter((u) => u.notify).length).toBeGreaterThan(1);
  });

  it.each([3, 10, 25, 39, 45, 59, 60, 61, 90, 105, 106, 107, 113, 119])('after a restart following event %i, every later revision is the same, field for field', (k) => {
    const after = runWithRestartAfter(k, true);
    const expected = uninterrupted.perEvent.slice(k).flat();
    expect(expected.length).toBeGreaterThan(0);
    expect(after.map((u) => ({ alert: u.alert, notify: u.notify, state: u.state }))).toEqual(
      expected.map((u) => ({ alert: u.alert, notify: u.notify, state: u.state })),
    );
  });


  it('the activity rows closed after a restart, with their under_alert marks, are the ones of the run that never stopped', () => {
    const events = stream();
    // A tick hours after the last event closes what the events left open (the last hours, the day).
    const end = (events.at(-1) as EnrichedEvent).ts + 3 * 60 * MIN;
    const clean = new ManualClock(T0);
    const e = createEngine({ rules: RS, clock: clean });
    const perEvent = drive(e, clean, events).rowsPerEvent;
    clean.set(end);
    const atEnd = e.tick().activity;
    // The stream's buckets are under its alert (open, closed in the pause, re-opened): the marks are not trivial.
    expect([...perEvent.flat(), ...atEnd].filter((r) => r.under_alert === true).length).toBeGreaterThan(2);
    for (const k of [3, 25, 59, 61, 90, 106, 113]) {
      const { driven, engine, clock } = restartAfter(k, true);
      clock.set(end);
      expect([...driven.rows, ...engine.tick().activity], `restart after event ${k}`).toEqual([...perEvent.slice(k).flat(), ...atEnd]);
    }
  });

  it.each([
    ['without caps', {}],
    ['under an actor cap of 1', { maxActors: 1 }],
  ])('restored in chunks, with ticks and another actor evaluated between them, later revisions and activity rows are the same (a partition streamed from ClickHouse), %s', (_name, caps) => {
    const events = stream();
    const end = (events.at(-1) as EnrichedEvent).ts + 3 * 60 * MIN;
    const clean = new ManualClock(T0);
    const e = createEngine({ rules: RS, clock: clean });
    const cleanRun = drive(e, clean, events);
    clean.set(end);
    const cleanEnd = e.tick().activity;
    let random = 7;
    const nextSize = (): number => (random = (random * 48_271) % 2_147_483_647) % 9 + 1;
    for (const k of [10, 45, 61, 90, 106, 113]) {
      const clockA = new ManualClock(T0);
      const before = drive(createEngine({ rules: RS, clock: clockA }), clockA, events.slice(0, k));
      const restoredAt = (events[k - 1] as EnrichedEvent).ts;
      const clockB = new ManualClock(restoredAt);
      const b = createEngine({ rules: RS, clock: clockB, ...caps });
      const { recentEvents, ...seed } = historyOf(before, events.slice(0, k), true);
      const restore = b.beginRestore(seed);
      const others: AlertUpdate[] = [];
      for (let i = 0; i < recentEvents.length; ) {
        const size = nextSize();
        restore.replay(recentEvents.slice(i, i + size));
        i += size;
        // Another partition's batch and a tick hours later, while this one is still being read:
        // they must leave the restoring actor alone (a tick this late would close her alert and buckets).
        clockB.set(restoredAt + 2 * 60 * MIN);
        others.push(...b.tick().alerts);
        const out = b.evaluate([ev({ event_id: `bob-${k}-${i}`, actor: { actor_id: 'bob', role: 'analyst', department: 'finance' }, ts: restoredAt + 2 * 60 * MIN, n: 2 })]);
        others.push(...out.alerts);
        expect(out.activity.filter((r) => r.actor_id !== 'bob'), `restart after event ${k}`).toEqual([]);
        clockB.set(restoredAt);
      }
      restore.finish();
      expect(others.filter((u) => u.alert.actor_id !== 'bob'), `restart after event ${k}`).toEqual([]);
      const after = drive(b, clockB, events.slice(k));
      const alice = (u: AlertUpdate): boolean => u.alert.actor_id !== 'bob';
      expect(after.updates.filter(alice).map((u) => ({ alert: u.alert, notify: u.notify, state: u.state })), `restart after event ${k}`).toEqual(
        cleanRun.perEvent.slice(k).flat().map((u) => ({ alert: u.alert, notify: u.notify, state: u.state })),
      );
      clockB.set(end);
      const rows = [...after.rows, ...b.tick().activity].filter((r) => r.actor_id !== 'bob');
      expect(rows, `restart after event ${k}`).toEqual([...cleanRun.rowsPerEvent.slice(k).flat(), ...cleanEnd]);
    }
  });

  it('rebuilt from the explanation alone (no stored state), later revisions differ', () => {
    const k = 25;
    const withoutState = runWithRestartAfter(k, false).map((u) => u.alert);
    const withState = runWithRestartAfter(k, true).map((u) => u.alert);
    expect(withoutState).not.toEqual(withState);
  });
});
