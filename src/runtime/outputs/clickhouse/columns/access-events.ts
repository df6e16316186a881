/**
 * The `access_events` table, defined once: every column with its type, how
 * it is written from an enriched event (and its Kafka position), and how the
 * event the engine saw is read back from it at restart. The DDL, the
 * JSONEachRow writer, the RowBinary encoder and the history SELECT list all
 * come from this list (column-table.ts).
 */
import { ACTIONS, OUTCOMES, type Action, type Outcome } from '../../../../model/event.js';
import type { EnrichedEvent } from '../../../../model/enriched.js';
import { blankEnrichedEvent } from '../../../enrich/enricher.js';
import { ENRICHMENT_SOURCES } from '../../../enrich/sources/index.js';
import type { AccessEventColumn, AccessEventContext, EventDraft } from './access-event-column.js';
import { epochMs, epochSeconds, toNumber, uint, uint64 } from '../rows/json-values.js';
import { LC, LC_NULLABLE, UTC, defineColumnTable } from './column-table.js';

export type { AccessEventContext } from './access-event-column.js';

const isAction = (v: unknown): v is Action => (ACTIONS as readonly unknown[]).includes(v);
const isOutcome = (v: unknown): v is Outcome => (OUTCOMES as readonly unknown[]).includes(v);
/** ClickHouse JSON output quotes 64-bit integers on some versions and settings, not on others. */
const num = (v: unknown): number => toNumber(v as number | string);

/** The event's own columns; then each enrichment source's (sources/index.ts); then where it came from. */
const EVENT_COLUMNS: readonly AccessEventColumn[] = [
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
];

const POSITION_COLUMNS: readonly AccessEventColumn[] = [
  { name: 'source_topic', type: LC, write: (_, c) => c.position.topic },
  { name: 'source_partition', type: 'UInt32', write: (_, c) => uint(c.position.partition, 'source_partition') },
  { name: 'source_offset', type: 'UInt64', write: (_, c) => uint64(c.position.offset, 'source_offset') },
  { name: 'ingested_at', type: UTC, write: (_, c) => c.ingestedAt },
];

const COLUMNS: readonly AccessEventColumn[] = [...EVENT_COLUMNS, ...ENRICHMENT_SOURCES.flatMap((s) => s.columns), ...POSITION_COLUMNS];

/** The event's fields, then each source's blank attribute: the key order of an enriched event (enricher.ts). */
function draft(): EventDraft {
  const d = blankEnrichedEvent();
  for (const s of ENRICHMENT_SOURCES) d[s.attribute] = s.draft();
  return d as EventDraft;
}

export const ACCESS_EVENTS = defineColumnTable<EnrichedEvent, AccessEventContext, EnrichedEvent, EventDraft>({
  name: 'access_events',
  columns: COLUMNS,
  // Keys in the model's order, so a restored event has the hidden class of an
  // enriched one (the engine's property accesses stay monomorphic).
  draft,
  // Every model field has a read-back column (the reader test compares a round trip with toEqual).
  finish: (d) => d as unknown as EnrichedEvent,
});
