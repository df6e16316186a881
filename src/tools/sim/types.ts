import type { WireAction, WireChannel, WireOutcome, WireResourceType } from './wire.js';

/** How the producer renders `ts` on the wire. */
export type TsStyle = 'iso' | 'offset' | 'epoch';

/** An event before it gets its id and wire form. */
export interface SimEvent {
  ts: number;
  actor_id: string;
  action: WireAction;
  resource_type: WireResourceType;
  /** Customer numbers (rendered as `c-NNNNNN`); undefined = no list on the wire. */
  records?: readonly number[] | undefined;
  /** Explicit record_count on the wire (may exceed records.length: truncated list). */
  record_count?: number | undefined;
  fields: readonly string[];
  outcome: WireOutcome;
  channel?: WireChannel | undefined;
  source_ip?: string | undefined;
  session_id?: string | undefined;
  user_agent?: string | undefined;
  ticket_id?: string | undefined;
  tsStyle: TsStyle;
  /** Zone used to render `offset` timestamps. */
  tz: string;
  /** Incident or look-alike id this event belongs to. */
  tag?: string | undefined;
}

/** The classic incident kinds: the `default` scenario (two of each); most break a policy clause. */
export const INCIDENT_TYPES = [
  'bulk_export_forbidden_role',
  'slow_scrape',
  'terminated_access',
  'burst_over_baseline',
  'offhours_unknown_network',
] as const;

/**
 * Incidents in which every event is allowed by the actor's role policy (the
 * `allowed` scenario): only behaviour statistics can find them. Their labels
 * carry `policy_allowed: true` and the simulator's policy audit
 * (policy-audit.ts) fails the run if one of their events breaks a clause.
 */
export const ALLOWED_INCIDENT_TYPES = [
  'moderate_burst',
  'multi_day_scrape',
  'offhours_allowed_network',
  'weekend_allowed_channel',
  'dormant_wakeup',
  'peer_relative_rise',
  'first_seen_resource_volume',
  'export_spree',
] as const;
export const ALL_INCIDENT_TYPES = [...INCIDENT_TYPES, ...ALLOWED_INCIDENT_TYPES] as const;
export type ClassicIncidentType = (typeof INCIDENT_TYPES)[number];
export type AllowedIncidentType = (typeof ALLOWED_INCIDENT_TYPES)[number];
export type IncidentType = ClassicIncidentType | AllowedIncidentType;

export function isAllowedIncidentType(t: IncidentType): t is AllowedIncidentType {
  return (ALLOWED_INCIDENT_TYPES as readonly string[]).includes(t);
}

/** The classic look-alikes (planted with the `default` scenario). */
export const LOOKALIKE_TYPES = [
  'new_hire_ramp',
  'monthly_batch_job',
  'ticketed_support_read',
  'analyst_usual_report',
] as const;
/** Look-alikes planted with the `allowed` scenario (new_hire_ramp again, with varied roles and ramps). */
export const ALLOWED_LOOKALIKE_TYPES = [
  'busy_day',
  'batch_growth',
  'new_hire_ramp',
  'larger_usual_report',
  'vacation_return',
] as const;
export const ALL_LOOKALIKE_TYPES = [
  ...LOOKALIKE_TYPES,
  ...ALLOWED_LOOKALIKE_TYPES.filter((t) => !(LOOKALIKE_TYPES as readonly string[]).includes(t)),
] as const;
export type LookalikeType = (typeof LOOKALIKE_TYPES)[number] | (typeof ALLOWED_LOOKALIKE_TYPES)[number];

/** A requested incident; whatever is left out is drawn from the seed. */
export interface IncidentSpec {
  readonly type: IncidentType;
  /** Actor to use; must exist and fit the type (e.g. a terminated actor for `terminated_access`). */
  readonly actor_id?: string;
  /** Start instant (RFC 3339 or epoch ms). Without it a suitable time in the evaluation period is drawn. */
  readonly start?: string | number;
  /** Volume multiplier relative to the type's default (1). */
  readonly intensity?: number;
}

/** What incident and look-alike labels share: who, when, and the events it produced. */
interface SpanLabel<T extends string> {
  readonly id: string;
  readonly type: T;
  readonly actor_id: string;
  readonly actor_role: string;
  /** First and last event (epoch ms and RFC 3339). */
  readonly start_ms: number;
  readonly end_ms: number;
  readonly start: string;
  readonly end: string;
  readonly description: string;
  readonly event_ids: readonly string[];
}

export interface IncidentLabel extends SpanLabel<IncidentType> {
  /** The window within which detection is expected (a detection counts up to end + this). */
  readonly window_ms: number;
  /** Every event is allowed by the actor's role policy (checked by the simulator's policy audit); absent in older label files. */
  readonly policy_allowed?: boolean;
}

export interface LookalikeLabel extends SpanLabel<LookalikeType> {
  /** Alerts on the actor within [start, end + window_ms] count as look-alike false alerts. */
  readonly window_ms: number;
}

export interface SimCounts {
  readonly events: number;
  readonly incident_events: number;
  readonly lookalike_events: number;
  readonly by_role: Readonly<Record<string, number>>;
  readonly by_action: Readonly<Record<string, number>>;
  readonly actors: number;
  readonly actors_with_traffic: number;
  /** Distinct (actor, UTC day) pairs with at least one event not produced by an incident. */
  readonly benign_actor_days: number;
  /** The same, counting only days of the evaluation period (after the benign history). */
  readonly benign_actor_days_eval: number;
}

export interface SimLabels {
  readonly version: 1;
  readonly seed: number;
  readonly start: string;
  readonly days: number;
  /** Days before this instant are benign history (no incidents). */
  readonly evaluation_start: string;
  readonly incidents: readonly IncidentLabel[];
  readonly lookalikes: readonly LookalikeLabel[];
  readonly counts: SimCounts;
}

/**
 * Which incidents a run plants: `default` (two of each classic kind, with the
 * classic look-alikes), `allowed` (two of each policy-allowed kind, with the
 * allowed look-alikes), `none`, or explicit specs (classic look-alikes).
 */
export type IncidentScenario = 'default' | 'allowed' | 'none' | readonly IncidentSpec[];
