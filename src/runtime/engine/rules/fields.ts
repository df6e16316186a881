/**
 * The field paths a predicate may name, with their type. Paths follow the
 * EnrichedEvent (snake_case, as on the wire and in ClickHouse), plus a few
 * facts the engine derives from the actor's own history (`first_seen.*`) and
 * windows (`new_customers`).
 *
 * A path not listed here is refused at load time with its line, so a typo in a
 * rule never turns into a predicate that silently never matches.
 * `record_refs` is deliberately absent: rules never look at customers' pseudonyms.
 */
import { ACTIONS, OUTCOMES } from '../../../model/event.js';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES, type EnrichedEvent } from '../../../model/enriched.js';

/** Facts derived from the engine's state, computed once per event before rules run. */
export interface DerivedFacts {
  /** The actor has history and never used this resource type before. */
  first_seen_resource_type: boolean;
  /**
   * The share (0 to 1) of the actor's peers (role and department, the actor
   * left out) who used this resource type within the look-back, read as of
   * the peer baselines' cutoff (the event's UTC day start less the margin).
   */
  peer_share_resource_type: number;
  first_seen_channel: boolean;
  first_seen_zone: boolean;
  /**
   * Customers this event returned that the actor had not touched in the last
   * 24 hours (count-only records count as new; 0 for a late or replayed event,
   * and for an event settings.counted does not select). Set as the event is
   * added to the windows, before rate rules count it.
   */
  new_customers: number;
  /**
   * Whole days without any activity of the actor before their current run of
   * activity began (a run: events less than a day apart), while that run is
   * under a day old; else 0. 0 too for an actor without history in the look-back.
   */
  silent_days: number;
}

/** What a compiled predicate reads. One object is reused per event (no allocation). */
export interface EvalInput {
  e: EnrichedEvent;
  f: DerivedFacts;
}

export type FieldType = 'string' | 'number' | 'boolean' | 'strings';

export interface FieldSpec {
  readonly type: FieldType;
  /** May be null on the event (absent optional wire field). */
  readonly nullable: boolean;
  readonly get: (i: EvalInput) => unknown;
  readonly doc: string;
  /**
   * Every value the field can hold, where the event contract or the enrichment
   * enumerates them (actions, outcomes, actor kinds, ...): a literal outside
   * them (`eq: humans`, a list holding `serch`) is refused at load, since the
   * predicate could never match (or, negated, always would).
   */
  readonly values?: readonly (string | number)[];
}

const f = (type: FieldType, nullable: boolean, get: (i: EvalInput) => unknown, doc: string, values?: readonly (string | number)[]): FieldSpec => ({
  type,
  nullable,
  get,
  doc,
  ...(values === undefined ? {} : { values }),
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

export const FIELDS: Readonly<Record<string, FieldSpec>> = {
  event_id: f('string', false, (i) => i.e.event_id, 'producer event id'),
  actor_id: f('string', false, (i) => i.e.actor_id, 'actor id (in clear)'),
  action: f('string', false, (i) => i.e.action, ACTIONS.join(' | '), ACTIONS),
  resource_type: f('string', false, (i) => i.e.resource_type, 'customer, order, payment_method, address, ...'),
  record_count: f('number', false, (i) => i.e.record_count, 'records the access returned'),
  fields: f('strings', false, (i) => i.e.fields, 'attribute names the access returned'),
  field_classes: f('strings', false, (i) => i.e.field_classes, 'sensitivity classes of `fields`'),
  outcome: f('string', false, (i) => i.e.outcome, OUTCOMES.join(' | '), OUTCOMES),
  channel: f('string', true, (i) => i.e.channel, 'web, api, sql, batch, support_console, ...'),
  source_ip: f('string', true, (i) => i.e.source_ip, 'source address'),
  session_id: f('string', true, (i) => i.e.session_id, 'session id'),
  user_agent: f('string', true, (i) => i.e.user_agent, 'user agent'),
  ticket_id: f('string', true, (i) => i.e.ticket_id, 'support ticket the access is bound to'),
  'actor.known': f('boolean', false, (i) => i.e.actor.known, 'actor is in the directory'),
  'actor.role': f('string', false, (i) => i.e.actor.role, 'directory role (`unknown` if not listed)'),
  'actor.department': f('string', false, (i) => i.e.actor.department, 'directory department'),
  'actor.kind': f('string', false, (i) => i.e.actor.kind, ACTOR_KINDS.join(' | '), ACTOR_KINDS),
  'actor.employment_status': f(
    'string',
    false,
    (i) => i.e.actor.employment_status,
    [...EMPLOYMENT_STATUSES, 'unknown'].join(' | '),
    [...EMPLOYMENT_STATUSES, 'unknown'],
  ),
  'actor.timezone': f('string', false, (i) => i.e.actor.timezone, 'IANA time zone'),
  'actor.allowed_zones': f('strings', false, (i) => i.e.actor.allowed_zones, 'zones the directory allows'),
  'network.zone': f('string', false, (i) => i.e.network.zone, 'resolved network zone (`unknown` if none)'),
  'local_time.hour': f('number', false, (i) => i.e.local_time.hour, 'hour 0-23 in the actor time zone', range(0, 23)),
  'local_time.weekday': f('number', false, (i) => i.e.local_time.weekday, 'ISO weekday 1-7 in the actor time zone', range(1, 7)),
  'local_time.business_hours': f('boolean', false, (i) => i.e.local_time.business_hours, 'within business hours'),
  'first_seen.resource_type': f(
    'boolean',
    false,
    (i) => i.f.first_seen_resource_type,
    'the actor has history and never used this resource type',
  ),
  'peer_share.resource_type': f(
    'number',
    false,
    (i) => i.f.peer_share_resource_type,
    "share (0-1) of the actor's peers (role and department) who used this resource type in the look-back, as of the peer baselines' cutoff",
  ),
  'first_seen.channel': f('boolean', false, (i) => i.f.first_seen_channel, 'never used this channel before'),
  'first_seen.zone': f('boolean', false, (i) => i.f.first_seen_zone, 'never used this network zone before'),
  new_customers: f(
    'number',
    false,
    (i) => i.f.new_customers,
    'customers in this event the actor had not touched in the last 24 h (count-only records included)',
  ),
  silent_days: f(
    'number',
    false,
    (i) => i.f.silent_days,
    'whole days the actor was silent before this run of activity began, during its first 24 h (dormant account waking up); else 0',
  ),
  'first_seen.any': f(
    'boolean',
    false,
    (i) => i.f.first_seen_resource_type || i.f.first_seen_channel || i.f.first_seen_zone,
    'any of the first_seen facts',
  ),
};

export const FIELD_NAMES: readonly string[] = Object.keys(FIELDS);
