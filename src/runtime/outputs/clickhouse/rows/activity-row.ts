/** ActorActivityRow <-> `actor_activity` row: baselines that survive restarts. */
import type { ActorActivityRow } from '../../../engine/api.js';
import { epochMs, epochSeconds, toNumber, uint } from './json-values.js';

export function activityLine(a: ActorActivityRow, storedAt: number): string {
  return (
    JSON.stringify({
      actor_id: a.actor_id,
      role: a.role,
      department: a.department,
      granularity: a.granularity,
      bucket_start: epochSeconds(a.bucket_start, 'bucket_start'),
      bucket_start_ms: epochMs(a.bucket_start, 'bucket_start'),
      local_hour: uint(a.local_hour, 'local_hour'),
      local_weekday: uint(a.local_weekday, 'local_weekday'),
      events: uint(a.events, 'events'),
      distinct_records: uint(a.distinct_records, 'distinct_records'),
      peak_5m_distinct: uint(a.peak_5m_distinct, 'peak_5m_distinct'),
      peak_1h_distinct: a.peak_1h_distinct === undefined ? null : uint(a.peak_1h_distinct, 'peak_1h_distinct'),
      peak_24h_distinct: a.peak_24h_distinct === undefined ? null : uint(a.peak_24h_distinct, 'peak_24h_distinct'),
      max_request_records: a.max_request_records === undefined ? null : uint(a.max_request_records, 'max_request_records'),
      denied: uint(a.denied, 'denied'),
      resource_types: a.resource_types,
      channels: a.channels,
      zones: a.zones,
      class_names: a.class_names ?? [],
      class_events: (a.class_events ?? []).map((n) => uint(n, 'class_events')),
      under_alert: a.under_alert === true ? 1 : 0,
      stored_at: storedAt,
    }) + '\n'
  );
}

export const ACTIVITY_READ_COLUMNS = [
  'actor_id', 'role', 'department', 'granularity', 'bucket_start_ms', 'local_hour', 'local_weekday',
  'events', 'distinct_records', 'peak_5m_distinct', 'peak_1h_distinct', 'peak_24h_distinct', 'max_request_records', 'denied', 'resource_types', 'channels', 'zones',
  'class_names', 'class_events', 'under_alert',
].join(', ');

export interface ActivityRow {
  readonly actor_id: string;
  readonly role: string;
  readonly department: string;
  readonly granularity: string;
  readonly bucket_start_ms: number | string;
  readonly local_hour: number | string;
  readonly local_weekday: number | string;
  readonly events: number | string;
  readonly distinct_records: number | string;
  readonly peak_5m_distinct: number | string;
  readonly peak_1h_distinct: number | string | null;
  readonly peak_24h_distinct: number | string | null;
  readonly max_request_records: number | string | null;
  readonly denied: number | string;
  readonly resource_types: string[];
  readonly channels: string[];
  readonly zones: string[];
  readonly class_names: string[];
  readonly class_events: (number | string)[];
  readonly under_alert: number | string;
}

export function activityFromRow(r: ActivityRow): ActorActivityRow | null {
  if (r.granularity !== 'hour' && r.granularity !== 'day') return null;
  return {
    actor_id: r.actor_id,
    role: r.role,
    department: r.department,
    granularity: r.granularity,
    bucket_start: toNumber(r.bucket_start_ms),
    local_hour: toNumber(r.local_hour),
    local_weekday: toNumber(r.local_weekday),
    events: toNumber(r.events),
    distinct_records: toNumber(r.distinct_records),
    peak_5m_distinct: toNumber(r.peak_5m_distinct),
    ...(r.peak_1h_distinct === null ? {} : { peak_1h_distinct: toNumber(r.peak_1h_distinct) }),
    ...(r.peak_24h_distinct === null ? {} : { peak_24h_distinct: toNumber(r.peak_24h_distinct) }),
    ...(r.max_request_records === null ? {} : { max_request_records: toNumber(r.max_request_records) }),
    denied: toNumber(r.denied),
    resource_types: r.resource_types,
    channels: r.channels,
    zones: r.zones,
    // Omitted when the bucket saw no class (as the engine emits such rows).
    ...(r.class_names.length === 0 ? {} : { class_names: r.class_names, class_events: r.class_events.map(toNumber) }),
    ...(toNumber(r.under_alert) === 1 ? { under_alert: true } : {}),
  };
}
