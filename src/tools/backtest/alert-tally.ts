/**
 * Folds the stream of alert updates of one replay into one record per alert:
 * its latest revision, when it opened, and how many escalations and merged
 * follow-ups it had. Memory grows with alerts, not with updates.
 */
import type { Alert, StoredAlertUpdate } from '../../model/alert.js';
import { findingRules } from './alert-rules.js';

export interface AlertRecord {
  /** Latest revision (the closing one once the quiet period passed). */
  alert: Alert;
  /** Virtual time of the opening notification. */
  readonly openedAt: number;
  /** Notifying updates after the opening: tier or severity went up. */
  escalations: number;
  /** Follow-ups merged without a notification. */
  merges: number;
  /** Virtual time the closing revision was emitted, if within the replay. */
  closedAt: number | null;
}

/**
 * Per rule. `alerts`, `escalations` and `merges` count the alerts named after
 * the rule (`rule_id` of their latest revision), so their totals are exact;
 * `withFinding` counts the alerts in which the rule found something at all
 * (the same as `alerts` while each alert holds one rule's verdict).
 */
export interface RuleCounts {
  /** Alerts opened (each opening notifies). */
  readonly alerts: number;
  readonly withFinding: number;
  readonly escalations: number;
  readonly merges: number;
}

export class AlertTally {
  private readonly byId = new Map<string, AlertRecord>();

  add(update: StoredAlertUpdate, at: number): void {
    const a = update.alert;
    const rec = this.byId.get(a.alert_id);
    if (rec === undefined) {
      // The first update of an alert is its opening (the replay restores no open alerts).
      this.byId.set(a.alert_id, { alert: a, openedAt: at, escalations: 0, merges: 0, closedAt: a.status === 'closed' ? at : null });
      return;
    }
    if (a.revision < rec.alert.revision) return;
    rec.alert = a;
    if (a.status === 'closed') rec.closedAt = at;
    else if (update.notify) rec.escalations++;
    else rec.merges++;
  }

  get size(): number {
    return this.byId.size;
  }

  get(alertId: string): AlertRecord | undefined {
    return this.byId.get(alertId);
  }

  /** Ordered by opening event time, then rule and actor (stable across runs). */
  records(): AlertRecord[] {
    return [...this.byId.values()].sort(compareRecords);
  }

  perRule(): Map<string, RuleCounts> {
    const out = new Map<string, { alerts: number; withFinding: number; escalations: number; merges: number }>();
    const counts = (rule: string) => {
      let c = out.get(rule);
      if (c === undefined) {
        c = { alerts: 0, withFinding: 0, escalations: 0, merges: 0 };
        out.set(rule, c);
      }
      return c;
    };
    for (const r of this.byId.values()) {
      const named = counts(r.alert.rule_id);
      named.alerts++;
      named.escalations += r.escalations;
      named.merges += r.merges;
      for (const rule of findingRules(r.alert)) counts(rule).withFinding++;
    }
    return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export function compareRecords(x: AlertRecord, y: AlertRecord): number {
  return (
    x.alert.first_event_ts - y.alert.first_event_ts ||
    x.alert.rule_id.localeCompare(y.alert.rule_id) ||
    x.alert.actor_id.localeCompare(y.alert.actor_id) ||
    x.alert.alert_id.localeCompare(y.alert.alert_id)
  );
}
