/**
 * The compiled rule set: what the engine runs. Built once by the loader from
 * rule files; immutable afterwards. Predicates are closures; lists are
 * resolved; durations are milliseconds; severities are indexes into SEVERITIES.
 */
import type { RuleProblem } from '../errors.js';
export type { PolicyCheck, PolicyFinding } from '../checks/index.js';
import type { Metric } from '../baseline/bands.js';
import type { Predicate } from './predicate.js';
import type { BaselineSpec, CaseActorSpec, SettingsSpec, TestCaseSpec } from './schema.js';
import type { CompiledCheck } from '../checks/index.js';
import type { CompiledMeasure } from '../measures/index.js';

export interface SeverityRaise {
  readonly when: Predicate;
  readonly by: number;
  readonly reason: string;
}

/** How the actor's own history protects a limit from the employment-status factor. */
export interface OwnNormalSpec {
  readonly minCount: number;
  readonly headroom: number;
}

interface RuleCommon {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly tuning: string;
  readonly file: string;
  /** Index into SEVERITIES. */
  readonly severity: number;
  readonly scope: Predicate | null;
  readonly raises: readonly SeverityRaise[];
  readonly quietMs: number;
}

export interface PolicyRule extends RuleCommon {
  readonly kind: 'policy';
  /** The registered check type's compiled test (checks/), or null: the rule's `when` alone is the finding. */
  readonly check: CompiledCheck | null;
  readonly escalateRecords: readonly number[];
}

export type WindowLimit =
  /** `metric` is the composed one (baseline/bands.ts: `day_events:exports` for a class). */
  | { readonly type: 'baseline'; readonly baseline: Omit<BaselineSpec, 'metric'> & { readonly metric: Metric } }
  | { readonly type: 'budget'; readonly roleLimit: string; readonly fallback: number }
  | { readonly type: 'static'; readonly value: number };

export interface RateWindow {
  readonly horizonMs: number;
  /** `5m`, `1h`, `24h`. */
  readonly label: string;
  readonly floor: number;
  /** The smallest observed value that can fire at all (the floor, or a lower rare_band floor): the engine's cheap pre-check. */
  readonly minFiring: number;
  /** The floor is at least `times` x this role limit (null: no role floor). */
  readonly floorRoleLimit: { readonly limit: string; readonly times: number } | null;
  readonly limit: WindowLimit;
  /** Budget and fixed windows: the own peak of `metric` that the status factor never lowers the limit below. */
  readonly ownNormal: (OwnNormalSpec & { readonly metric: Metric }) | null;
}

export interface RateRule extends RuleCommon {
  readonly kind: 'rate';
  /** What its windows count: a registered measure (measures/), compiled for this rule. */
  readonly measure: CompiledMeasure;
  readonly windows: readonly RateWindow[];
  readonly tiers: readonly number[];
  readonly tierRaisesSeverity: boolean;
  /** false: a signal for score rules only; it never opens or joins an alert by itself. */
  readonly alone: boolean;
}

/** One rate rule as a signal of a score rule. */
export interface ScoreSignal {
  /** Index of the rate rule in RuleSet.rateRules. */
  readonly rateIndex: number;
  readonly rule: RateRule;
  readonly weight: number;
  readonly max: number;
  /** Indexes (in RuleSet.rateRules) of the signals one of which must be above its limit for this one to count (empty: none needed). */
  readonly with: readonly number[];
}

export interface ScoreFact {
  readonly when: Predicate;
  readonly points: number;
  readonly reason: string;
}

/**
 * An actor's risk score: the points of its signals (rate rules above their
 * limits, weight x observed / limit) and facts on one event, summed; at or
 * above the threshold it is a finding (docs/rules.md, "Risk score").
 */
export interface ScoreRule extends RuleCommon {
  readonly kind: 'score';
  readonly signals: readonly ScoreSignal[];
  readonly facts: readonly ScoreFact[];
  readonly threshold: number;
  readonly tiers: readonly number[];
  readonly tierRaisesSeverity: boolean;
}

export type Rule = PolicyRule | RateRule | ScoreRule;

export interface RoleGrant {
  readonly actions: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly channels: ReadonlySet<string> | null;
  readonly fieldClasses: ReadonlySet<string> | null;
}

export interface RolePolicy {
  readonly name: string;
  readonly zones: ReadonlySet<string> | null;
  readonly limits: ReadonlyMap<string, number>;
  readonly grants: readonly RoleGrant[];
}

export interface ExceptionEntry {
  readonly id: string;
  readonly file: string;
  readonly rules: ReadonlySet<string>;
  readonly actors: ReadonlySet<string> | null;
  readonly roles: ReadonlySet<string> | null;
  readonly scope: Predicate | null;
  readonly owner: string;
  readonly reason: string;
  /** Exclusive end (epoch ms, compared with event time). */
  readonly expiresAt: number;
}

/** A named kind of request (settings `activity_classes`), counted per activity bucket. */
export interface ActivityClass {
  readonly name: string;
  readonly when: Predicate;
}

export interface EngineSettings extends Omit<SettingsSpec, 'counted' | 'activity_classes'> {
  /** Which events' customers count in distinct windows. */
  readonly counted: Predicate;
  /** In the order of the settings (each bucket counts them in this order). */
  readonly activityClasses: readonly ActivityClass[];
}

export interface RuleTestCase {
  readonly file: string;
  /** 1-based line of the case, when known. */
  readonly line: number | null;
  /** Rule ids declared in the same file (their unexpected alerts fail the case). */
  readonly fileRuleIds: readonly string[];
  readonly fileActors: Readonly<Record<string, CaseActorSpec>>;
  readonly spec: TestCaseSpec;
}

export interface RuleSet {
  readonly settings: EngineSettings;
  readonly policyRules: readonly PolicyRule[];
  readonly rateRules: readonly RateRule[];
  readonly scoreRules: readonly ScoreRule[];
  readonly rulesById: ReadonlyMap<string, Rule>;
  readonly roles: ReadonlyMap<string, RolePolicy>;
  readonly statusFactors: ReadonlyMap<string, number>;
  readonly exceptions: readonly ExceptionEntry[];
  readonly exceptionsByRule: ReadonlyMap<string, readonly ExceptionEntry[]>;
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Horizons (ms, ascending) of all distinct-customer windows. */
  readonly distinctHorizons: readonly number[];
  readonly tests: readonly RuleTestCase[];
  /** Not fatal: e.g. an exception that has expired. */
  readonly warnings: readonly RuleProblem[];
  /** Files read, relative to the rules folder. */
  readonly files: readonly string[];
}
