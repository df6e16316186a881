/**
 * The ready-to-run ClickHouse query listing an alert's underlying events,
 * rendered from the events the engine says the alert is about (AlertEvents).
 * ClickHouse 18.16 has no query parameters, so every value reaches the SQL
 * text through the single escaping module (quoteString, sqlInteger,
 * qualifiedTable). `FINAL` gives analysts deduplicated rows.
 */
import type { Alert, AlertEvents, AlertUpdate } from '../../../model/alert.js';
import { qualifiedTable, quoteString, quoteStringList, sqlInteger } from './escape.js';

const COLUMNS = 'event_id, ts, ts_ms, actor_id, action, resource_type, record_count, record_refs, fields, outcome, channel, source_ip, session_id, ticket_id';

export function eventsQuery(database: string, events: AlertEvents): string {
  const a = events.actors;
  const where = ['one' in a ? `actor_id = ${quoteString(a.one)}` : `actor_id IN ${quoteStringList(a.sample)}`];
  if (events.eventIds !== null) where.push(`event_id IN ${quoteStringList(events.eventIds)}`);
  where.push(`ts_ms >= ${sqlInteger(Math.max(0, Math.floor(events.fromMs)))}`);
  where.push(`ts_ms <= ${sqlInteger(Math.max(0, Math.floor(events.toMs)))}`);
  return `SELECT ${COLUMNS} FROM ${qualifiedTable(database, 'access_events')} FINAL WHERE ${where.join(' AND ')} ORDER BY ts_ms, event_id`;
}

/** An engine revision as stored and sent: with its query against `database`. */
export function storedAlert(update: AlertUpdate, database: string): Alert {
  return { ...update.alert, query: eventsQuery(database, update.events) };
}
