/**
 * Turns one pipeline batch into one JSONEachRow body per non-empty table,
 * each written straight into one Buffer (columns/row-buffer.ts).
 * Pure (time is passed in), so what gets stored is unit-tested without a server.
 */
import type { AlertUpdate } from '../../../model/alert.js';
import type { OutputBatch } from '../../../model/batch.js';
import type { StoredNotification } from '../alerts/outbox.js';
import { TABLES } from './ddl.js';
import { ClickHouseSinkError, classifyClickHouseError } from './errors.js';
import { accessEventLine } from './rows/access-event-row.js';
import { activityLine } from './rows/activity-row.js';
import { storedAlert } from './events-query.js';
import { alertLine } from './rows/alert-row.js';
import { epochSeconds } from './rows/json-values.js';
import { progressLine } from './rows/progress-row.js';
import { rejectedLine } from './rows/rejected-row.js';
import { RowBuffer } from './columns/row-buffer.js';
import { ACCESS_EVENTS, type AccessEventContext } from './columns/access-events.js';
import type { RowBinaryEncoder } from './columns/rowbinary.js';
import type { EnrichedEvent } from '../../../model/enriched.js';

export interface TableBody {
  readonly table: string;
  readonly rows: number;
  /** JSONEachRow lines (UTF-8) or RowBinary rows: the request body as is. */
  readonly body: Buffer;
  /** RowBinary bodies name their columns (`(a, b, c)`, the server's order); JSONEachRow bodies carry names per row. */
  readonly rowBinaryColumns?: string;
}

export interface PreparedBatch {
  readonly bodies: readonly TableBody[];
  /** The notify revisions in this batch, for the webhook dispatcher once the batch is stored. */
  readonly notifications: readonly StoredNotification[];
}

/**
 * Which alert revisions of a batch to store: the latest revision of each
 * alert (that is what `alerts` keeps anyway) plus every revision that
 * notifies, so an escalation followed by a merge in the same batch is still
 * delivered. A revision listed twice is stored once, notifying if either did.
 */
export function alertRevisionsToStore(updates: readonly AlertUpdate[]): AlertUpdate[] {
  const latest = new Map<string, AlertUpdate>();
  const byRevision = new Map<string, AlertUpdate>();
  for (const update of updates) {
    const { alert_id, revision } = update.alert;
    const key = `${alert_id}\u0000${revision}`;
    const previous = byRevision.get(key);
    const merged = previous && previous.notify && !update.notify ? { ...update, notify: true } : update;
    byRevision.set(key, merged);
    const current = latest.get(alert_id);
    if (!current || current.alert.revision <= revision) latest.set(alert_id, merged);
  }
  const kept: AlertUpdate[] = [];
  for (const update of byRevision.values()) {
    const isLatest = latest.get(update.alert.alert_id)?.alert.revision === update.alert.revision;
    if (isLatest || update.notify) kept.push(update);
  }
  return kept;
}

function serialize<T>(table: string, items: readonly T[], line: (item: T) => string): TableBody | null {
  return serializeInto(table, items, (item, out) => out.text(line(item)));
}

/**
 * Bytes reserved per row up front, so a batch's buffer is allocated about once: grown by
 * doubling from 64 KB, a 6,000-row batch copied itself seven times (~1 % of a live profile).
 * A RowBinary access_events row is ~370 bytes, a JSONEachRow one ~870; a longer row still grows the buffer.
 */
const ROW_BYTES_HINT = 512;

function serializeInto<T>(table: string, items: readonly T[], write: (item: T, out: RowBuffer) => void, rowBinaryColumns?: string, rowBytes = 0): TableBody | null {
  if (items.length === 0) return null;
  const out = new RowBuffer(Math.max(64 * 1024, items.length * rowBytes));
  try {
    // Each row goes straight into the buffer: no table-sized string to build and copy again.
    for (const item of items) write(item, out);
  } catch (err) {
    // A RangeError names the offending field, never its value.
    const failure = classifyClickHouseError(err);
    const detail = err instanceof RangeError ? `: ${err.message}` : '';
    throw new ClickHouseSinkError('serialize', table, { ...failure, retryable: false, reason: `row rejected before sending${detail}` });
  }
  return { table, rows: items.length, body: out.bytes(), ...(rowBinaryColumns === undefined ? {} : { rowBinaryColumns }) };
}

/** How access_events rows are encoded: RowBinary where the server's columns allow it (store.ts), else JSONEachRow. */
export type AccessEventsEncoder = RowBinaryEncoder<EnrichedEvent, AccessEventContext> | null;

/** `database`: the one the alerts' ready-to-run queries read. */
export function prepareBatch(batch: OutputBatch, nowMs: number, database: string, accessEvents: AccessEventsEncoder = null): PreparedBatch {
  const nowSeconds = epochSeconds(nowMs, 'now');
  const alerts = alertRevisionsToStore(batch.alerts).map((u) => ({ ...u, alert: storedAlert(u, database) }));
  const bodies = [
    accessEvents === null
      ? serialize(TABLES.accessEvents, batch.events, (p) => accessEventLine(p.event, p.position, nowSeconds))
      : serializeInto(
          ACCESS_EVENTS.name,
          batch.events,
          (p, out) => accessEvents.encode(p.event, { position: p.position, ingestedAt: nowSeconds }, out),
          accessEvents.columnList,
          ROW_BYTES_HINT,
        ),
    serialize(TABLES.alerts, alerts, (u) => alertLine(u, nowMs)),
    serialize(TABLES.rejectedEvents, batch.rejected, rejectedLine),
    serialize(TABLES.actorActivity, batch.activity, (a) => activityLine(a, nowSeconds)),
    serialize(TABLES.partitionProgress, batch.progress ?? [], (p) => progressLine(p, nowSeconds)),
  ].filter((b): b is TableBody => b !== null);
  const notifications = alerts.filter((u) => u.notify).map((u) => ({ alert: u.alert, storedAtMs: nowMs }));
  return { bodies, notifications };
}
