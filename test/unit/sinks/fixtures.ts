/** Model values for sink tests; each builder takes overrides so a test states only what it is about. */
import type { ActorActivityRow, AlertState, AlertUpdate } from '../../../src/runtime/engine/api.js';
import { alertStateOf } from '../../../src/runtime/engine/alerts/alert-state.js';
import { OpenAlert } from '../../../src/runtime/engine/alerts/open-alert.js';
import type { Alert } from '../../../src/model/alert.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import type { SourcePosition } from '../../../src/model/event.js';
import type { RejectedRecord } from '../../../src/model/rejection.js';

const HOUR_MS = 3_600_000;
/**
 * The fixtures' "now": two days ago at hh:34:56.789 UTC. Relative to the wall
 * clock, so that no retention setting (a TTL on a current server, the partition
 * drops on an old one) deletes fixture rows as soon as they are stored.
 */
export const T0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 48 * HOUR_MS + 34 * 60_000 + 56_789;

export function event(overrides: Partial<EnrichedEvent> = {}): EnrichedEvent {
  const actorId = overrides.actor_id ?? 'emp-0042';
  return {
    event_id: 'evt-1',
    ts: T0,
    actor_id: actorId,
    action: 'read',
    resource_type: 'customer',
    record_refs: ['3f2a9c1e5b7d4f60a1b2c3d4e5f60718', '0123456789abcdef0123456789abcdef'],
    record_count: 2,
    fields: ['name', 'email'],
    outcome: 'success',
    channel: 'backoffice',
    source_ip: '10.1.2.3',
    session_id: 'sess-9',
    user_agent: 'Mozilla/5.0',
    ticket_id: null,
    actor: {
      actor_id: actorId,
      known: true,
      role: 'support_agent',
      department: 'support',
      employment_status: 'active',
      kind: 'human',
      timezone: 'Europe/Berlin',
      allowed_zones: ['office'],
    },
    network: { zone: 'office' },
    local_time: { hour: 13, weekday: 5, business_hours: true },
    field_classes: ['contact'],
    ...overrides,
  };
}

export function position(offset = '100', overrides: Partial<SourcePosition> = {}): SourcePosition {
  return { topic: 'access-events', partition: 0, offset, ...overrides };
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'al-1',
    revision: 1,
    rule_id: 'bulk-read',
    rule_version: '3',
    rule_kind: 'rate',
    severity: 'high',
    tier: 1,
    actor_id: 'emp-0042',
    actor_role: 'support_agent',
    actor_department: 'support',
    employment_status: 'active',
    window_start: T0 - 300_000,
    window_end: T0,
    window_label: '5m',
    observed: 412,
    baseline: 35.5,
    baseline_source: 'own',
    score: 9.25,
    first_event_ts: T0 - 250_123,
    last_event_ts: T0,
    event_count: 17,
    suppressed_count: 0,
    event_ids: ['evt-1', 'evt-2'],
    summary: 'emp-0042 read 412 distinct customers in 5m (usual 35.5)',
    explanation: { baseline: { source: 'own', median: 35.5 }, findings: ['volume'] },
    query: "SELECT * FROM custos.access_events_dedup WHERE actor_id = 'emp-0042'",
    status: 'open',
    ...overrides,
  };
}

export function activity(overrides: Partial<ActorActivityRow> = {}): ActorActivityRow {
  return {
    actor_id: 'emp-0042',
    role: 'support_agent',
    department: 'support',
    granularity: 'hour',
    bucket_start: Math.floor(T0 / HOUR_MS) * HOUR_MS - HOUR_MS,
    local_hour: 12,
    local_weekday: 5,
    events: 120,
    distinct_records: 80,
    peak_5m_distinct: 12,
    denied: 1,
    resource_types: ['customer'],
    channels: ['backoffice'],
    zones: ['office'],
    ...overrides,
  };
}

export function rejected(overrides: Partial<RejectedRecord> = {}): RejectedRecord {
  return {
    reason: 'missing_field',
    detail: 'actor_id is required',
    event_id: 'evt-bad',
    actor_id: null,
    topic: 'access-events',
    partition: 1,
    offset: '77',
    size_bytes: 321,
    payload_sha256: 'a'.repeat(64),
    received_at: T0,
    ...overrides,
  };
}

/** The engine state a stored alert implies (as restore rebuilds it from the explanation). */
export function stateOf(a: Alert): AlertState {
  const open = OpenAlert.fromAlert(a);
  open.closed = a.status === 'closed';
  return alertStateOf(open);
}

/** An engine output revision of `a`, with the state it implies. */
export function update(a: Alert, notify: boolean, position?: SourcePosition | null): AlertUpdate {
  return { alert: a, notify, state: stateOf(a), ...(position === undefined ? {} : { position }) };
}
