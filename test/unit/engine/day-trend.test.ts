/**
 * `measure: day_trend` (issue 9, low and slow): the Mann-Kendall count S of
 * an actor's last n days with reads, today's open day included, read from
 * closed daily rows and the open day bucket:
 *  - a week of days each above the one before gives S = n(n-1)/2; days that
 *    go up and down give about 0, and fewer than n days with reads give 0;
 *  - it is judged as the day fills (S only grows during a day);
 *  - a restart, which keeps closed days and replays a day of events, gives
 *    the same alerts;
 *  - a score signal with `with` counts only next to one of the signals it
 *    names; the loader refuses what a trend window or `with` cannot mean.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type ActorActivityRow, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref } from './support/enrich.js';
import { drive } from './support/drive.js';
import { problems, rules } from './support/rules.js';
import { dayRow } from './support/history.js';

const DAY = 86_400_000;
const MIN = 60_000;
/** Tuesday 2025-03-04: the days judged start here. */
const FIRST = Date.parse('2025-03-04T00:00:00Z');

/** The settings every rule text here runs with. */
const SETTINGS = `settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
`;

/** A trend rule that alerts alone: above 14 of at most 21 (7 days with reads within 14). */
const RS = rules(`
${SETTINGS}rules:
  - id: r.trend
    version: 1
    kind: rate
    title: more customers day after day
    severity: medium
    measure: day_trend
    active_days: 7
    windows:
      - { window: 14d, limit: 14 }
`);

/** `perDay[d]` new customers on day d from FIRST (calendar days), one read every 5 minutes from 08:00 UTC. */
function days(perDay: readonly number[]): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  perDay.forEach((n, d) => {
    for (let i = 0; i < n; i++) out.push(ev({ event_id: `d${d}-${i}`, ts: FIRST + d * DAY + 8 * 60 * MIN + i * 5 * MIN, record_refs: [ref(`c-${d}-${i}`)] }));
  });
  return out;
}

/** Closed daily rows of `distinct` each on the 6 days before FIRST. */
const HISTORY = [6, 5, 4, 3, 2, 1].map((k) => dayRow('alice', FIRST - k * DAY, 30));

function engineWith(activity: readonly ActorActivityRow[], clock: ManualClock) {
  const engine = createEngine({ rules: RS, clock });
  engine.restore({ activity, alerts: [], recentEvents: [] });
  return engine;
}

describe('day_trend in the engine', () => {
  it('a day rising past the six rising days before it: judged as it fills, and explained', () => {
    // Days of 20, 22, 24, 26, 28, 30 before (S = 15 among them); today counts against each as it fills.
    const rising = [6, 5, 4, 3, 2, 1].map((k, i) => dayRow('alice', FIRST - k * DAY, 20 + 2 * i));
    const clock = new ManualClock(FIRST);
    const run = drive(engineWith(rising, clock), clock, days([40]));
    const first = run.updates.find((u) => u.notify);
    expect(first).toBeDefined();
    // Today's 25th read puts it above 20, 22 and 24 and below 26, 28 and 30: 15 + 3 - 3 = 15 > 14 (the 24th ties 24: 14).
    expect(first!.alert.first_event_ts).toBe(FIRST + 8 * 60 * MIN + 24 * 5 * MIN);
    expect(first!.alert.summary).toContain('a trend of 15 (of at most 21) over their last 7 days with reads in 14d, above the limit of 14');
  });

  it('days that go up and down give no trend, however busy', () => {
    const jagged = [60, 20, 70, 25, 65, 30].map((n, i) => dayRow('alice', FIRST - (6 - i) * DAY, n));
    const clock = new ManualClock(FIRST);
    expect(drive(engineWith(jagged, clock), clock, days([200])).updates).toEqual([]);
  });

  it('fewer days with reads than active_days give no trend', () => {
    const few = [20, 22, 24, 26, 28].map((n, i) => dayRow('alice', FIRST - (5 - i) * DAY, n));
    const clock = new ManualClock(FIRST);
    expect(drive(engineWith(few, clock), clock, days([100])).updates).toEqual([]);
  });

  it('only days with reads count: a weekend between rising days does not break the trend', () => {
    // Six days with reads over the 8 calendar days before (two days without any), and today the seventh.
    const spaced = [8, 7, 6, 3, 2, 1].map((k, i) => dayRow('alice', FIRST - k * DAY, 20 + 2 * i));
    const clock = new ManualClock(FIRST);
    const run = drive(engineWith(spaced, clock), clock, days([40]));
    expect(run.updates.some((u) => u.notify)).toBe(true);
  });

  it('a restart that replays only the last days continues the same alert', () => {
    const rising = [6, 5, 4, 3, 2, 1].map((k, i) => dayRow('alice', FIRST - k * DAY, 20 + 2 * i));
    const events = days([40, 45, 50, 55, 60]);
    const clock = new ManualClock(FIRST);
    const clean = drive(engineWith(rising, clock), clock, events);
    expect(clean.updates.length).toBeGreaterThan(1);
    // Stop on the fifth day: ClickHouse holds the closed rows (the first four days' too), the revisions and the events.
    const k = events.findIndex((e) => e.ts >= FIRST + 4 * DAY + 10 * 60 * MIN);
    const clockA = new ManualClock(FIRST);
    const before = drive(engineWith(rising, clockA), clockA, events.slice(0, k));
    const latest = new Map<string, AlertUpdate>();
    for (const u of before.updates) if ((latest.get(u.alert.alert_id)?.alert.revision ?? 0) < u.alert.revision) latest.set(u.alert.alert_id, u);
    const stopAt = (events[k - 1] as EnrichedEvent).ts;
    const clockB = new ManualClock(stopAt);
    const b = createEngine({ rules: RS, clock: clockB });
    b.restore({
      activity: [...rising, ...before.rows],
      alerts: [...latest.values()].map((u) => ({ alert: u.alert, state: u.state })),
      recentEvents: events.slice(0, k).filter((e) => e.ts > stopAt - b.historyWindowMs()),
    });
    // The first days come back as daily rows only: their events are not replayed.
    expect(events[0]!.ts).toBeLessThan(stopAt - b.historyWindowMs());
    const after = drive(b, clockB, events.slice(k));
    expect(clean.perEvent.slice(k).flat().length).toBeGreaterThan(0);
    expect(after.updates.map((u) => ({ alert: u.alert, notify: u.notify }))).toEqual(clean.perEvent.slice(k).flat().map((u) => ({ alert: u.alert, notify: u.notify })));
  });
});

describe('a score signal with `with`', () => {
  const rising = [6, 5, 4, 3, 2, 1].map((k, i) => dayRow('alice', FIRST - k * DAY, 20 + 2 * i));
  // A threshold of 1: the trend alone reaches it, unless it needs the busy day.
  const text = (withList: string) => `
${SETTINGS}rules:
  - { id: s.trend, version: 1, kind: rate, alone: false, title: trend, severity: low, measure: day_trend, active_days: 7,
      windows: [ { window: 14d, limit: 14 } ] }
  - { id: s.day, version: 1, kind: rate, alone: false, title: busy day, severity: low, measure: distinct_customers,
      windows: [ { window: 24h, limit: 35 } ] }
  - { id: s.score, version: 1, kind: score, title: together, severity: medium, threshold: 1,
      signals: [ { rule: s.trend, weight: 1, max: 1${withList} }, { rule: s.day, weight: 1, max: 1 } ] }
`;
  const firstAlert = (withList: string, perDay: number[]) => {
    const clock = new ManualClock(FIRST);
    const engine = createEngine({ rules: rules(text(withList)), clock });
    engine.restore({ activity: rising, alerts: [], recentEvents: [] });
    return drive(engine, clock, days(perDay)).updates.find((u) => u.notify)?.alert;
  };

  it('is not listed where it added nothing, though the score fires for something else', () => {
    // A fact of a later event (two records) reaches the threshold alone, while the trend (here at
    // most 0.5, so never an alert by itself) is above its limit and the busy day is not: the trend
    // is listed without `with`, and absent with it.
    const withFact = (withList: string) =>
      text(withList)
        .replace('{ rule: s.trend, weight: 1, max: 1', '{ rule: s.trend, weight: 0.5, max: 0.5')
        .replace('signals: [', "facts: [ { when: { field: record_count, gte: 2 }, points: 1, reason: two records } ],\n      signals: [");
    const run = (withList: string) => {
      const clock = new ManualClock(FIRST);
      const engine = createEngine({ rules: rules(withFact(withList)), clock });
      engine.restore({ activity: rising, alerts: [], recentEvents: [] });
      const last = ev({ event_id: 'two', ts: FIRST + 12 * 60 * MIN, record_refs: [ref('x-1'), ref('x-2')] });
      return drive(engine, clock, [...days([30]), last].sort((a, b) => a.ts - b.ts)).updates.find((u) => u.notify)?.alert;
    };
    const listed = run('');
    expect(listed?.summary).toContain('trend 0.5 (');
    expect(listed?.summary).toContain('two records 1');
    const unlisted = run(', with: [s.day]');
    expect(unlisted?.summary).toContain('two records 1');
    expect(unlisted?.summary).not.toContain('trend');
  });

  it('adds nothing, and is not listed, until one of the signals it names is above its limit', () => {
    // Without `with`: the trend alone (above its limit from the 25th read) is 1 point, the threshold.
    const alone = firstAlert('', [30]);
    expect(alone?.first_event_ts).toBe(FIRST + 8 * 60 * MIN + 24 * 5 * MIN);
    expect(alone?.summary).toContain('trend 1 (');
    // Needing the busy day (above 35 in 24h), 30 customers raise nothing...
    expect(firstAlert(', with: [s.day]', [30])).toBeUndefined();
    // ...and 40 alert at the 36th read, with both listed.
    const both = firstAlert(', with: [s.day]', [40]);
    expect(both?.first_event_ts).toBe(FIRST + 8 * 60 * MIN + 35 * 5 * MIN);
    expect(both?.summary).toMatch(/trend 1 \(.*busy day 1/);
  });
});

describe('the loader', () => {
  const trend = (window: string, extra = '') => `
rules:
  - { id: r.t, version: 1, kind: rate, title: t, severity: low, measure: day_trend${extra},
      windows: [ { window: ${window}, limit: 14 } ] }
`;

  it('refuses a window that is not whole days, more active days than it holds, and a baseline', () => {
    expect(problems(trend('36h')).join('\n')).toContain('a day_trend window is a whole number of days');
    expect(problems(trend('5d')).join('\n')).toContain('active_days (7) is more days than the 5-day window holds');
    expect(problems(trend('14d', ', active_days: 3')).join('\n')).toContain('active_days: Too small: expected number to be >=4');
    const withBaseline = trend('14d').replace('limit: 14', 'floor: 10, baseline: { metric: day_distinct }');
    expect(problems(withBaseline).join('\n')).toContain('a trend has no stored history to learn a limit from');
  });

  it('refuses `with` naming a rule that is not another signal of the same score', () => {
    const text = `
rules:
  - { id: s.a, version: 1, kind: rate, alone: false, title: a, severity: low, measure: day_trend, windows: [ { window: 14d, limit: 14 } ] }
  - { id: s.b, version: 1, kind: rate, alone: false, title: b, severity: low, measure: distinct_customers, windows: [ { window: 24h, limit: 35 } ] }
  - { id: s.c, version: 1, kind: rate, title: c, severity: low, measure: distinct_customers, windows: [ { window: 1h, limit: 35 } ] }
  - { id: s.score, version: 1, kind: score, title: together, severity: medium, threshold: 1,
      signals: [ { rule: s.a, with: [s.c] }, { rule: s.b, with: [s.b] } ] }
`;
    const found = problems(text).join('\n');
    expect(found).toContain('`with` names `s.c`, which is not another signal of this score rule');
    expect(found).toContain('`with` names `s.b`, which is not another signal of this score rule');
  });
});
