/**
 * Alert notifications: once the batch is stored (and with it the outbox of
 * owed revisions), the revisions that notify or close an alert go to the
 * dispatcher's fast path; the outbox scan is the safety net for anything this
 * misses (a crash, a full queue).
 */
import type { AlertUpdate } from '../../../model/alert.js';
import type { Output } from '../output.js';
import type { AlertDispatcher } from './dispatcher.js';
import type { StoredNotification } from './outbox.js';

export function alertNotificationOutput(dispatcher: AlertDispatcher): Output {
  return {
    name: 'alert_notifications',
    role: 'follower',
    write: async (batch) => {
      const owed = owedRevisions(batch.alerts, batch.writtenAtMs ?? Date.now());
      if (owed.length > 0) dispatcher.enqueue(owed);
    },
  };
}

/** Revisions owed to destinations: those that notify, and closing ones (for destinations that resolve); each revision once. */
export function owedRevisions(updates: readonly AlertUpdate[], storedAtMs: number): StoredNotification[] {
  const seen = new Set<string>();
  const out: StoredNotification[] = [];
  for (const u of updates) {
    if (!u.notify && u.alert.status !== 'closed') continue;
    const key = `${u.alert.alert_id}\u0000${u.alert.revision}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ alert: u.alert, storedAtMs });
  }
  return out;
}
