/**
 * EnrichedEvent <-> `access_events` row. Writing is the hot path (every event
 * of every batch): one flat object in column order, one JSON.stringify.
 * Reading maps a stored row back to the event the engine saw, for rebuilding
 * windows after a restart.
 */
import { ACTIONS, OUTCOMES, type Action, type Outcome, type SourcePosition } from '../../../../model/event.js';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES, type ActorKind, type EmploymentStatus, type EnrichedEvent } from '../../../../model/enriched.js';
import { epochMs, epochSeconds, flag, toNumber, uint, uint64 } from './json-values.js';

/** One line of JSONEachRow, newline included. `ingestedAt` is epoch seconds (one per batch). */
export function accessEventLine(e: EnrichedEvent, position: SourcePosition, ingestedAt: number): string {
  const actor = e.actor;
  const local = e.local_time;
  return (
    JSON.stringify({
      event_id: e.event_id,
      ts: epochSeconds(e.ts, 'ts'),
      ts_ms: epochMs(e.ts, 'ts'),
      actor_id: e.actor_id,
      action: e.action,
      resource_type: e.resource_type,
      record_refs: e.record_refs,
      record_count: uint(e.record_count, 'record_count'),
      fields: e.fields,
      outcome: e.outcome,
      channel: e.channel,
      source_ip: e.source_ip,
      session_id: e.session_id,
      user_agent: e.user_agent,
      ticket_id: e.ticket_id,
      actor_known: flag(actor.known),
      actor_role: actor.role,
      actor_department: actor.department,
      employment_status: actor.employment_status,
      actor_kind: actor.kind,
      actor_timezone: actor.timezone,
      actor_allowed_zones: actor.allowed_zones,
      network_zone: e.network.zone,
      local_hour: uint(local.hour, 'local_hour'),
      local_weekday: uint(local.weekday, 'local_weekday'),
      business_hours: flag(local.business_hours),
      field_classes: e.field_classes,
      source_topic: position.topic,
      source_partition: uint(position.partition, 'source_partition'),
      source_offset: uint64(position.offset, 'source_offset'),
      ingested_at: ingestedAt,
    }) + '\n'
  );
}

/** Columns read back for history; the SELECT list and AccessEventRow agree by name. */
export const ACCESS_EVENT_READ_COLUMNS = [
  'event_id', 'ts_ms', 'actor_id', 'action', 'resource_type', 'record_refs', 'record_count', 'fields', 'outcome',
  'channel', 'source_ip', 'session_id', 'user_agent', 'ticket_id',
  'actor_known', 'actor_role', 'actor_department', 'employment_status', 'actor_kind', 'actor_timezone', 'actor_allowed_zones',
  'network_zone', 'local_hour', 'local_weekday', 'business_hours', 'field_classes',
].join(', ');

export interface AccessEventRow {
  readonly event_id: string;
  readonly ts_ms: number | string;
  readonly actor_id: string;
  readonly action: string;
  readonly resource_type: string;
  readonly record_refs: string[];
  readonly record_count: number | string;
  readonly fields: string[];
  readonly outcome: string;
  readonly channel: string | null;
  readonly source_ip: string | null;
  readonly session_id: string | null;
  readonly user_agent: string | null;
  readonly ticket_id: string | null;
  readonly actor_known: number | string;
  readonly actor_role: string;
  readonly actor_department: string;
  readonly employment_status: string;
  readonly actor_kind: string;
  readonly actor_timezone: string;
  readonly actor_allowed_zones: string[];
  readonly network_zone: string;
  readonly local_hour: number | string;
  readonly local_weekday: number | string;
  readonly business_hours: number | string;
  readonly field_classes: string[];
}

const isAction = (v: string): v is Action => (ACTIONS as readonly string[]).includes(v);
const isOutcome = (v: string): v is Outcome => (OUTCOMES as readonly string[]).includes(v);
const isKind = (v: string): v is ActorKind => (ACTOR_KINDS as readonly string[]).includes(v);
const isEmployment = (v: string): v is EmploymentStatus | 'unknown' => v === 'unknown' || (EMPLOYMENT_STATUSES as readonly string[]).includes(v);

/** The stored event as the engine saw it; null when a value is outside the model (written by something else). */
export function accessEventFromRow(r: AccessEventRow): EnrichedEvent | null {
  if (!isAction(r.action) || !isOutcome(r.outcome) || !isKind(r.actor_kind) || !isEmployment(r.employment_status)) return null;
  return {
    event_id: r.event_id,
    ts: toNumber(r.ts_ms),
    actor_id: r.actor_id,
    action: r.action,
    resource_type: r.resource_type,
    record_refs: r.record_refs,
    record_count: toNumber(r.record_count),
    fields: r.fields,
    outcome: r.outcome,
    channel: r.channel,
    source_ip: r.source_ip,
    session_id: r.session_id,
    user_agent: r.user_agent,
    ticket_id: r.ticket_id,
    actor: {
      actor_id: r.actor_id,
      known: toNumber(r.actor_known) === 1,
      role: r.actor_role,
      department: r.actor_department,
      employment_status: r.employment_status,
      kind: r.actor_kind,
      timezone: r.actor_timezone,
      allowed_zones: r.actor_allowed_zones,
    },
    network: { zone: r.network_zone },
    local_time: {
      hour: toNumber(r.local_hour),
      weekday: toNumber(r.local_weekday),
      business_hours: toNumber(r.business_hours) === 1,
    },
    field_classes: r.field_classes,
  };
}
