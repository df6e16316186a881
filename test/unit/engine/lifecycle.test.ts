import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import type { Alert } from '../../../src/model/alert.js';
import { alertIdFor, createEngine, type AlertUpdate } from '../../../src/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref, T0 } from './support/enrich.js';
import { ENGINE_RULES, rules } from './support/rules.js';

const RS = rules(ENGINE_RULES);
const refs = (p: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${p}-${i}`));
const only = (ups: readonly AlertUpdate[], rule: string) => ups.filter((u) => u.alert.rule_id === rule);

/** A stream that opens r.static, merges into it twice, then escalates it. */
function stream(): EnrichedEvent[] {
  return [
    ev({ event_id: 's1', record_refs: refs('a', 110), ts: T0 }),
    ev({ event_id: 's2', record_refs: refs('b', 5), ts: T0 + 10_000 }),
    ev({ event_id: 's3', record_refs: refs('c', 5), ts: T0 + 20_000 }),
    ev({ event_id: 's4', record_refs: refs('d', 90), ts: T0 + 30_000 }),
  ];
}

describe('alert lifecycle', () => {
  it('opens with a notification, merges follow-ups silently, escalates with a notification', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const ups = stream().map((x) => only(e.evaluate([x]).alerts, 'r.static')[0] as AlertUpdate);
    expect(ups.map((u) => [u.notify, u.alert.revision, u.alert.tier, u.alert.severity, u.alert.event_count, u.alert.suppressed_count, u.alert.observed])).toEqual([
      [true, 1, 1, 'low', 1, 0, 110],
      [false, 2, 1, 'low', 2, 1, 115],
      [false, 3, 1, 'low', 3, 2, 120],
      [true, 4, 2, 'medium', 4, 2, 210], // 210 >= 2 x 100: tier 2, one severity step
    ]);
    const ids = new Set(ups.map((u) => u.alert.alert_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(alertIdFor('r.static', 'alice', 's1'));
    expect(ups[3]?.alert.event_ids).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('coalesces one batch into one update per alert (notify if it opened or escalated in it)', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const ups = only(e.evaluate(stream()).alerts, 'r.static');
    expect(ups).toHaveLength(1);
    expect(ups[0]?.notify).toBe(true);
    expect(ups[0]?.alert).toMatchObject({ revision: 4, tier: 2, event_count: 4, suppressed_count: 2 });
  });

  it('escalates a policy alert when cumulative records cross its tiers', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const exp = (i: number, n: number) => ev({ action: 'export', record_refs: [], record_count: n, ts: T0 + i * 1_000 });
    const a = only(e.evaluate([exp(0, 60)]).alerts, 'p.export')[0];
    const b = only(e.evaluate([exp(1, 30)]).alerts, 'p.export')[0];
    const c = only(e.evaluate([exp(2, 30)]).alerts, 'p.export')[0];
    expect([a?.notify, b?.notify, c?.notify]).toEqual([true, false, true]);
    expect([a?.alert.tier, b?.alert.tier, c?.alert.tier]).toEqual([1, 1, 2]);
    expect(c?.alert.observed).toBe(120);
  });

  it('raises severity (and notifies) when a later event matches a raise', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.evaluate([ev({ action: 'export', record_count: 1 })]);
    const night = only(e.evaluate([ev({ action: 'export', record_count: 1, ts: T0 + 1_000, business_hours: false })]).alerts, 'p.export')[0];
    expect(night?.notify).toBe(true);
    expect(night?.alert.severity).toBe('high');
  });

  it('closes after the quiet period (event time), then opens a new alert with a new id', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const first = only(e.evaluate([ev({ action: 'export', record_count: 1, event_id: 'x1' })]).alerts, 'p.export')[0];
    // 31 minutes later (quiet 30m): the old alert closes, the new export opens another.
    const later = only(e.evaluate([ev({ action: 'export', record_count: 1, event_id: 'x2', ts: T0 + 31 * 60_000 })]).alerts, 'p.export');
    expect(later.map((u) => [u.alert.alert_id, u.alert.status, u.notify])).toEqual([
      [first?.alert.alert_id, 'closed', false],
      [alertIdFor('p.export', 'alice', 'x2'), 'open', true],
    ]);
    expect(e.stats().openAlerts).toBe(2 - 1); // the new one (r.static never opened)
  });

  it('keeps a rate alert open while its window still holds the burst, even when triggers are far apart', () => {
    const hourly = rules(`
rules:
  - { id: r.hour, version: 1, kind: rate, title: t, severity: low, measure: distinct_customers, windows: [ { window: 1h, limit: 50 } ] }
`);
    const e = createEngine({ rules: hourly, clock: new ManualClock(T0) });
    const a = e.evaluate([ev({ event_id: 'h1', record_refs: refs('h', 60) })]).alerts[0];
    // 40 minutes later (beyond the 30m quiet): the hour still holds 61 customers: same alert, merged.
    const b = e.evaluate([ev({ event_id: 'h2', record_refs: refs('i', 1), ts: T0 + 40 * 60_000 })]).alerts;
    expect(b.map((u) => [u.alert.alert_id, u.alert.revision, u.notify])).toEqual([[a?.alert.alert_id, 2, false]]);
    // It closes once a full hour (the window that fired) passed without a trigger.
    const c = e.evaluate([ev({ event_id: 'h3', record_refs: refs('j', 1), ts: T0 + 101 * 60_000 })]).alerts;
    expect(c.map((u) => [u.alert.alert_id, u.alert.status])).toEqual([[a?.alert.alert_id, 'closed']]);
  });

  it('closes an idle actor alert on tick() by processing time', () => {
    const clock = new ManualClock(T0);
    const e = createEngine({ rules: RS, clock });
    e.evaluate([ev({ action: 'export', record_count: 1 })]);
    clock.set(T0 + 20 * 60_000);
    expect(e.tick().alerts).toEqual([]);
    clock.set(T0 + 36 * 60_000); // quiet 30m + lateness 5m
    const closed = e.tick().alerts;
    expect(closed.map((u) => [u.alert.status, u.alert.revision, u.notify])).toEqual([['closed', 2, false]]);
    expect(e.stats().openAlerts).toBe(0);
  });

  it('a restarted engine continues the same alert (same id, next revision) and ignores redelivered events', () => {
    const events = stream().slice(0, 2);
    const a = createEngine({ rules: RS, clock: new ManualClock(T0) });
    let stored: Alert | undefined;
    for (const x of events) stored = only(a.evaluate([x]).alerts, 'r.static')[0]?.alert ?? stored;
    expect(stored?.revision).toBe(2);

    const b = createEngine({ rules: RS, clock: new ManualClock(T0 + 15_000) });
    b.restore({ activity: [], openAlerts: [stored as Alert], recentEvents: events });
    // Kafka redelivers the last event: nothing changes (no new revision).
    expect(only(b.evaluate([events[1] as EnrichedEvent]).alerts, 'r.static')).toEqual([]);
    const next = only(b.evaluate([stream()[2] as EnrichedEvent]).alerts, 'r.static')[0];
    expect(next?.alert.alert_id).toBe(stored?.alert_id);
    expect(next?.alert).toMatchObject({ revision: 3, event_count: 3, suppressed_count: 2, observed: 120 });
    expect(next?.notify).toBe(false);
    expect(b.stats().openAlerts).toBe(1);
  });

  it('replaying the same stream in any batching gives the same alerts (backtest = live)', () => {
    const many: EnrichedEvent[] = [];
    for (let i = 0; i < 60; i++) {
      many.push(ev({ event_id: `m${i}`, record_refs: refs(`m${i}`, 20), ts: T0 + i * 15_000, action: i % 7 === 0 ? 'export' : 'read' }));
    }
    const finals = (batch: number) => {
      const e = createEngine({ rules: RS, clock: new ManualClock(0) });
      const last = new Map<string, Alert>();
      for (let i = 0; i < many.length; i += batch) for (const u of e.evaluate(many.slice(i, i + batch)).alerts) last.set(u.alert.alert_id, u.alert);
      return [...last.values()].map((x) => ({ ...x })).sort((p, q) => p.alert_id.localeCompare(q.alert_id));
    };
    const one = finals(1);
    expect(one.length).toBeGreaterThanOrEqual(2);
    expect(finals(60)).toEqual(one);
    expect(finals(7)).toEqual(one);
  });
});
