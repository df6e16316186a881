/**
 * The low-and-slow horizon (issue 9): `measure: customer_days` with
 * `on_days: k` is the number of distinct customers an actor read (per UTC
 * day) on at least k days of a window of whole days: its k-th busiest day.
 *  - no self-poisoning: the window's baseline (the usual day) is read as of
 *    its first day, so the days being judged never enter it;
 *  - three days at a little over twice the usual day are found on the third;
 *    two busy days are not; the explanation names the days and the usual day;
 *  - a restart, which stores closed days and replays about a day of events,
 *    continues the same alert, revision for revision;
 *  - the loader refuses what such a window cannot mean.
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
/** Monday 2025-02-03 00:00 UTC: four weeks of history from here. */
const HISTORY_START = Date.parse('2025-02-03T00:00:00Z');
/** Tuesday 2025-03-04, the first day after the history. */
const FIRST = Date.parse('2025-03-04T00:00:00Z');

/** Daily rows of 30 customers on the weekdays of [from, to). */
function weekdays(actor: string, from: number, to: number, distinct = 30): ActorActivityRow[] {
  const out: ActorActivityRow[] = [];
  for (let d = from; d < to; d += DAY) {
    const wd = ((new Date(d).getUTCDay() + 6) % 7) + 1;
    if (wd <= 5) out.push(dayRow(actor, d, distinct));
  }
  return out;
}

const RS_TEXT = `
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
rules:
  - id: r.week
    version: 1
    kind: rate
    title: unusual week
    severity: medium
    measure: customer_days
    on_days: 3
    windows:
      - window: 7d
        floor: 25
        baseline: { metric: day_distinct, z: 2.7, own_min_days: 5 }
`;
const RS = rules(RS_TEXT);

/** `perDay` new customers on each weekday from FIRST, one read every 6 minutes from 08:00 UTC. */
function days(perDay: readonly number[]): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  perDay.forEach((n, d) => {
    for (let i = 0; i < n; i++) {
      const ts = FIRST + d * DAY + 8 * 60 * MIN + i * 6 * MIN;
      out.push(ev({ event_id: `d${d}-${i}`, ts, record_refs: [ref(`c-${d}-${i}`)] }));
    }
  });
  return out;
}

function engineWithHistory(clock: ManualClock) {
  const engine = createEngine({ rules: RS, clock });
  engine.restore({ activity: weekdays('alice', HISTORY_START, FIRST), alerts: [], recentEvents: [] });
  return engine;
}

describe('customer_days in the engine', () => {
  it('finds three days at 70 against a usual day of 30, on the third, and explains it in days', () => {
    const clock = new ManualClock(FIRST);
    const run = drive(engineWithHistory(clock), clock, days([70, 70, 70]));
    const first = run.updates.find((u) => u.notify);
    expect(first).toBeDefined();
    const alert = first!.alert;
    expect(alert.rule_id).toBe('r.week');
    // Tue 70, Wed 70, and Thursday passing (1 + 30) x e^(2.7 x 0.25) - 1 = 59.9: its 60th read.
    expect(alert.first_event_ts).toBe(FIRST + 2 * DAY + 8 * 60 * MIN + 59 * 6 * MIN);
    expect(alert.summary).toContain('read 60 or more customers a day on 3 days of the last 7d, 2× their usual day of 30 before them (5 days with reads)');
    const finding = (alert.explanation.findings as { windows: Record<string, unknown>[] }[])[0]!;
    expect(finding.windows[0]).toMatchObject({ window: '7d', baseline_source: 'own', usual: 30, days: { with_reads: 5, level_reached_on: 3 } });
  });

  it('two busy days at 2.5x the usual stay quiet', () => {
    const clock = new ManualClock(FIRST);
    const run = drive(engineWithHistory(clock), clock, days([75, 75, 30]));
    expect(run.updates).toEqual([]);
  });

  it('a restart that replays only the last day continues the same alert, revision for revision', () => {
    const events = days([70, 70, 70]);
    const clock = new ManualClock(FIRST);
    const clean = drive(engineWithHistory(clock), clock, events);
    expect(clean.updates.length).toBeGreaterThan(1);
    // Stop during the third day: ClickHouse holds the closed day rows, every revision, and the events.
    const k = events.findIndex((e) => e.ts >= FIRST + 2 * DAY + 10 * 60 * MIN);
    const clockA = new ManualClock(FIRST);
    const a = engineWithHistory(clockA);
    const before = drive(a, clockA, events.slice(0, k));
    const latest = new Map<string, AlertUpdate>();
    for (const u of before.updates) if ((latest.get(u.alert.alert_id)?.alert.revision ?? 0) < u.alert.revision) latest.set(u.alert.alert_id, u);
    const clockB = new ManualClock((events[k - 1] as EnrichedEvent).ts);
    const b = createEngine({ rules: RS, clock: clockB });
    const stopAt = (events[k - 1] as EnrichedEvent).ts;
    // What a partition restore loads: activity rows, open alerts with state, and the events within the engine's history window.
    b.restore({
      activity: [...weekdays('alice', HISTORY_START, FIRST), ...before.rows],
      alerts: [...latest.values()].map((u) => ({ alert: u.alert, state: u.state })),
      recentEvents: events.slice(0, k).filter((e) => e.ts > stopAt - b.historyWindowMs()),
    });
    // The engine keeps (and a restore replays) the events of a day plus margins, not the window's seven days.
    expect(b.historyWindowMs()).toBeLessThan(4 * DAY);
    const after = drive(b, clockB, events.slice(k));
    expect(clean.perEvent.slice(k).flat().length).toBeGreaterThan(0);
    expect(after.updates.map((u) => ({ alert: u.alert, notify: u.notify }))).toEqual(clean.perEvent.slice(k).flat().map((u) => ({ alert: u.alert, notify: u.notify })));
  });
});

describe('the days being judged are not in their own baseline', () => {
  it("a scrape's first days do not lift the usual day that judges its third", () => {
    // Two ordinary days of history (30 each) and a rule that trusts two days. Read as of "now", the
    // usual day on Thursday would be the median of 30, 30, 70, 70 = 50 (limit 99: Thursday's 70 passes
    // unseen); read as of the window's first day it is 30 (limit 59.9).
    const thin = rules(RS_TEXT.replace('own_min_days: 5', 'own_min_days: 2'));
    const clock = new ManualClock(FIRST);
    const engine = createEngine({ rules: thin, clock });
    engine.restore({ activity: [dayRow('alice', FIRST - 7 * DAY, 30), dayRow('alice', FIRST - 6 * DAY, 30)], alerts: [], recentEvents: [] });
    const run = drive(engine, clock, days([70, 70, 70]));
    const first = run.updates.find((u) => u.notify);
    expect(first?.alert.baseline).toBe(30);
    expect(first?.alert.first_event_ts).toBe(FIRST + 2 * DAY + 8 * 60 * MIN + 59 * 6 * MIN);
  });
});

describe('the loader', () => {
  const rule = (window: string, baseline: string) => `
rules:
  - { id: r.w, version: 1, kind: rate, title: w, severity: low, measure: customer_days,
      windows: [ { window: ${window}, floor: 10, baseline: { metric: ${baseline} } } ] }
`;

  it('refuses a window that is not whole days of at least two', () => {
    expect(problems(rule('36h', 'day_distinct')).join('\n')).toContain('a customer_days window is a whole number of days, at least 2d');
    expect(problems(rule('1d', 'day_distinct')).join('\n')).toContain('at least 2d');
  });

  it('refuses a metric other than day_distinct, and levels of single days', () => {
    expect(problems(rule('7d', 'hour_peak_1h')).join('\n')).toContain('its baseline metric is day_distinct');
    expect(problems(rule('7d', 'day_distinct, recurring_peak: { min_count: 2 }')).join('\n')).toContain('`recurring_peak` is a level of single hours or days');
  });

  it('refuses more busy days than the window holds', () => {
    const text = rule('2d', 'day_distinct').replace('measure: customer_days,', 'measure: customer_days, on_days: 3,');
    expect(problems(text).join('\n')).toContain('on_days (3) is more days than the 2-day window holds');
  });
});
