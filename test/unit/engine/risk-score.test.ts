/**
 * One risk score per actor (issue 9): rate rules with `alone: false` are
 * signals that never alert by themselves; a `kind: score` rule adds their
 * points (weight x observed / limit, at most `max`) and the points of facts
 * on each event, and alerts at its threshold.
 *  - one signal alone stays quiet; two together alert, and the alert lists
 *    what each added;
 *  - a fact adds its points only while it holds;
 *  - `sources` leaves steps out of the baseline chain (a peer signal is never
 *    decided by own history);
 *  - the stored alert state carries the contributions, so a restored alert
 *    renders the same revision;
 *  - the loader refuses a signal that nothing reads and a score naming what is
 *    not a rate rule.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type ActorActivityRow } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { parseAlertState } from '../../../src/model/alert-state.js';
import { openAlertFromState, alertStateOf } from '../../../src/runtime/engine/alerts/alert-state.js';
import { renderAlert } from '../../../src/runtime/engine/alerts/render.js';
import { ev, profile, ref } from './support/enrich.js';
import { drive } from './support/drive.js';
import { hourlyRows } from './support/history.js';
import { problems, rules, signalRule, twoSignalScoreRules } from './support/rules.js';

const MIN = 60_000;
/** Tuesday 2025-03-04 09:00 UTC (10:00 in Berlin: business hours). */
const AT = Date.parse('2025-03-04T09:00:00Z');

/** 20 weekdays of business hours before AT whose busiest hour held `peak` customers. */
function hours(actor: string, peak: number): ActorActivityRow[] {
  return hourlyRows(actor, { days: 20, peak5m: 3, peak1h: peak, distinct: peak, before: AT });
}


const RS_TEXT = twoSignalScoreRules(`\
    facts:
      - { when: { field: actor.employment_status, eq: notice }, points: 1, reason: on notice }
`);
const RS = rules(RS_TEXT);

/** `n` new customers, one a minute from AT. */
function reads(n: number, actor = 'alice', status: 'active' | 'notice' = 'active'): EnrichedEvent[] {
  return Array.from({ length: n }, (_, i) =>
    ev({ event_id: `${actor}-${i}`, ts: AT + i * MIN, actor_id: actor, actor: { employment_status: status }, record_refs: [ref(`c-${i}`)] }),
  );
}

/** alice's own busiest hour is `own`; her three peers' is `peers`. */
function engineWith(clock: ManualClock, own: number, peers: number) {
  const engine = createEngine({ rules: RS, clock });
  engine.restore({ activity: [...hours('alice', own), ...hours('paula', peers), ...hours('peter', peers), ...hours('quinn', peers)], alerts: [], recentEvents: [] });
  return engine;
}

describe('a risk score of signals', () => {
  it('two signals together alert, listing what each added', () => {
    // Own and peer limits: (1 + 10) x exp(3 x 0.25) - 1 = 22.3; the 23rd customer passes both.
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 10, 10), clock, reads(30));
    const opened = run.updates.find((u) => u.notify)!;
    expect(opened.alert.rule_id).toBe('score.combined');
    expect(opened.alert.rule_kind).toBe('score');
    expect(opened.alert.first_event_ts).toBe(AT + 22 * MIN);
    // 23 / 22.29 = 1.03 points each.
    expect(opened.alert.observed).toBe(2.06);
    expect(opened.alert.baseline).toBe(2);
    const finding = (opened.alert.explanation.findings as Record<string, unknown>[])[0]!;
    expect(finding.contributions).toEqual([
      { rule_id: 's.own', signal: 's.own signal', points: 1.03, window: '1h' },
      { rule_id: 's.peers', signal: 's.peers signal', points: 1.03, window: '1h' },
    ]);
    expect((finding.windows as Record<string, unknown>[]).map((w) => w.baseline_source)).toEqual(['own', 'peers']);
    expect(opened.alert.summary).toContain('several signals, risk score 2.06 of 2: s.own signal 1.03 (23 in 1h, limit 22 from own history), s.peers signal 1.03 (23 in 1h, limit 22 from peers)');
  });

  it('one signal alone stays quiet, however far above its limit (max 1.5 < 2)', () => {
    // Far above her own usual hour of 4 (limit 9.6), within her peers' (30: limit 66).
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 4, 30), clock, reads(60));
    expect(run.updates).toEqual([]);
  });

  it('a fact adds its points while it holds: the same single signal alerts for someone on notice', () => {
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 4, 30), clock, reads(30, "alice", "notice"));
    const opened = run.updates.find((u) => u.notify)!;
    // Her own limit is the floor (20; the statistical (1 + 4) x exp(1.5 x 0.25) - 1 = 6.3 on notice is below it):
    // the 21st customer is 21 / 20 = 1.05 points, + 1 for the notice. Active, the same hour stayed quiet (above).
    expect(opened.alert.first_event_ts).toBe(AT + 20 * MIN);
    const finding = (opened.alert.explanation.findings as Record<string, unknown>[])[0]!;
    expect(finding.contributions).toEqual([
      { rule_id: 's.own', signal: 's.own signal', points: 1.05, window: '1h' },
      { rule_id: null, signal: 'on notice', points: 1, window: null },
    ]);
  });

  it('a signal rule is never an alert of its own', () => {
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 10, 10), clock, reads(60));
    expect(new Set(run.updates.map((u) => u.alert.rule_id))).toEqual(new Set(['score.combined']));
    for (const u of run.updates) {
      expect((u.alert.explanation.findings as { rule_id: string }[]).map((f) => f.rule_id)).toEqual(['score.combined']);
    }
  });

  it('the stored state carries the contributions: a restored alert renders the same revision', () => {
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 10, 10), clock, reads(40));
    const last = run.updates[run.updates.length - 1]!;
    const state = parseAlertState(JSON.stringify(last.state));
    expect(state).not.toBeNull();
    const back = openAlertFromState(state!);
    expect(alertStateOf(back)).toEqual(state);
    expect(renderAlert(back, { ruleOf: (id) => RS.rulesById.get(id) })).toEqual(last.alert);
  });
});

describe('sources', () => {
  it('a peers-only window is judged against peers even when own history qualifies', () => {
    // alice's own busiest hour is 4 (limit: the floor, 20), her peers' 10 (limit 22.3).
    const clock = new ManualClock(AT);
    const run = drive(engineWith(clock, 4, 10), clock, reads(30));
    const finding = (run.updates.find((u) => u.notify)!.alert.explanation.findings as Record<string, unknown>[])[0]!;
    const windows = finding.windows as { baseline_source: string; usual: number; own: { used: boolean; skipped: string | null } }[];
    expect(windows).toHaveLength(2);
    expect(windows[0]).toMatchObject({ baseline_source: 'own', usual: 4 });
    expect(windows[1]).toMatchObject({ baseline_source: 'peers', usual: 10, own: { used: false, skipped: "not among the window's sources" } });
  });
});

describe('the loader', () => {
  it('refuses a signal no score rule reads', () => {
    expect(problems(`rules:\n${signalRule('s.lonely', '[own]')}`).join('\n')).toContain('has alone: false but no score rule names it among its signals');
  });

  it('refuses a score naming an unknown rule or a policy rule', () => {
    const text = `
rules:
  - { id: p.x, version: 1, kind: policy, title: x, severity: low, when: { field: action, eq: export } }
  - { id: sc, version: 1, kind: score, title: s, severity: low, threshold: 2, signals: [ { rule: p.x }, { rule: nope } ] }
`;
    const all = problems(text).join('\n');
    expect(all).toContain('signal `p.x` is a policy rule; a score\'s signals are rate rules');
    expect(all).toContain('signal refers to unknown rule `nope`');
  });
});
