/**
 * Turns one pipeline batch into one JSONEachRow body per non-empty table.
 * Pure (time is passed in), so what gets stored is unit-tested without a server.
 */
import type { AlertUpdate } from '../../../model/alert.js';
import type { OutputBatch } from '../../../model/batch.js';
import type { StoredNotification } from '../alerts/outbox.js';
import { TABLES } from './ddl.js';
import { ClickHouseSinkError, classifyClickHouseError } from './errors.js';
import { accessEventLine } from './rows/access-event-row.js';
import { activityLine } from './rows/activity-row.js';
import { alertLine } from './rows/alert-row.js';
import { epochSeconds } from './rows/json-values.js';
import { progressLine } from './rows/progress-row.js';
import { rejectedLine } from './rows/rejected-row.js';

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

export function prepareBatch(batch: OutputBatch, nowMs: number): PreparedBatch {
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
