/**
 * The simulator's own check: every event of an incident that claims to be
 * policy-allowed (`policy_allowed` in its label) must pass the need-to-know
 * policy as the engine judges it. The judge is the engine's compiled rule set
 * (loadRuleSet, the same compile path the monitor uses), never a copy:
 *
 * - every policy rule (kind `policy`), judged per event by the replay's
 *   policy judge (src/tools/replay/policy-judge.ts: compiled scope and check,
 *   the role's limits without the actor's own history, no exceptions: an
 *   allowed incident needs no exception).
 * - every budget (a rate rule whose windows all have a `budget` limit, e.g.
 *   the daily distinct-customer budget): the real engine, given a rule set
 *   holding only those rules, over ALL events of the incident actors (their
 *   normal work counts against the same budget); an alert it raises within a
 *   window after an incident event is a breach by that incident.
 *
 * Facts from history (first_seen.*, new_customers) read false/0 here: a
 * policy clause that depends on them would not be a per-event policy.
 */
import { ManualClock } from '../../clock.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import { createEngine } from '../../runtime/engine/index.js';
import type { RuleSet } from '../../runtime/engine/index.js';
import { createPolicyJudge, type PolicyVerdict } from '../replay/policy-judge.js';

export interface PolicyClaim {
  /** Incident id (label id). */
  readonly id: string;
  readonly type: string;
  readonly actor_id: string;
}

export interface PolicyBreach {
  readonly incident_id: string;
  readonly incident_type: string;
  readonly actor_id: string;
  readonly event_id: string;
  readonly ts: string;
  readonly rule_id: string;
  readonly rule_file: string;
  /** What the clause found, in the engine's words. */
  readonly clause: string;
}

export class PolicyBreachError extends Error {
  constructor(readonly breaches: readonly PolicyBreach[]) {
    super(
      `${breaches.length} event(s) of policy-allowed incidents or look-alikes break the policy:\n` +
        breaches
          .slice(0, 20)
          .map(formatBreach)
          .join('\n') +
        (breaches.length > 20 ? `\n... and ${breaches.length - 20} more` : ''),
    );
    this.name = 'PolicyBreachError';
  }
}

export function formatBreach(b: PolicyBreach): string {
  return `incident ${b.incident_id} (${b.incident_type}, actor ${b.actor_id}): event ${b.event_id} at ${b.ts} breaks ${b.rule_id} (${b.rule_file}): ${b.clause}`;
}

export class PolicyAudit {
  private readonly byActor = new Map<string, PolicyClaim[]>();
  private readonly byId = new Map<string, PolicyClaim>();
  private readonly breaches: PolicyBreach[] = [];
  private readonly budgetEngine;
  private readonly budgetClock = new ManualClock(0);
  private readonly budgetHorizonMs: number;
  /** Per actor: the last incident event seen (id, claim, ts), for budget attribution. */
  private readonly lastIncidentEvent = new Map<string, { claim: PolicyClaim; ts: number }>();
  private readonly budgetBreached = new Set<string>();
  private readonly judge: (e: EnrichedEvent) => PolicyVerdict[];

  constructor(
    private readonly rules: RuleSet,
    claims: readonly PolicyClaim[],
  ) {
    for (const c of claims) {
      this.byId.set(c.id, c);
      this.byActor.set(c.actor_id, [...(this.byActor.get(c.actor_id) ?? []), c]);
    }
    this.judge = createPolicyJudge(rules);
    const budgets = rules.rateRules.filter((r) => r.windows.length > 0 && r.windows.every((w) => w.limit.type === 'budget'));
    this.budgetHorizonMs = Math.max(0, ...budgets.flatMap((r) => r.windows.map((w) => w.horizonMs)));
    this.budgetEngine =
      budgets.length > 0 ? createEngine({ rules: { ...rules, policyRules: [], rateRules: budgets }, clock: this.budgetClock }) : null;
  }

  /** Whether the audit needs this actor's events at all (callers may skip decoding the others). */
  watches(actorId: string): boolean {
    return this.byActor.has(actorId);
  }

  /** One event of the stream, in event-time order; `tag` is the incident or look-alike id it belongs to. */
  observe(e: EnrichedEvent, tag: string | undefined): void {
    const claims = this.byActor.get(e.actor_id);
    if (claims === undefined) return;
    const claim = tag === undefined ? undefined : this.byId.get(tag);
    if (claim !== undefined) {
      this.lastIncidentEvent.set(e.actor_id, { claim, ts: e.ts });
      this.judgePolicy(e, claim);
    }
    if (this.budgetEngine !== null) {
      this.budgetClock.set(Math.max(this.budgetClock.now(), e.ts));
      const out = this.budgetEngine.evaluate([e]);
      for (const u of out.alerts) {
        if (!u.notify) continue;
        const last = this.lastIncidentEvent.get(e.actor_id);
        if (last === undefined || e.ts - last.ts > this.budgetHorizonMs) continue;
        const key = `${last.claim.id}|${u.alert.rule_id}`;
        if (this.budgetBreached.has(key)) continue;
        this.budgetBreached.add(key);
        const rule = this.rules.rulesById.get(u.alert.rule_id);
        this.breaches.push({
          incident_id: last.claim.id,
          incident_type: last.claim.type,
          actor_id: e.actor_id,
          event_id: e.event_id,
          ts: new Date(e.ts).toISOString(),
          rule_id: u.alert.rule_id,
          rule_file: rule?.file ?? '?',
          clause: u.alert.summary,
        });
      }
    }
  }

  private judgePolicy(e: EnrichedEvent, claim: PolicyClaim): void {
    for (const { rule, clause } of this.judge(e)) {
      this.breaches.push({
        incident_id: claim.id,
        incident_type: claim.type,
        actor_id: e.actor_id,
        event_id: e.event_id,
        ts: new Date(e.ts).toISOString(),
        rule_id: rule.id,
        rule_file: rule.file,
        clause,
      });
    }
  }

  /** Breaches found so far (complete once the stream is exhausted). */
  result(): readonly PolicyBreach[] {
    return this.breaches;
  }

  /** Throws a PolicyBreachError naming each breach (incident, event, clause) if there is any. */
  assertAllowed(): void {
    if (this.breaches.length > 0) throw new PolicyBreachError(this.breaches);
  }
}
