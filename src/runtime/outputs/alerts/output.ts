/**
 * Alert notifications: once the batch is stored (and with it the outbox of
 * owed revisions), the revisions that notify or close an alert go to the
 * dispatcher's fast path; the outbox scan is the safety net for anything this
 * misses (a crash, a full queue).
 */
import type { Alert, AlertUpdate } from '../../../model/alert.js';
import type { Output } from '../output.js';
import type { AlertDispatcher } from './dispatcher.js';
import type { StoredNotification } from './outbox.js';

/** `stored`: a revision as its store holds it (with its query): what destinations are sent. */
export function alertNotificationOutput(dispatcher: AlertDispatcher, stored: (update: AlertUpdate) => Alert): Output {
  return {
    name: 'alert_notifications',
    role: 'follower',
    announce: (batch) => {
      const owed = batch.alerts.filter(isOwed).map((u) => ({ alertId: u.alert.alert_id, revision: u.alert.revision }));
      if (owed.length > 0) dispatcher.announce(owed);
    },
    write: async (batch) => {
      const owed = owedRevisions(batch.alerts, batch.writtenAtMs ?? Date.now(), stored);
      if (owed.length > 0) dispatcher.enqueue(owed);
    },
  };
}

/** Whether destinations are owed the revision: it notifies, or it closes the alert (for destinations that resolve). */
const isOwed = (u: AlertUpdate): boolean => u.notify || u.alert.status === 'closed';

/** Revisions owed to destinations: those that notify, and closing ones (for destinations that resolve); each revision once. */
export function owedRevisions(updates: readonly AlertUpdate[], storedAtMs: number, stored: (update: AlertUpdate) => Alert): StoredNotification[] {
  const seen = new Set<string>();
  const out: StoredNotification[] = [];
  for (const u of updates) {
    if (!isOwed(u)) continue;
    const key = `${u.alert.alert_id}\u0000${u.alert.revision}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ alert: stored(u), storedAtMs });
  }
  return out;
}
