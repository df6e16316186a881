/**
 * How long after the last event time must run for a replay to see every
 * closing: an alert closes once its quiet period (at least the longest window
 * that fired) has passed, plus the lateness allowance; an activity bucket once
 * its end (at most a day away, for `day` buckets) plus the lateness has passed.
 */
import type { RuleSet } from '../../runtime/engine/index.js';

const DAY_MS = 86_400_000;

export function settleTimeMs(rules: RuleSet, tickEveryMs: number): number {
  let longest = Math.max(DAY_MS, rules.settings.quiet);
  for (const r of rules.rulesById.values()) {
    longest = Math.max(longest, r.quietMs);
    if (r.kind === 'rate') for (const w of r.windows) longest = Math.max(longest, w.horizonMs);
  }
  return longest + rules.settings.lateness + tickEveryMs;
}
