import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import { createEngine, type ActorActivityRow } from '../../../src/runtime/engine/index.js';
import { ev, ref, T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { BASELINE_RULES, rules } from './support/rules.js';

const RS = rules(BASELINE_RULES);
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };
const burst = (actor: string, n: number, ts = T0) => ev({ actor_id: actor, record_refs: Array.from({ length: n }, (_, i) => ref(`${actor}-${i}-${ts}`)), ts });
const ownOf = (a: { explanation: Record<string, unknown> } | undefined) =>
  ((a?.explanation.windows as { own: { samples: number; median: number } }[])[0] as { own: { samples: number; median: number } }).own;

describe('ActivityHistory.merge', () => {
  it('adds unknown buckets, keeps a bucket against an identical or older row, replaces it with a newer one', () => {
    const h = new ActivityHistory(28 * 86_400_000, BAND);
    const [row] = hourlyRows('alice', { days: 1, peak5m: 30, before: T0 }) as [ActorActivityRow];
    expect(h.merge(row)).toBe('added');
    expect(h.merge({ ...row })).toBe('kept');
    expect(h.merge({ ...row, events: row.events - 1, peak_5m_distinct: 999 })).toBe('kept');
    expect(h.own('alice', 'hour_peak_5m', 'business')).toMatchObject({ samples: 1, median: 30 });
    // The same bucket closed later elsewhere (more events): the newer figures win, still one sample.
    expect(h.merge({ ...row, events: row.events + 5, peak_5m_distinct: 45 })).toBe('replaced');
    expect(h.own('alice', 'hour_peak_5m', 'business')).toMatchObject({ samples: 1, median: 45 });
    // add() (the engine's own closing buckets) never replaces.
    expect(h.add({ ...row, events: 100, peak_5m_distinct: 7 })).toBe(false);
    expect(h.own('alice', 'hour_peak_5m', 'business').median).toBe(45);
  });
});

describe('engine.mergeActivity', () => {
  it('lets rows loaded after start become the baseline of later judgements', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    // No history: static 500, 300 does not alert.
    expect(e.evaluate([burst('alice', 300)]).alerts).toEqual([]);
    // Another instance's closed buckets for alice: 3 days at 30 -> own limit max(31e - 1, floor 100) = 100.
    e.mergeActivity(hourlyRows('alice', { days: 3, peak5m: 30, before: T0 }));
    const up = e.evaluate([burst('alice', 1, T0 + 1_000)]).alerts[0]?.alert;
    expect(up?.baseline_source).toBe('own');
    expect(up?.observed).toBe(301);
    expect(ownOf(up)).toMatchObject({ samples: 24, median: 30 });
  });

  it('is idempotent: merging the same rows again changes nothing, and they are not emitted as activity', () => {
    const rows = hourlyRows('alice', { days: 3, peak5m: 30, before: T0 });
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.mergeActivity(rows);
    e.mergeActivity(rows);
    e.mergeActivity([...rows].reverse());
    const out = e.evaluate([burst('alice', 150)]);
    expect(out.activity).toEqual([]);
    expect(ownOf(out.alerts[0]?.alert)).toMatchObject({ samples: 24, median: 30 });
  });

  it('updates peers too: a second instance learns its colleagues baselines', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.mergeActivity(['p1', 'p2', 'p3'].flatMap((p) => hourlyRows(p, { days: 3, peak5m: 100, before: T0 })));
    // A new actor: peers (101e - 1 = 273.5).
    expect(e.evaluate([burst('nina', 270)]).alerts).toEqual([]);
    expect(e.evaluate([burst('nina', 10, T0 + 1_000)]).alerts[0]?.alert.baseline_source).toBe('peers');
  });
});
