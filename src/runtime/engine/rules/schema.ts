/**
 * The shape of a rule file, validated with zod. Unknown keys are refused
 * everywhere (strict objects). Predicates are checked separately (see
 * predicate.ts) for sharper messages, so here they are `unknown`.
 *
 * Every file may hold any of the top-level sections; the folder layout
 * (lists/, conditions/, roles/, policy/, rate/, exceptions/) is a convention
 * documented in docs/rules.md.
 */
import { z } from 'zod';
import { EVENT_V1_JSON_SCHEMA, type EventV1 } from '../../../model/contract-v1.js';
import { ACTIONS } from '../../../model/event.js';
import { BASELINE_SOURCES } from '../../../model/alert.js';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES } from '../../../model/enriched.js';

import { duration, name, nonNegative, positiveDuration, predicate, ruleId, severity, version } from './schema-primitives.js';
import { policyCheckSchema } from '../checks/index.js';
import { MEASURE_FIELDS, MEASURE_NAMES } from '../measures/index.js';

/** A set of strings written inline or as `{list: name}`. */
export const stringSet = z.union([z.array(z.string().min(1)), z.strictObject({ list: name })]);
export type StringSetSpec = z.infer<typeof stringSet>;

const raise = z.strictObject({
  when: predicate,
  /** Severity steps added when the predicate holds (default 1). */
  by: z.number().int().min(1).max(4).default(1),
  /** Short phrase shown in the summary, e.g. "outside business hours". */
  reason: z.string().min(1),
});

const commonRule = {
  id: ruleId,
  version,
  /** Short phrase naming what was found, used in summaries. */
  title: z.string().min(1),
  description: z.string().optional(),
  /** How to tune this rule (Falco style): shown to whoever gets the alert. */
  tuning: z.string().optional(),
  tags: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  severity,
  /** Scope: the rule is only evaluated on events matching this predicate. */
  when: predicate.optional(),
  raise: z.array(raise).default([]),
  /** Quiet period after which an open alert of this rule closes (default: settings.quiet). */
  quiet: positiveDuration.optional(),
};

const policyRule = z.strictObject({
  ...commonRule,
  kind: z.literal('policy'),
  check: policyCheckSchema.optional(),
  /** Cumulative records touched by the alert's events at which it escalates (tier 2, 3, ...). */
  escalate_records: z.array(z.number().int().positive()).default([]),
});

/** How far back the actor's own peak counts as normal for them (see docs/rules.md, "Recurring peak"). */
const recurringPeak = z.strictObject({
  /** The level reached at least this many times in the look-back (1: the look-back maximum). */
  min_count: z.number().int().min(1).max(5).default(1),
  /** Margin above that level. */
  headroom: nonNegative.default(0.25),
  /**
   * Where the level counts. `any`: any time in the part of the week judged (a weekly report
   * lifts the limit all week). `week`: only the same local weekday within `slot_hours` of the
   * event's local hour, one occurrence per week (daily metrics: the same weekday or the one
   * before, which a sliding 24 hours spans): scheduled work is normal in its own slot and
   * lifts no limit elsewhere.
   */
  slot: z.enum(['any', 'week']).default('any'),
  /** With slot `week`: local hours either side of the event's hour that count as its slot (default 2). */
  slot_hours: z.number().int().min(0).max(6).optional(),
})
  // slot_hours without slot week would be silently ignored: refuse it, then give week its default.
  .superRefine((rp, ctx) => {
    if (rp.slot_hours !== undefined && rp.slot !== 'week') ctx.addIssue({ code: 'custom', path: ['slot_hours'], message: 'slot_hours applies to slot: week only' });
  })
  .transform((rp) => ({ ...rp, slot_hours: rp.slot_hours ?? 2 }));

/** Metrics of distinct customers; `*_events` count the requests of an activity class (with `class`). */
const distinctMetric = z.enum(['hour_peak_5m', 'hour_peak_1h', 'hour_distinct', 'day_distinct', 'day_peak_24h']);
const metric = z.enum([...distinctMetric.options, 'hour_events', 'day_events']);

const baseline = z.strictObject({
  metric,
  /** With metric hour_events / day_events: the requests of this activity class only (settings `activity_classes`). */
  class: name.optional(),
  /**
   * Spread multiples above the usual level, on a log scale:
   * limit = (1 + median) x exp(z x spread) - 1, spread = max(1.4826 x MAD of ln(1 + x), min_spread).
   */
  z: z.number().positive().default(4),
  /** Floor of the log-scale spread: a perfectly regular history still allows x exp(z x min_spread). */
  min_spread: nonNegative.default(0.25),
  /** Distinct days with own rows in the band before own history is trusted. */
  own_min_days: z.number().int().min(1).default(5),
  peer_min_actors: z.number().int().min(1).default(3),
  peer_min_samples: z.number().int().min(1).default(20),
  role_min_samples: z.number().int().min(1).default(20),
  /**
   * Leave out of every statistic of this baseline (own, peers, role, organisation) the buckets
   * during which their actor had an alert open (`actor_activity.under_alert`): what an alert is
   * about never becomes the normal that judges the next days. Off by default: a level that
   * recurs (a weekly report that once alerted) must still be learned by recurring_peak.
   */
  exclude_alerted: z.boolean().default(false),
  /** Rows of the whole organisation (every actor held) before the organisation-wide prior may judge. */
  org_min_samples: z.number().int().min(1).default(50),
  /**
   * Last resort of the fallback chain own -> peers -> role -> org -> static (x status
   * factor). Omitted: without enough history the window gives no verdict (a
   * fresh deployment learns before it judges; policy limits and budgets apply).
   */
  static: nonNegative.optional(),
  /**
   * A level the actor's OWN history reached (at least `min_count` times) in the
   * look-back is normal for them (a weekly report): the limit is at least that
   * level x (1 + headroom). The employment-status factor never lowers a limit
   * below this term.
   */
  recurring_peak: recurringPeak.optional(),
  /**
   * A level routine for the actor's peers (this quantile of the peer group's
   * values, else the role's, when that step passes its gate; x (1 + headroom)) is never an
   * anomaly for a member: an analyst's weekly report is the size every
   * analyst's is, even when it happened to be missing from their own look-back.
   */
  peer_routine: z
    .strictObject({ quantile: z.union([z.literal(0.9), z.literal(0.95), z.literal(0.99)]), headroom: nonNegative.default(0) })
    .optional(),
  /**
   * Which steps of the chain own -> peers -> role -> org may decide (default all four, in that
   * order; static stays the last resort). `org`: the organisation-wide prior, every actor's rows.
   * `[peers, role]` judges a person against their colleagues only:
   * a peer signal for a risk score, independent of the person's own history.
   */
  sources: z
    .array(z.enum(['own', 'peers', 'role', 'org']))
    .min(1)
    .refine((l) => new Set(l).size === l.length, 'each source once')
    .optional(),
  /**
   * A part of the week the actor has (almost) never worked: own rows in this
   * band on at most `max_days` days of the look-back. Then, before the chain is asked, the window is judged
   * against the actor's own usual level there (with fewer than `min_days` days
   * there, their peers' usual level there, past the peer gate): limit =
   * (1 + median) x times - 1, never below `floor` (the smallest volume worth an alert at such an hour).
   * Peers' routine does not raise it: that colleagues work nights says nothing
   * of a person who never does. So a night or a weekend of reading is a
   * finding by itself, not only a severity raise of an alert that must exist.
   */
  rare_band: z
    .strictObject({
      compare_with: z.enum(['business', 'off_hours', 'weekend', 'weekday']),
      times: z.number().positive().default(2),
      min_days: z.number().int().min(1).default(10),
      max_days: z.number().int().min(0).default(1),
      floor: nonNegative.default(0),
    })
    .optional(),
});

const windowSpec = z
  .strictObject({
    window: positiveDuration,
    /** Never alert while the observed value is at or below the floor. */
    floor: nonNegative.default(0),
    /**
     * The floor is at least `times` x this role limit (e.g. what one permitted
     * request may return): a permitted request or two are never a rate anomaly alone.
     */
    floor_role_limit: z.strictObject({ limit: name, times: z.number().positive().default(1) }).optional(),
    baseline: baseline.optional(),
    /**
     * A per-role maximum from `roles.<role>.limits` (every role sets it: role-limits.ts),
     * with a default for actors whose role the role table does not define.
     */
    budget: z.strictObject({ role_limit: name, default: nonNegative }).optional(),
    /** A fixed maximum. */
    limit: nonNegative.optional(),
    /**
     * Budget and fixed windows: the employment-status factor never lowers the
     * limit below the actor's own look-back peak of `metric` x (1 + headroom)
     * (baseline windows use their recurring_peak for this).
     */
    own_normal: z.strictObject({ metric: distinctMetric, min_count: z.number().int().min(1).max(5).default(1), headroom: nonNegative.default(0.25) }).optional(),
  })
  .superRefine((w, ctx) => {
    const n = [w.baseline, w.budget, w.limit].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: 'a window has exactly one of baseline, budget, limit' });
    const rare = w.baseline?.rare_band;
    if (w.baseline !== undefined && rare !== undefined) {
      const daily = w.baseline.metric.startsWith('day_');
      const fits = daily ? ['weekday', 'weekend'] : ['business', 'off_hours', 'weekend'];
      if (rare.max_days >= w.baseline.own_min_days) {
        ctx.addIssue({ code: 'custom', message: `rare_band.max_days (${rare.max_days}) must be below own_min_days (${w.baseline.own_min_days}): a band worked on that often has an own baseline` });
      }
      if (!fits.includes(rare.compare_with)) {
        ctx.addIssue({ code: 'custom', message: `rare_band.compare_with ${rare.compare_with} is not a band of ${w.baseline.metric} (one of ${fits.join(', ')})` });
      }
    }
    if (w.baseline !== undefined && (w.baseline.class !== undefined) !== w.baseline.metric.endsWith('_events')) {
      ctx.addIssue({
        code: 'custom',
        message:
          w.baseline.class === undefined
            ? `baseline metric ${w.baseline.metric} counts the requests of an activity class: give its \`class\``
            : `baseline.class counts requests of a class: its metric is hour_events or day_events, not ${w.baseline.metric}`,
      });
    }
    if (w.baseline !== undefined && w.own_normal !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'own_normal is for budget and fixed windows; a baseline window uses baseline.recurring_peak' });
    }
  });

const rateRule = z.strictObject({
  ...commonRule,
  kind: z.literal('rate'),
  /** What the windows count: one of the registered measures (measures/), e.g. distinct_customers or events. */
  measure: z.enum(MEASURE_NAMES),
  /** The measures' own fields (e.g. `count` for events), each checked by its measure. */
  ...MEASURE_FIELDS,
  windows: z.array(windowSpec).min(1),
  /** Multiples of the limit at which the alert escalates to tier 2, 3, ... */
  tiers: z.array(z.number().gt(1)).default([2, 10]),
  /** Each tier above 1 adds one severity step. */
  tier_raises_severity: z.boolean().default(true),
  /**
   * false: the rule never alerts by itself. A window above its limit is a signal that score
   * rules (kind: score) add to the actor's risk score; a score rule must name it.
   */
  alone: z.boolean().default(true),
});

/** A rate rule whose windows above their limits add to a risk score. */
const scoreSignal = z.strictObject({
  rule: ruleId,
  /** Points at the limit: weight x observed / limit for the window furthest above its limit. */
  weight: z.number().positive().default(1),
  /** The most points this signal gives, however far above its limit. */
  max: z.number().positive().optional(),
  /**
   * It counts only together with one of these signals (of the same score rule) above its limit
   * on the event: a fact about how something else moved (a trend of days), not a finding of its own.
   */
  with: z.array(ruleId).min(1).optional(),
});

/** A fact of the event (a predicate) that adds points while it holds. */
const scoreFact = z.strictObject({
  when: predicate,
  points: z.number().positive(),
  /** Short phrase shown in the explanation, e.g. "first day back after a silence of a week or more". */
  reason: z.string().min(1),
});

const scoreRule = z
  .strictObject({
    ...commonRule,
    kind: z.literal('score'),
    /** The actor's risk score for an event: the sum of its signals' and facts' points. */
    signals: z.array(scoreSignal).min(1),
    facts: z.array(scoreFact).default([]),
    /** The score alerts at or above this. */
    threshold: z.number().positive(),
    /** Multiples of the threshold at which the finding escalates to tier 2, 3, ... */
    tiers: z.array(z.number().gt(1)).default([1.5, 2.5]),
    tier_raises_severity: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    const ids = r.signals.map((x) => x.rule);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['signals'], message: 'each signal rule once' });
  });

export const ruleSchema = z.discriminatedUnion('kind', [policyRule, rateRule, scoreRule]);
export type RuleSpec = z.infer<typeof ruleSchema>;
export type PolicyRuleSpec = z.infer<typeof policyRule>;
export type RateRuleSpec = z.infer<typeof rateRule>;
export type ScoreRuleSpec = z.infer<typeof scoreRule>;
export type WindowSpecRaw = z.infer<typeof windowSpec>;
export type BaselineSpec = z.infer<typeof baseline>;

const grant = z.strictObject({
  actions: z.array(z.enum(ACTIONS)).min(1),
  resource_types: stringSet,
  /** Omitted: any channel. */
  channels: stringSet.optional(),
  /** Omitted: any field class. Otherwise every class the event touches must be listed. */
  field_classes: stringSet.optional(),
});

const role = z.strictObject({
  description: z.string().optional(),
  kind: z.enum(ACTOR_KINDS).optional(),
  /** Network zones the role may work from. */
  zones: stringSet.optional(),
  /**
   * Named maxima referenced by rules (`record_limit`, `budget`, `floor_role_limit`). Checked
   * against the rules at load (role-limits.ts): one a rule names is set by every role, one no
   * rule names is a warning.
   */
  limits: z.record(name, nonNegative).default({}),
  grants: z.array(grant).default([]),
});
export type RoleSpec = z.infer<typeof role>;

const statusFactors = z.strictObject(
  Object.fromEntries([...EMPLOYMENT_STATUSES, 'unknown'].map((s) => [s, nonNegative.optional()])) as Record<
    'active' | 'notice' | 'leave' | 'terminated' | 'unknown',
    z.ZodOptional<typeof nonNegative>
  >,
);

const settings = z.strictObject({
  /** How late (event time, per actor) an event may arrive and still be added to windows. */
  lateness: duration.default(5 * 60_000),
  /**
   * How far ahead of processing time (the engine's clock when the batch is
   * evaluated) an event's ts may be. An event beyond it is not evaluated
   * (stats().futureDropped), so one event with a broken clock cannot move the
   * actor's watermark so far ahead that its real events all count as late.
   */
  clock_skew: duration.default(15 * 60_000),
  /** Default quiet period closing an alert. */
  quiet: positiveDuration.default(30 * 60_000),
  /** Activity history kept for baselines. */
  activity_lookback: positiveDuration.default(28 * 86_400_000),
  /**
   * Peer and role baselines judge an event of UTC day D with the hours and
   * days that ended by D's start minus this margin: figures that do not depend
   * on how far the other partitions happen to have been read (the source keeps
   * the partitions it owns within this margin, less the lateness allowance, of
   * each other). A day: a partition may run almost a day ahead of another.
   */
  group_baseline_margin: positiveDuration.default(86_400_000),
  /** Which events' customers count in the distinct-customer windows (default: all events). */
  counted: predicate.optional(),
  /**
   * Activity classes: named kinds of requests (e.g. `exports: { field: action,
   * eq: export }`) counted in every activity bucket, so a rate rule can judge
   * one class against its own history (`measure: events` with `class`,
   * baseline metric `day_events`/`hour_events` with the same `class`): more
   * exports than ever is not hidden among a person's ordinary reads.
   */
  activity_classes: z.record(name, predicate).default({}),
  /**
   * Baseline bands: which local hours share a baseline (`business` = [start, end)
   * on weekdays, `off_hours` = the other weekday hours, `weekend`). Not the
   * enrichment calendar (rules/enrichment/calendar.yaml), which decides
   * `local_time.business_hours` for rules and alerts.
   */
  baseline_bands: z
    .strictObject({
      start: z.number().int().min(0).max(23),
      end: z.number().int().min(1).max(24),
      weekend_days: z.array(z.number().int().min(1).max(7)).default([6, 7]),
    })
    .default({ start: 8, end: 19, weekend_days: [6, 7] }),
  /** Closed hourly buckets an actor needs before `first_seen.*` facts are reported. */
  first_seen_min_buckets: z.number().int().min(1).default(8),
  /** Event ids kept on an alert. */
  event_id_sample: z.number().int().min(1).max(1000).default(20),
  /**
   * Severity steps added to an alert once it holds findings of at least two
   * rules (independent signals about one actor at one time); 0 disables.
   */
  combined_findings_raise: z.number().int().min(0).max(4).default(1),
  /**
   * Alert-storm guard: once more than `actors` alerts of one rule opened
   * within `within` (processing time), each further alert that rule would
   * open folds into one aggregated alert of the rule (actor `*`) with a count
   * of actors and events and a sample of actor ids, until `within` passes
   * without one. A flood of unknown actor ids gives one alert, not 200,000.
   */
  alert_storm: z
    .strictObject({
      actors: z.number().int().min(1).default(50),
      within: positiveDuration.default(10 * 60_000),
      sample: z.number().int().min(1).max(1000).default(20),
    })
    .default({ actors: 50, within: 10 * 60_000, sample: 20 }),
});
export type SettingsSpec = z.infer<typeof settings>;

const exception = z
  .strictObject({
    id: name,
    rules: z.array(ruleId).min(1),
    actors: z.array(z.string().min(1)).min(1).optional(),
    roles: z.array(z.string().min(1)).min(1).optional(),
    when: predicate.optional(),
    owner: z.string().min(1),
    reason: z.string().min(1),
    /** Last day (UTC) the exception applies: `2026-03-31`, or an RFC 3339 instant. */
    expires: z.union([z.string(), z.date()]).transform((v, ctx) => {
      const ms = parseExpiry(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: 'expires must be a date (YYYY-MM-DD) or an RFC 3339 date-time' });
        return z.NEVER;
      }
      return ms;
    }),
  })
  .superRefine((x, ctx) => {
    if (x.actors === undefined && x.roles === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an exception names actors and/or roles (it never silences a rule for everyone)' });
    }
  });
export type ExceptionSpec = z.infer<typeof exception>;

/** Exclusive end of an expiry: a bare date means "through the end of that UTC day". */
export function parseExpiry(v: string | Date): number | null {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() + 86_400_000 : null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const ms = Date.parse(`${v}T00:00:00Z`);
    return Number.isFinite(ms) ? ms + 86_400_000 : null;
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

// ---- test cases --------------------------------------------------------------

const caseActor = z.strictObject({
  role: z.string().min(1),
  department: z.string().min(1).default('default'),
  employment_status: z.enum([...EMPLOYMENT_STATUSES, 'unknown']).default('active'),
  kind: z.enum(ACTOR_KINDS).default('human'),
  timezone: z.string().min(1).default('UTC'),
  allowed_zones: z.array(z.string()).default([]),
  known: z.boolean().default(true),
});
export type CaseActorSpec = z.infer<typeof caseActor>;

/**
 * A test event: the wire contract v1 fields, plus test-only helpers:
 * `zone` (network zone, instead of resolving source_ip), `repeat`/`every`
 * (emit the event several times, `every` apart), `generate_records`
 * (that many fresh record ids per repetition) and `distinct_actors` (each
 * repetition by another actor id).
 */
/** A field of the wire contract, as the contract defines it (src/model/contract-v1.ts), typed as the contract's type. */
function wireField<K extends keyof EventV1 & keyof typeof EVENT_V1_JSON_SCHEMA.properties>(key: K): z.ZodType<Exclude<EventV1[K], undefined>> {
  return z.fromJSONSchema(EVENT_V1_JSON_SCHEMA.properties[key] as Parameters<typeof z.fromJSONSchema>[0]) as unknown as z.ZodType<Exclude<EventV1[K], undefined>>;
}

const caseEvent = z
  .strictObject({
    // The wire fields, derived from the contract; an id is generated when absent.
    event_id: wireField('event_id').optional(),
    ts: wireField('ts'),
    actor_id: wireField('actor_id'),
    action: wireField('action'),
    resource_type: wireField('resource_type'),
    record_ids: wireField('record_ids').optional(),
    record_count: wireField('record_count').optional(),
    fields: wireField('fields').default([]),
    outcome: wireField('outcome').default('success'),
    channel: wireField('channel').optional(),
    source_ip: wireField('source_ip').optional(),
    session_id: wireField('session_id').optional(),
    user_agent: wireField('user_agent').optional(),
    ticket_id: wireField('ticket_id').optional(),
    // Test-only helpers.
    zone: z.string().min(1).optional(),
    repeat: z.number().int().min(1).max(100_000).default(1),
    every: duration.default(1_000),
    generate_records: z.number().int().min(1).max(100_000).optional(),
    /** With `repeat`: each repetition by another actor, `<actor_id>-1`, `<actor_id>-2`, ... (a flood of ids). */
    distinct_actors: z.boolean().default(false),
  })
  .superRefine((e, ctx) => {
    if (e.record_ids === undefined && e.record_count === undefined && e.generate_records === undefined) {
      ctx.addIssue({ code: 'custom', path: ['record_count'], message: 'record_count is required when record_ids (or generate_records) is absent' });
    }
  });
export type CaseEventSpec = z.infer<typeof caseEvent>;

/**
 * Generated activity history: the same figures every weekday for `days` days
 * before the first event. When two entries cover the same bucket, the first wins.
 */
const caseHistory = z.strictObject({
  actor: z.string().min(1),
  days: z.number().int().min(1).max(90),
  /** Days without activity between the history and the events' first day (an absence: a dormant account). */
  gap_days: z.number().int().min(0).max(60).default(0),
  /** UTC hours with activity each day. */
  hours: z.array(z.number().int().min(0).max(23)).default([8, 9, 10, 11, 12, 13, 14, 15]),
  weekends: z.boolean().default(false),
  /** Only these ISO weekdays (UTC), e.g. [2] for a weekly Tuesday report. Default: every (week)day. */
  weekdays: z.array(z.number().int().min(1).max(7)).optional(),
  hour_distinct: nonNegative,
  hour_peak_5m: nonNegative,
  /** Largest single request in each hour (max_request_records); default: none recorded. */
  max_request: nonNegative.optional(),
  /** Default: hour_distinct * number of hours. */
  day_distinct: nonNegative.optional(),
  resource_types: z.array(z.string()).default([]),
  channels: z.array(z.string()).default([]),
  zones: z.array(z.string()).default([]),
  /** Requests per activity class each day (e.g. `{ exports: 2 }`), all in the day's first hour; default: none. */
  class_events: z.record(name, z.number().int().min(0)).default({}),
});
export type CaseHistorySpec = z.infer<typeof caseHistory>;

const expectation = z.strictObject({
  rule: ruleId,
  /** The actor the alert is about (`*` for an alert-storm alert), or with `actor_prefix` every actor id that starts so. */
  actor: z.string().min(1).optional(),
  actor_prefix: z.string().min(1).optional(),
  /** Exactly this many alerts of the rule for the actor (or prefix); default: at least one. */
  count: z.number().int().min(1).optional(),
  /** The finding's severity (rule severity + raises + tier steps). */
  severity: severity.optional(),
  min_severity: severity.optional(),
  /** The alert's severity (the most severe finding, raised when findings of several rules combine). */
  alert_severity: severity.optional(),
  tier: z.number().int().min(1).optional(),
  min_tier: z.number().int().min(1).optional(),
  min_observed: nonNegative.optional(),
  baseline_source: z.enum(BASELINE_SOURCES).optional(),
  /** Text the summary must contain. */
  summary_contains: z.string().optional(),
}).refine((x) => (x.actor === undefined) !== (x.actor_prefix === undefined), 'an expectation names `actor` or `actor_prefix` (one of them)');
export type ExpectationSpec = z.infer<typeof expectation>;

const testCase = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  actors: z.record(z.string(), caseActor).default({}),
  history: z.array(caseHistory).default([]),
  /** Business hours used to enrich this case's events (default Mon-Fri 08-19). */
  business_hours: z
    .strictObject({
      start: z.number().int().min(0).max(23),
      end: z.number().int().min(1).max(24),
      weekdays: z.array(z.number().int().min(1).max(7)).min(1),
    })
    .optional(),
  events: z.array(caseEvent).min(1),
  /** Alerts that must come out. An empty list: no alert from this file's rules. */
  expect: z.array(expectation),
  /** Rules (from any file) that must not alert. */
  forbid: z.array(ruleId).default([]),
  /** When true, no alert at all beyond `expect`, from any file. */
  exclusive: z.boolean().default(false),
});
export type TestCaseSpec = z.infer<typeof testCase>;

const tests = z.strictObject({
  /** Actors shared by the cases of this file. */
  actors: z.record(z.string(), caseActor).default({}),
  cases: z.array(testCase).min(1),
});

export const ruleFileSchema = z.strictObject({
  lists: z.record(name, z.array(z.string().min(1))).optional(),
  conditions: z
    .record(name, z.strictObject({ description: z.string().optional(), when: predicate }))
    .optional(),
  roles: z.record(name, role).optional(),
  employment_status_factors: statusFactors.optional(),
  settings: settings.optional(),
  rules: z.array(ruleSchema).optional(),
  exceptions: z.array(exception).optional(),
  tests: tests.optional(),
});
export type RuleFileSpec = z.infer<typeof ruleFileSchema>;

/** Settings when no file declares any (z defaults applied). */
export const DEFAULT_SETTINGS: SettingsSpec = settings.parse({});
