/**
 * Turns one pipeline batch into one JSONEachRow body per non-empty table.
 * Pure (time is passed in), so what gets stored is unit-tested without a server.
 */
import type { ActorActivityRow, AlertUpdate } from '../../engine/api.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import type { SourcePosition } from '../../../model/event.js';
import type { RejectedRecord } from '../../../model/rejection.js';
import type { StoredNotification } from '../webhook/outbox.js';
import { TABLES } from './ddl.js';
import { ClickHouseSinkError, classifyClickHouseError } from './errors.js';
import { accessEventLine } from './rows/access-event-row.js';
import { activityLine } from './rows/activity-row.js';
import { alertLine } from './rows/alert-row.js';
import { epochSeconds } from './rows/json-values.js';
import { progressLine } from './rows/progress-row.js';
import { rejectedLine } from './rows/rejected-row.js';

export interface PositionedEvent {
  readonly event: EnrichedEvent;
  readonly position: SourcePosition;
}

/** How far one stored batch of a partition reaches: the anchor a later restore of the partition starts from. */
export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the batch's last message (inclusive). */
  readonly endOffset: string;
  /** Newest event time among the batch's stored events (0 when it held none). */
  readonly maxTsMs: number;
  readonly events: number;
}

export interface SinkBatch {
  readonly events: readonly PositionedEvent[];
  readonly alerts: readonly AlertUpdate[];
  readonly rejected: readonly RejectedRecord[];
  readonly activity: readonly ActorActivityRow[];
  /** One row per source batch in this write (none for a tick). */
  readonly progress?: readonly PartitionProgress[];
}

export interface TableBody {
  readonly table: string;
  readonly rows: number;
  readonly body: string;
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
  if (items.length === 0) return null;
  let body = '';
  try {
    // One string per table; += and join('') measured the same for 5,000 lines.
    for (const item of items) body += line(item);
  } catch (err) {
    // A RangeError names the offending field, never its value.
    const failure = classifyClickHouseError(err);
    const detail = err instanceof RangeError ? `: ${err.message}` : '';
    throw new ClickHouseSinkError('serialize', table, { ...failure, retryable: false, reason: `row rejected before sending${detail}` });
  }
  return { table, rows: items.length, body };
}

export function prepareBatch(batch: SinkBatch, nowMs: number): PreparedBatch {
  const nowSeconds = epochSeconds(nowMs, 'now');
  const alerts = alertRevisionsToStore(batch.alerts);
  const bodies = [
    serialize(TABLES.accessEvents, batch.events, (p) => accessEventLine(p.event, p.position, nowSeconds)),
    serialize(TABLES.alerts, alerts, (u) => alertLine(u, nowMs)),
    serialize(TABLES.rejectedEvents, batch.rejected, rejectedLine),
    serialize(TABLES.actorActivity, batch.activity, (a) => activityLine(a, nowSeconds)),
    serialize(TABLES.partitionProgress, batch.progress ?? [], (p) => progressLine(p, nowSeconds)),
  ].filter((b): b is TableBody => b !== null);
  const notifications = alerts.filter((u) => u.notify).map((u) => ({ alert: u.alert, storedAtMs: nowMs }));
  return { bodies, notifications };
}
