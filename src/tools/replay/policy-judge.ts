/**
 * One event against every policy rule of a compiled rule set, as the engine
 * judges it: the rule's compiled scope, then its compiled check (grant, zone,
 * record limit) with the rule set's employment-status factor. The actor's own
 * largest requests are not counted (0), so a per-request limit is the role's,
 * as strict as it gets; facts from history (first_seen.*, new_customers) read
 * false/0; exceptions are not applied. Shared by the simulator's policy audit
 * and `custos check --events`.
 */
import type { EnrichedEvent } from '../../model/enriched.js';
import type { DerivedFacts, EvalInput, PolicyRule, RuleSet } from '../../runtime/engine/index.js';

export interface PolicyVerdict {
  readonly rule: PolicyRule;
  /** What the clause found, in the engine's words. */
  readonly clause: string;
}

const NO_FACTS: DerivedFacts = { first_seen_resource_type: false, peer_share_resource_type: 0, first_seen_channel: false, first_seen_zone: false, new_customers: 0, silent_days: 0 };

export function createPolicyJudge(rules: RuleSet): (e: EnrichedEvent) => PolicyVerdict[] {
  // One input object, refilled per event: this runs for every event of a sample.
  const input: EvalInput = { e: undefined as unknown as EnrichedEvent, f: NO_FACTS };
  return (e) => {
    input.e = e;
    const factor = rules.statusFactors.get(e.actor.employment_status) ?? 1;
    const out: PolicyVerdict[] = [];
    for (const rule of rules.policyRules) {
      if (rule.scope !== null && !rule.scope(input)) continue;
      if (rule.check === null) {
        out.push({ rule, clause: rule.title });
        continue;
      }
      const finding = rule.check.run(input, factor, () => 0);
      if (finding !== null) out.push({ rule, clause: finding.limit === null ? finding.reason : `${finding.reason} (${finding.observed} against a limit of ${finding.limit})` });
    }
    return out;
  };
}
