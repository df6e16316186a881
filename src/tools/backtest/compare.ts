/**
 * The difference between two rule sets' alerts over the same events.
 *
 * Alerts are matched by alert_id first: it is derived from the actor, the
 * opening event and (while alerts are per rule) the rule only, so the same
 * detection under both rule sets has the same id. A rule change often moves
 * the opening (a lower threshold opens on an earlier event), which gives a
 * different id for what an analyst would call the same alert; so the
 * leftovers are matched loosely, as "moved": same actor, a rule in common (the alert's rule or one of its findings' rules),
 * and overlapping windows [window_start, window_end] (the event time the
 * verdicts are about), the closest openings paired first. What is still
 * unmatched is fired by one set only.
 */
import type { AlertRecord, RuleCounts } from './alert-tally.js';
import { compareRecords } from './alert-tally.js';
import { findingRules } from './alert-rules.js';

export interface MatchedPair {
  readonly a: AlertRecord;
  readonly b: AlertRecord;
}

export interface RuleCountDiff {
  readonly rule_id: string;
  readonly a: RuleCounts;
  readonly b: RuleCounts;
}

export interface AlertDiff {
  readonly onlyInA: readonly AlertRecord[];
  readonly onlyInB: readonly AlertRecord[];
  /** Same rule and actor, overlapping windows, different opening event. */
  readonly moved: readonly MatchedPair[];
  /** Same alert_id, but a different severity, tier, number of escalations, rule or set of finding rules. */
  readonly changed: readonly MatchedPair[];
  /** Rules whose counts differ (alerts, escalations or merges), by rule id. */
  readonly perRule: readonly RuleCountDiff[];
  /** Alerts matched by id with the same outcome. */
  readonly same: number;
}

const ZERO: RuleCounts = { alerts: 0, withFinding: 0, escalations: 0, merges: 0 };

export function diffAlerts(
  a: readonly AlertRecord[],
  b: readonly AlertRecord[],
  countsA: ReadonlyMap<string, RuleCounts>,
  countsB: ReadonlyMap<string, RuleCounts>,
): AlertDiff {
  const byIdB = new Map(b.map((r) => [r.alert.alert_id, r]));
  const restA: AlertRecord[] = [];
  const changed: MatchedPair[] = [];
  let same = 0;
  for (const ra of a) {
    const rb = byIdB.get(ra.alert.alert_id);
    if (rb === undefined) {
      restA.push(ra);
      continue;
    }
    byIdB.delete(ra.alert.alert_id);
    if (outcomeDiffers(ra, rb)) changed.push({ a: ra, b: rb });
    else same++;
  }
  const { moved, onlyInA, onlyInB } = matchLoosely(restA, [...byIdB.values()]);
  return { onlyInA, onlyInB, moved, changed, perRule: diffCounts(countsA, countsB), same };
}

function outcomeDiffers(x: AlertRecord, y: AlertRecord): boolean {
  return (
    x.alert.severity !== y.alert.severity ||
    x.alert.tier !== y.alert.tier ||
    x.escalations !== y.escalations ||
    x.alert.rule_id !== y.alert.rule_id ||
    findingRules(x.alert).sort().join() !== findingRules(y.alert).sort().join()
  );
}

function shareARule(x: AlertRecord, y: AlertRecord): boolean {
  const rules = findingRules(y.alert);
  return findingRules(x.alert).some((r) => rules.includes(r));
}

function overlaps(x: AlertRecord, y: AlertRecord): boolean {
  return x.alert.window_start <= y.alert.window_end && y.alert.window_start <= x.alert.window_end;
}

function matchLoosely(restA: AlertRecord[], restB: AlertRecord[]): { moved: MatchedPair[]; onlyInA: AlertRecord[]; onlyInB: AlertRecord[] } {
  const byActor = new Map<string, AlertRecord[]>();
  for (const rb of restB) {
    const list = byActor.get(rb.alert.actor_id) ?? [];
    list.push(rb);
    byActor.set(rb.alert.actor_id, list);
  }
  // Every admissible pair, closest openings first; each alert is paired at most once.
  const pairs: { a: AlertRecord; b: AlertRecord; distance: number }[] = [];
  for (const ra of restA) {
    for (const rb of byActor.get(ra.alert.actor_id) ?? []) {
      if (overlaps(ra, rb) && shareARule(ra, rb)) pairs.push({ a: ra, b: rb, distance: Math.abs(rb.alert.first_event_ts - ra.alert.first_event_ts) });
    }
  }
  pairs.sort((x, y) => x.distance - y.distance || compareRecords(x.a, y.a) || compareRecords(x.b, y.b));
  const taken = new Set<AlertRecord>();
  const moved: MatchedPair[] = [];
  for (const p of pairs) {
    if (taken.has(p.a) || taken.has(p.b)) continue;
    taken.add(p.a);
    taken.add(p.b);
    moved.push({ a: p.a, b: p.b });
  }
  moved.sort((x, y) => compareRecords(x.a, y.a));
  const onlyInA = restA.filter((r) => !taken.has(r)).sort(compareRecords);
  const onlyInB = restB.filter((r) => !taken.has(r)).sort(compareRecords);
  return { moved, onlyInA, onlyInB };
}

function diffCounts(countsA: ReadonlyMap<string, RuleCounts>, countsB: ReadonlyMap<string, RuleCounts>): RuleCountDiff[] {
  const rules = [...new Set([...countsA.keys(), ...countsB.keys()])].sort();
  const out: RuleCountDiff[] = [];
  for (const rule_id of rules) {
    const a = countsA.get(rule_id) ?? ZERO;
    const b = countsB.get(rule_id) ?? ZERO;
    if (a.alerts !== b.alerts || a.withFinding !== b.withFinding || a.escalations !== b.escalations || a.merges !== b.merges) out.push({ rule_id, a, b });
  }
  return out;
}
