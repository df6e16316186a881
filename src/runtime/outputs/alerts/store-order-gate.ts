/**
 * Keeps an alert's revisions in order across writes that complete out of
 * order. Two writes can carry revisions of one alert at once: a tick's
 * (a closing revision) and a batch's (the next revision), or a write given up
 * whose output waits in the carry-over while a later one succeeds. If the
 * later write is stored first, its revision would reach the dispatcher, and
 * the receivers, before the earlier one: the dispatcher orders only what it
 * has been handed (and the outbox scan only what is stored).
 *
 * So the writer announces each owed revision when its write begins; a stored
 * revision of an alert with an earlier announced revision not stored yet is
 * held here until that one is stored. An announced revision that is not
 * stored within `waitMs` (its output was dropped: the partition moved to
 * another instance) no longer holds anything back, and is reported.
 */
import type { Alert } from '../../../model/alert.js';
import type { StoredNotification } from './outbox.js';

export interface AnnouncedRevision {
  readonly alertId: string;
  readonly revision: number;
}

export class StoreOrderGate {
  /** alert id → revision → when announced (ms), for revisions whose write began and is not stored yet. */
  private readonly unstored = new Map<string, Map<number, number>>();
  /** alert id → revision → the stored notification waiting for an earlier revision of its alert. */
  private readonly held = new Map<string, Map<number, StoredNotification>>();

  constructor(
    private readonly waitMs: number,
    private readonly now: () => number,
  ) {}

  /** Held notifications (waiting for an earlier revision). */
  get heldCount(): number {
    let n = 0;
    for (const m of this.held.values()) n += m.size;
    return n;
  }

  /** A write carrying this revision begins (again, after a carry-over: the first announcement counts). */
  announce(r: AnnouncedRevision): void {
    let revisions = this.unstored.get(r.alertId);
    if (revisions === undefined) this.unstored.set(r.alertId, (revisions = new Map()));
    if (!revisions.has(r.revision)) revisions.set(r.revision, this.now());
  }

  /** The revision is stored (in the outbox). */
  stored(alert: Alert): void {
    const revisions = this.unstored.get(alert.alert_id);
    if (revisions === undefined) return;
    revisions.delete(alert.revision);
    if (revisions.size === 0) this.unstored.delete(alert.alert_id);
  }

  /** Whether an earlier revision of this alert was announced and is not stored yet. */
  waits(alert: Alert): boolean {
    const revisions = this.unstored.get(alert.alert_id);
    if (revisions === undefined) return false;
    for (const revision of revisions.keys()) if (revision < alert.revision) return true;
    return false;
  }

  /** Keeps a stored notification until `waits` is false for it (see released). */
  hold(n: StoredNotification): void {
    let revisions = this.held.get(n.alert.alert_id);
    if (revisions === undefined) this.held.set(n.alert.alert_id, (revisions = new Map()));
    revisions.set(n.alert.revision, n);
  }

  /** Announced revisions older than waitMs that were never stored: forgotten now (returned, to be reported). */
  expire(): AnnouncedRevision[] {
    const out: AnnouncedRevision[] = [];
    const cutoff = this.now() - this.waitMs;
    for (const [alertId, revisions] of this.unstored) {
      for (const [revision, at] of revisions) {
        if (at > cutoff) continue;
        revisions.delete(revision);
        out.push({ alertId, revision });
      }
      if (revisions.size === 0) this.unstored.delete(alertId);
    }
    return out;
  }

  /** Held notifications that need wait no longer, removed, each alert's in revision order. */
  released(): StoredNotification[] {
    const out: StoredNotification[] = [];
    for (const [alertId, revisions] of this.held) {
      for (const revision of [...revisions.keys()].sort((a, b) => a - b)) {
        const n = revisions.get(revision) as StoredNotification;
        // Stops at the first that still waits: the ones after it wait for it too.
        if (this.waits(n.alert)) break;
        revisions.delete(revision);
        out.push(n);
      }
      if (revisions.size === 0) this.held.delete(alertId);
    }
    return out;
  }
}
