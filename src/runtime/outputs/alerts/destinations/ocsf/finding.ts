/**
 * An alert revision as an OCSF Detection Finding (class 2004, category
 * Findings), following OCSF schema 1.8.0, the latest release
 * (https://schema.ocsf.io/1.8.0/classes/detection_finding; the class is
 * defined in ocsf-schema's events/findings/detection_finding.json at tag
 * 1.8.0, which extends finding.json and base_event.json). Pure: the same
 * revision gives the same bytes on every retry.
 *
 * Each revision is one finding event about the same finding: the opening
 * creates it (activity Create), escalations and follow-ups update it
 * (Update), the closing revision closes it (Close). `finding_info.uid` is
 * the alert id in all of them; `metadata.uid` is unique per revision, so a
 * SIEM drops repeats on it. Times are epoch milliseconds (OCSF timestamp_t).
 * custos' figures that OCSF has no attribute for are in `unmapped`; the
 * triggering events in `evidences`; the actor is the one observable.
 *
 * Privacy: an alert never holds a customer record id (record refs are
 * pseudonymised at decode and no part of an alert: engine/alerts/render.ts),
 * so neither does a finding; it names the workforce actor, as every alert does.
 */
import type { Alert, RuleKind, Severity } from '../../../../../model/alert.js';
import { webhookIdOf } from '../../payload.js';

export const OCSF_SCHEMA_VERSION = '1.8.0';

const DETECTION_FINDING = { class_uid: 2004, class_name: 'Detection Finding', category_uid: 2, category_name: 'Findings' } as const;

const ACTIVITIES = { 1: 'Create', 2: 'Update', 3: 'Close' } as const;
type ActivityId = keyof typeof ACTIVITIES;

/**
 * OCSF's finding statuses describe a reviewer's work (New, In Progress,
 * Resolved: "reviewed, remediated"); custos closes an alert when its quiet
 * period passes, which is not a review: that is status Other (99), `Closed`.
 */
const STATUS_NEW = { status_id: 1, status: 'New' } as const;
const STATUS_CLOSED = { status_id: 99, status: 'Closed', status_detail: 'the rule quiet period passed without a triggering event' } as const;

/** OCSF observable type of `user.uid` (ocsf-schema objects/user.json). */
const OBSERVABLE_USER_UID = 31;

/** custos' five severities are OCSF's severity_id 1-5 (OCSF's 6, Fatal, is not used). */
export const OCSF_SEVERITY: Readonly<Record<Severity, { id: number; caption: string }>> = {
  info: { id: 1, caption: 'Informational' },
  low: { id: 2, caption: 'Low' },
  medium: { id: 3, caption: 'Medium' },
  high: { id: 4, caption: 'High' },
  critical: { id: 5, caption: 'Critical' },
};

/**
 * Policy rules are rules; rate rules compare a count with a baseline; a risk score combines several
 * behaviour signals of one person (analytic type_id 1 Rule, 3 Statistical, 2 Behavioral).
 */
const ANALYTIC_TYPE: Readonly<Record<RuleKind, { id: number; caption: string }>> = {
  policy: { id: 1, caption: 'Rule' },
  rate: { id: 3, caption: 'Statistical' },
  score: { id: 2, caption: 'Behavioral' },
};

const FINDING_TYPE: Readonly<Record<RuleKind, string>> = { policy: 'Policy Violation', rate: 'Rate Anomaly', score: 'Behaviour Risk Score' };

export function activityOf(alert: Alert): ActivityId {
  if (alert.status === 'closed') return 3;
  return alert.revision <= 1 ? 1 : 2;
}

export interface ProductInfo {
  readonly name: string;
  readonly vendor_name: string;
  readonly version: string;
}

export function detectionFinding(alert: Alert, storedAtMs: number, product: ProductInfo): Record<string, unknown> {
  const activityId = activityOf(alert);
  const activity = ACTIVITIES[activityId];
  const severity = OCSF_SEVERITY[alert.severity];
  const analytic = ANALYTIC_TYPE[alert.rule_kind];
  return {
    ...DETECTION_FINDING,
    activity_id: activityId,
    activity_name: activity,
    type_uid: DETECTION_FINDING.class_uid * 100 + activityId,
    type_name: `${DETECTION_FINDING.class_name}: ${activity}`,
    severity_id: severity.id,
    severity: severity.caption,
    ...(activityId === 3 ? STATUS_CLOSED : STATUS_NEW),
    // A created or updated finding is an alertable signal; its closing is not.
    is_alert: activityId !== 3,
    // When this revision was stored: the event's time; the finding's own times are in finding_info.
    time: storedAtMs,
    timezone_offset: 0,
    start_time: alert.first_event_ts,
    end_time: alert.last_event_ts,
    count: alert.event_count,
    message: alert.summary,
    finding_info: {
      uid: alert.alert_id,
      title: alert.summary,
      desc: `${alert.rule_kind} rule ${alert.rule_id} (version ${alert.rule_version}), severity ${alert.severity}, tier ${alert.tier}: ${alert.summary}`,
      types: [FINDING_TYPE[alert.rule_kind]],
      // Event time of the event that opened the alert: the same in every revision.
      created_time: alert.first_event_ts,
      modified_time: storedAtMs,
      first_seen_time: alert.first_event_ts,
      last_seen_time: alert.last_event_ts,
      analytic: { uid: alert.rule_id, name: alert.rule_id, version: alert.rule_version, type_id: analytic.id, type: analytic.caption },
    },
    metadata: {
      product,
      version: OCSF_SCHEMA_VERSION,
      uid: webhookIdOf(alert),
    },
    actor: { user: { uid: alert.actor_id } },
    observables: [{ name: 'actor.user.uid', type_id: OBSERVABLE_USER_UID, value: alert.actor_id }],
    evidences: [{ data: { event_ids: alert.event_ids, event_count: alert.event_count, query: alert.query } }],
    unmapped: {
      revision: alert.revision,
      status: alert.status ?? 'open',
      severity: alert.severity,
      tier: alert.tier,
      rule_kind: alert.rule_kind,
      actor_role: alert.actor_role,
      actor_department: alert.actor_department,
      employment_status: alert.employment_status,
      window: alert.window_label,
      window_start: alert.window_start,
      window_end: alert.window_end,
      observed: alert.observed,
      baseline: alert.baseline,
      baseline_source: alert.baseline_source,
      score: alert.score,
      suppressed_count: alert.suppressed_count,
      explanation: alert.explanation,
    },
  };
}
