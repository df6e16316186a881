/**
 * Alert revision <-> `alerts` row (and `alert_notifications`, which the
 * materialized view fills with the same columns). Times are stored twice: a
 * DateTime('UTC') for analysts and an epoch-ms UInt64 for exact round trips.
 */
import { parseAlertState, type RestorableAlert } from '../../../engine/index.js';
import { BASELINE_SOURCES, RULE_KINDS, SEVERITIES, type Alert, type StoredAlertUpdate, type BaselineSource, type RuleKind, type Severity } from '../../../../model/alert.js';
import { epochMs, epochSeconds, flag, float, nullableFloat, toNumber, uint, uint64 } from './json-values.js';

export function alertLine(update: StoredAlertUpdate, storedAtMs: number): string {
  const a = update.alert;
  const position = update.position ?? null;
  return (
    JSON.stringify({
      alert_id: a.alert_id,
      revision: uint(a.revision, 'revision'),
      rule_id: a.rule_id,
      rule_version: a.rule_version,
      rule_kind: a.rule_kind,
      severity: a.severity,
      tier: uint(a.tier, 'tier'),
      actor_id: a.actor_id,
      actor_role: a.actor_role,
      actor_department: a.actor_department,
      employment_status: a.employment_status,
      window_start: epochSeconds(a.window_start, 'window_start'),
      window_start_ms: epochMs(a.window_start, 'window_start'),
      window_end: epochSeconds(a.window_end, 'window_end'),
      window_end_ms: epochMs(a.window_end, 'window_end'),
      window_label: a.window_label,
      observed: float(a.observed),
      baseline: nullableFloat(a.baseline),
      baseline_source: a.baseline_source,
      score: nullableFloat(a.score),
      first_event_ts: epochSeconds(a.first_event_ts, 'first_event_ts'),
      first_event_ts_ms: epochMs(a.first_event_ts, 'first_event_ts'),
      last_event_ts: epochSeconds(a.last_event_ts, 'last_event_ts'),
      last_event_ts_ms: epochMs(a.last_event_ts, 'last_event_ts'),
      event_count: uint(a.event_count, 'event_count'),
      suppressed_count: uint(a.suppressed_count, 'suppressed_count'),
      event_ids: a.event_ids,
      summary: a.summary,
      explanation: JSON.stringify(a.explanation),
      query: a.query,
      status: a.status ?? 'open',
      notify: flag(update.notify),
      stored_at: epochSeconds(storedAtMs, 'stored_at'),
      stored_at_ms: epochMs(storedAtMs, 'stored_at'),
      state: JSON.stringify(update.state),
      source_topic: position?.topic ?? null,
      source_partition: position === null ? null : uint(position.partition, 'source_partition'),
      source_offset: position === null ? null : uint64(position.offset, 'source_offset'),
    }) + '\n'
  );
}

export const ALERT_READ_COLUMNS = [
  'alert_id', 'revision', 'rule_id', 'rule_version', 'rule_kind', 'severity', 'tier', 'actor_id', 'actor_role', 'actor_department',
  'employment_status', 'window_start_ms', 'window_end_ms', 'window_label', 'observed', 'baseline', 'baseline_source', 'score',
  'first_event_ts_ms', 'last_event_ts_ms', 'event_count', 'suppressed_count', 'event_ids', 'summary', 'explanation', 'query', 'status', 'stored_at_ms',
].join(', ');

/** The alert columns plus the engine state, for restores. */
export const RESTORABLE_ALERT_READ_COLUMNS = `${ALERT_READ_COLUMNS}, state`;

export interface AlertRow {
  readonly alert_id: string;
  readonly revision: number | string;
  readonly rule_id: string;
  readonly rule_version: string;
  readonly rule_kind: string;
  readonly severity: string;
  readonly tier: number | string;
  readonly actor_id: string;
  readonly actor_role: string;
  readonly actor_department: string;
  readonly employment_status: string;
  readonly window_start_ms: number | string;
  readonly window_end_ms: number | string;
  readonly window_label: string;
  readonly observed: number | null;
  readonly baseline: number | null;
  readonly baseline_source: string | null;
  readonly score: number | null;
  readonly first_event_ts_ms: number | string;
  readonly last_event_ts_ms: number | string;
  readonly event_count: number | string;
  readonly suppressed_count: number | string;
  readonly event_ids: string[];
  readonly summary: string;
  readonly explanation: string;
  readonly query: string;
  readonly status: string;
  readonly stored_at_ms: number | string;
}

const isRuleKind = (v: string): v is RuleKind => (RULE_KINDS as readonly string[]).includes(v);
const isSeverity = (v: string): v is Severity => (SEVERITIES as readonly string[]).includes(v);
const isBaselineSource = (v: string): v is BaselineSource => (BASELINE_SOURCES as readonly string[]).includes(v);

function parseExplanation(text: string): Readonly<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The stored revision; null when a value is outside the model (written by something else). */
export function alertFromRow(r: AlertRow): Alert | null {
  if (!isRuleKind(r.rule_kind) || !isSeverity(r.severity)) return null;
  const baselineSource = r.baseline_source;
  if (baselineSource !== null && !isBaselineSource(baselineSource)) return null;
  return {
    alert_id: r.alert_id,
    revision: toNumber(r.revision),
    rule_id: r.rule_id,
    rule_version: r.rule_version,
    rule_kind: r.rule_kind,
    severity: r.severity,
    tier: toNumber(r.tier),
    actor_id: r.actor_id,
    actor_role: r.actor_role,
    actor_department: r.actor_department,
    employment_status: r.employment_status,
    window_start: toNumber(r.window_start_ms),
    window_end: toNumber(r.window_end_ms),
    window_label: r.window_label,
    observed: r.observed ?? 0,
    baseline: r.baseline,
    baseline_source: baselineSource,
    score: r.score,
    first_event_ts: toNumber(r.first_event_ts_ms),
    last_event_ts: toNumber(r.last_event_ts_ms),
    event_count: toNumber(r.event_count),
    suppressed_count: toNumber(r.suppressed_count),
    event_ids: r.event_ids,
    summary: r.summary,
    explanation: parseExplanation(r.explanation),
    query: r.query,
    status: r.status === 'closed' ? 'closed' : 'open',
  };
}

/** A stored revision with its engine state (null when absent or unreadable), for restore(); null when the alert itself is unreadable. */
export function restorableAlertFromRow(r: AlertRow & { readonly state: string }): RestorableAlert | null {
  const alert = alertFromRow(r);
  if (alert === null) return null;
  const state = parseAlertState(r.state);
  // A state that names another alert or revision is not this revision's: rebuild from the alert instead.
  return { alert, state: state !== null && state.alertId === alert.alert_id && state.revision === alert.revision ? state : null };
}
