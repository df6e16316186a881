import { compileRuleSources, formatRuleProblem, type RuleSet } from '../../../../src/runtime/engine/index.js';

export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Compiles YAML texts as files t1.yaml, t2.yaml... */
function compile(texts: string[]) {
  return compileRuleSources(
    texts.map((text, i) => ({ file: `t${i + 1}.yaml`, text })),
    { now: NOW },
  );
}

/** Compiles YAML texts (file names t1.yaml, t2.yaml...) or throws with every problem. */
export function rules(...texts: string[]): RuleSet {
  const r = compile(texts);
  if (!r.ok) throw new Error(r.problems.map(formatRuleProblem).join('\n'));
  return r.ruleSet;
}

/** Problems of an invalid rule set, formatted `file:line: reason`. */
export function problems(...texts: string[]): string[] {
  const r = compile(texts);
  if (r.ok) throw new Error('expected the rule set to be refused');
  return r.problems.map(formatRuleProblem);
}

/** A small rule set exercising every engine feature, with round numbers. */
export const ENGINE_RULES = `
settings:
  lateness: 5m
  quiet: 30m
  counted: { all: [ { field: action, in: [read, search, export] }, { field: outcome, ne: denied } ] }
  first_seen_min_buckets: 2
  event_id_sample: 5
employment_status_factors: { notice: 0.5 }
roles:
  support_agent:
    zones: [office]
    limits: { max_records_per_request: 50, daily: 400 }
    grants:
      - { actions: [read, search], resource_types: [customer], channels: [support_console] }
rules:
  - id: p.export
    version: 1
    kind: policy
    title: export of customers
    severity: medium
    when: { field: action, eq: export }
    escalate_records: [100, 1000]
    raise:
      - { when: { field: local_time.business_hours, eq: false }, reason: outside business hours }
  - id: r.static
    version: 1
    kind: rate
    title: many customers
    severity: low
    measure: distinct_customers
    windows:
      - { window: 5m, limit: 100 }
      - { window: 1h, limit: 300 }
    tiers: [2, 10]
  - id: r.denied
    version: 1
    kind: rate
    title: denied accesses
    severity: medium
    measure: events
    count: { field: outcome, eq: denied }
    windows: [ { window: 10m, limit: 4 } ]
    tier_raises_severity: false
`;

/** A rule set with one baseline rule (and nothing else), for baseline tests. */
export const BASELINE_RULES = `
settings:
  counted: { field: action, in: [read, search, export] }
  first_seen_min_buckets: 4
employment_status_factors: { notice: 0.5 }
roles:
  support_agent:
    limits: { daily: 400 }
rules:
  - id: r.base
    version: 1
    kind: rate
    title: unusual customers
    severity: medium
    measure: distinct_customers
    windows:
      - window: 5m
        floor: 100
        baseline: { metric: hour_peak_5m, z: 4, min_spread: 0.25, own_min_days: 2, peer_min_actors: 3, peer_min_samples: 20, role_min_samples: 20, static: 500 }
    tiers: [2, 10]
    raise:
      - { when: { field: first_seen.any, eq: true }, reason: first use }
      - { when: { field: local_time.business_hours, eq: false }, reason: outside business hours }
  - id: r.budget
    version: 1
    kind: rate
    title: budget
    severity: low
    measure: distinct_customers
    windows: [ { window: 24h, budget: { role_limit: daily, default: 1000 } } ]
`;

/** A risk-score signal (alone: false) over distinct customers in 1h, judged against the given baseline sources (`[own]`, `[peers, role]`). */
export const signalRule = (id: string, sources: string): string => `
  - id: ${id}
    version: 1
    kind: rate
    alone: false
    title: ${id} signal
    severity: medium
    measure: distinct_customers
    windows:
      - { window: 1h, floor: 20, baseline: { metric: hour_peak_1h, z: 3, own_min_days: 5, peer_min_actors: 3, peer_min_samples: 20, role_min_samples: 20, sources: ${sources} } }
`;

/**
 * Two risk-score signals (s.own against own history, s.peers against peers then role) and
 * the score rule score.combined that adds them (threshold 2, at most 1.5 each), with the
 * given extra lines of the score rule (e.g. its `facts:`).
 */
export const twoSignalScoreRules = (scoreExtra = ''): string => `
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
rules:
${signalRule('s.own', '[own]')}
${signalRule('s.peers', '[peers, role]')}
  - id: score.combined
    version: 1
    kind: score
    title: several signals
    severity: medium
    threshold: 2
    signals:
      - { rule: s.own, weight: 1, max: 1.5 }
      - { rule: s.peers, weight: 1, max: 1.5 }
${scoreExtra}`;
