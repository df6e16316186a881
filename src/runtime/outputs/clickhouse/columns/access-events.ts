/**
 * The `access_events` table, defined once: every column with its type, how
 * it is written from an enriched event (and its Kafka position), and how the
 * event the engine saw is read back from it at restart. The DDL, the
 * JSONEachRow writer, the RowBinary encoder and the history SELECT list all
 * come from this list (column-table.ts).
 */
import { ACTIONS, OUTCOMES, type Action, type Outcome, type SourcePosition } from '../../../../model/event.js';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES, type ActorKind, type EmploymentStatus, type EnrichedEvent } from '../../../../model/enriched.js';
import { epochMs, epochSeconds, flag, toNumber, uint, uint64 } from '../rows/json-values.js';
import { LC, LC_NULLABLE, UTC, defineColumnTable, type Column } from './column-table.js';

export interface AccessEventContext {
  readonly position: SourcePosition;
  /** Epoch seconds, one per batch. */
  readonly ingestedAt: number;
}

/** The event being rebuilt from a stored row (mutable until finished). */
interface EventDraft {
  [key: string]: unknown;
  actor: Record<string, unknown>;
  network: Record<string, unknown>;
  local_time: Record<string, unknown>;
}

const isAction = (v: unknown): v is Action => (ACTIONS as readonly unknown[]).includes(v);
const isOutcome = (v: unknown): v is Outcome => (OUTCOMES as readonly unknown[]).includes(v);
const isKind = (v: unknown): v is ActorKind => (ACTOR_KINDS as readonly unknown[]).includes(v);
const isEmployment = (v: unknown): v is EmploymentStatus | 'unknown' => v === 'unknown' || (EMPLOYMENT_STATUSES as readonly unknown[]).includes(v);
/** ClickHouse JSON output quotes 64-bit integers on some versions and settings, not on others. */
const num = (v: unknown): number => toNumber(v as number | string);

type AccessEventColumn = Column<EnrichedEvent, AccessEventContext, EventDraft>;

const COLUMNS: readonly AccessEventColumn[] = [
  { name: 'event_id', type: 'String', write: (e) => e.event_id, read: (v, d) => void (d.event_id = v) },
  { name: 'ts', type: UTC, write: (e) => epochSeconds(e.ts, 'ts') },
  { name: 'ts_ms', type: 'UInt64', write: (e) => epochMs(e.ts, 'ts'), read: (v, d) => void (d.ts = num(v)) },
  { name: 'actor_id', type: 'String', write: (e) => e.actor_id, read: (v, d) => void ((d.actor_id = v), (d.actor.actor_id = v)) },
  { name: 'action', type: LC, write: (e) => e.action, read: (v, d) => isAction(v) && ((d.action = v), true) },
  { name: 'resource_type', type: LC, write: (e) => e.resource_type, read: (v, d) => void (d.resource_type = v) },
  { name: 'record_refs', type: 'Array(String)', write: (e) => e.record_refs, read: (v, d) => void (d.record_refs = v) },
  { name: 'record_count', type: 'UInt32', write: (e) => uint(e.record_count, 'record_count'), read: (v, d) => void (d.record_count = num(v)) },
  { name: 'fields', type: 'Array(String)', write: (e) => e.fields, read: (v, d) => void (d.fields = v) },
  { name: 'outcome', type: LC, write: (e) => e.outcome, read: (v, d) => isOutcome(v) && ((d.outcome = v), true) },
  { name: 'channel', type: LC_NULLABLE, write: (e) => e.channel, read: (v, d) => void (d.channel = v) },
  { name: 'source_ip', type: 'Nullable(String)', write: (e) => e.source_ip, read: (v, d) => void (d.source_ip = v) },
  { name: 'session_id', type: 'Nullable(String)', write: (e) => e.session_id, read: (v, d) => void (d.session_id = v) },
  { name: 'user_agent', type: 'Nullable(String)', write: (e) => e.user_agent, read: (v, d) => void (d.user_agent = v) },
  { name: 'ticket_id', type: 'Nullable(String)', write: (e) => e.ticket_id, read: (v, d) => void (d.ticket_id = v) },
  { name: 'actor_known', type: 'UInt8', write: (e) => flag(e.actor.known), read: (v, d) => void (d.actor.known = num(v) === 1) },
  { name: 'actor_role', type: LC, write: (e) => e.actor.role, read: (v, d) => void (d.actor.role = v) },
  { name: 'actor_department', type: LC, write: (e) => e.actor.department, read: (v, d) => void (d.actor.department = v) },
  { name: 'employment_status', type: LC, write: (e) => e.actor.employment_status, read: (v, d) => isEmployment(v) && ((d.actor.employment_status = v), true) },
  { name: 'actor_kind', type: LC, write: (e) => e.actor.kind, read: (v, d) => isKind(v) && ((d.actor.kind = v), true) },
  { name: 'actor_timezone', type: LC, write: (e) => e.actor.timezone, read: (v, d) => void (d.actor.timezone = v) },
  // Not asked for by analysts, but without it an event read back at restart
  // would not be the event the engine saw.
  { name: 'actor_allowed_zones', type: 'Array(String)', write: (e) => e.actor.allowed_zones, read: (v, d) => void (d.actor.allowed_zones = v) },
  { name: 'network_zone', type: LC, write: (e) => e.network.zone, read: (v, d) => void (d.network.zone = v) },
  { name: 'local_hour', type: 'UInt8', write: (e) => uint(e.local_time.hour, 'local_hour'), read: (v, d) => void (d.local_time.hour = num(v)) },
  { name: 'local_weekday', type: 'UInt8', write: (e) => uint(e.local_time.weekday, 'local_weekday'), read: (v, d) => void (d.local_time.weekday = num(v)) },
  { name: 'business_hours', type: 'UInt8', write: (e) => flag(e.local_time.business_hours), read: (v, d) => void (d.local_time.business_hours = num(v) === 1) },
  { name: 'field_classes', type: 'Array(String)', write: (e) => e.field_classes, read: (v, d) => void (d.field_classes = v) },
  { name: 'source_topic', type: LC, write: (_, c) => c.position.topic },
  { name: 'source_partition', type: 'UInt32', write: (_, c) => uint(c.position.partition, 'source_partition') },
  { name: 'source_offset', type: 'UInt64', write: (_, c) => uint64(c.position.offset, 'source_offset') },
  { name: 'ingested_at', type: UTC, write: (_, c) => c.ingestedAt },
];

export const ACCESS_EVENTS = defineColumnTable<EnrichedEvent, AccessEventContext, EnrichedEvent, EventDraft>({
  name: 'access_events',
  columns: COLUMNS,
  // Keys in the model's order, so a restored event has the hidden class of a
  // decoded one (the engine's property accesses stay monomorphic).
  draft: () => ({
    event_id: undefined, ts: undefined, actor_id: undefined, action: undefined, resource_type: undefined, record_refs: undefined,
    record_count: undefined, fields: undefined, outcome: undefined, channel: undefined, source_ip: undefined, session_id: undefined,
    user_agent: undefined, ticket_id: undefined,
    actor: { actor_id: undefined, known: undefined, role: undefined, department: undefined, employment_status: undefined, kind: undefined, timezone: undefined, allowed_zones: undefined },
    network: { zone: undefined },
    local_time: { hour: undefined, weekday: undefined, business_hours: undefined },
    field_classes: undefined,
  }),
  // Every model field has a read-back column (the reader test compares a round trip with toEqual).
  finish: (d) => d as unknown as EnrichedEvent,
});
