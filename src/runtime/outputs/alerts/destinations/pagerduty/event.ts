/**
 * The PagerDuty Events API v2 event of one alert revision
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * `trigger` for an opening or an escalation, `resolve` for the closing
 * revision, all with the alert id as `dedup_key`, so PagerDuty keeps one
 * alert per custos alert: a later trigger is added to the open alert's log,
 * the resolve closes it. Pure: the same revision gives the same bytes on
 * every retry.
 */
import type { Alert, Severity } from '../../../../../model/alert.js';

export type PagerDutySeverity = 'info' | 'warning' | 'error' | 'critical';

/** custos has five severities, PagerDuty four: low and medium both page as warnings. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  info: 'info',
  low: 'warning',
  medium: 'warning',
  high: 'error',
  critical: 'critical',
};

export interface PagerDutyTrigger {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly client: 'custos';
  readonly payload: {
    readonly summary: string;
    readonly severity: PagerDutySeverity;
    readonly source: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly timestamp: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
}

export interface PagerDutyResolve {
  readonly routing_key: string;
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

/** PagerDuty's limits: summary 1024 characters, dedup_key 255. */
const SUMMARY_MAX = 1024;
const DEDUP_KEY_MAX = 255;

const iso = (ms: number): string => new Date(ms).toISOString();

export function pagerDutyEvent(alert: Alert, storedAtMs: number, routingKey: string): PagerDutyTrigger | PagerDutyResolve {
  const dedupKey = alert.alert_id.slice(0, DEDUP_KEY_MAX);
  if (alert.status === 'closed') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'custos',
    payload: {
      summary: alert.summary.length <= SUMMARY_MAX ? alert.summary : `${alert.summary.slice(0, SUMMARY_MAX - 1)}…`,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      // The "affected system" is the actor whose access the alert is about; the rule is the part of it that fired.
      source: alert.actor_id,
      component: alert.rule_id,
      group: alert.actor_department,
      class: alert.rule_kind,
      timestamp: iso(storedAtMs),
      custom_details: {
        alert_id: alert.alert_id,
        revision: alert.revision,
        severity: alert.severity,
        tier: alert.tier,
        rule_id: alert.rule_id,
        rule_version: alert.rule_version,
        actor_id: alert.actor_id,
        actor_role: alert.actor_role,
        actor_department: alert.actor_department,
        employment_status: alert.employment_status,
        window: alert.window_label,
        window_start: iso(alert.window_start),
        window_end: iso(alert.window_end),
        observed: alert.observed,
        baseline: alert.baseline,
        baseline_source: alert.baseline_source,
        score: alert.score,
        first_event_ts: iso(alert.first_event_ts),
        last_event_ts: iso(alert.last_event_ts),
        event_count: alert.event_count,
        suppressed_count: alert.suppressed_count,
        query: alert.query,
      },
    },
  };
}
