/**
 * The ready-to-run ClickHouse query listing an alert's underlying events.
 * ClickHouse 18.16 has no query parameters, so every value reaches the SQL
 * text through the sinks' single escaping module (quoteString, sqlInteger,
 * qualifiedTable). `FINAL` gives analysts deduplicated rows.
 */
import { qualifiedTable, quoteString, quoteStringList, sqlInteger } from '../../outputs/clickhouse/escape.js';
import type { OpenAlert } from './open-alert.js';

const COLUMNS = 'event_id, ts, ts_ms, actor_id, action, resource_type, record_count, record_refs, fields, outcome, channel, source_ip, session_id, ticket_id';

export function buildEventsQuery(database: string, a: OpenAlert, sampleCap: number): string {
  // A storm alert speaks for many actors: its query lists the sampled ones.
  const where = [a.storm === null ? `actor_id = ${quoteString(a.actorId)}` : `actor_id IN ${quoteStringList(a.storm.sample)}`];
  // A policy-only alert whose every event id is in the sample: list exactly those.
  let policyOnly = true;
  for (const f of a.findings.values()) if (f.kind !== 'policy') policyOnly = false;
  if (policyOnly && a.eventCount <= sampleCap && a.eventIds.length === a.eventCount && a.eventIds.length > 0) {
    where.push(`event_id IN ${quoteStringList(a.eventIds)}`);
  }
  where.push(`ts_ms >= ${sqlInteger(Math.max(0, Math.floor(a.windowStart)))}`);
  where.push(`ts_ms <= ${sqlInteger(Math.max(0, Math.floor(a.lastTs)))}`);
  return `SELECT ${COLUMNS} FROM ${qualifiedTable(database, 'access_events')} FINAL WHERE ${where.join(' AND ')} ORDER BY ts_ms, event_id`;
}
