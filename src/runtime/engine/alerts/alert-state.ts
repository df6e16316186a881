/**
 * Open alert <-> its stored state (the contract: src/model/alert-state.ts).
 * A stored state this code cannot read (another version, or damaged) is
 * refused by parseAlertState, and the caller falls back to rebuilding what it
 * can from the alert's explanation (OpenAlert.fromAlert).
 */
import { ALERT_STATE_VERSION, type AlertState } from '../../../model/alert-state.js';
import type { LimitDecision } from '../baseline/limits.js';
import { Finding, OpenAlert, type WindowFigure } from './open-alert.js';

/** The state behind the revision just rendered (whether it notified is not state: a restored alert owes nothing). */
export function alertStateOf(a: OpenAlert): AlertState {
  return {
    v: ALERT_STATE_VERSION,
    alertId: a.alertId,
    actorId: a.actorId,
    revision: a.revision,
    closed: a.closed,
    severity: a.severity,
    tier: a.tier,
    eventCount: a.eventCount,
    suppressed: a.suppressed,
    firings: a.firings,
    firstTs: a.firstTs,
    lastTs: a.lastTs,
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    totalRecords: a.totalRecords,
    maxRecords: a.maxRecords,
    eventIds: [...a.eventIds],
    findings: [...a.findings.values()].map(findingStateOf),
    actions: a.actions(),
    resourceTypes: [...a.resourceTypes],
    channels: [...a.channels],
    zones: [...a.zones],
    fieldClasses: [...a.fieldClasses],
    firstSeen: {
      resource_types: [...a.firstSeen.resource_types],
      channels: [...a.firstSeen.channels],
      zones: [...a.firstSeen.zones],
    },
    outsideBusinessHours: a.outsideBusinessHours,
    employmentStatus: a.employmentStatus,
    actorRole: a.actorRole,
    actorDepartment: a.actorDepartment,
    combinationRaise: a.combinationRaise,
  };
}

function findingStateOf(f: Finding): AlertState['findings'][number] {
  return {
    ruleId: f.ruleId,
    ruleVersion: f.ruleVersion,
    kind: f.kind,
    order: f.order,
    severity: f.severity,
    tier: f.tier,
    eventCount: f.eventCount,
    firstTs: f.firstTs,
    lastTs: f.lastTs,
    windowStart: f.windowStart,
    windowLabel: f.windowLabel,
    observed: f.observed,
    baseline: f.baseline,
    baselineSource: f.baselineSource,
    score: f.score,
    limit: f.limit,
    peakRatio: f.peakRatio,
    holdMs: f.holdMs,
    totalRecords: f.totalRecords,
    windows: f.windows.map((w) => ({
      label: w.label,
      horizonMs: w.horizonMs,
      observed: w.observed,
      decision: { ...w.decision, limit: Number.isFinite(w.decision.limit) ? w.decision.limit : null },
    })),
    contributions: f.contributions.map((c) => ({ ...c })),
    reasons: [...f.reasons],
    raises: [...f.raises],
  };
}

/** The open (or closed, re-openable) alert exactly as the state describes it. */
export function openAlertFromState(s: AlertState): OpenAlert {
  const a = new OpenAlert(s.alertId, s.actorId, { role: s.actorRole, department: s.actorDepartment, employment_status: s.employmentStatus }, s.firstTs);
  a.revision = s.revision;
  a.closed = s.closed;
  a.severity = s.severity;
  a.tier = s.tier;
  a.eventCount = s.eventCount;
  a.suppressed = s.suppressed;
  a.firings = s.firings;
  a.lastTs = s.lastTs;
  a.windowStart = s.windowStart;
  a.windowEnd = s.windowEnd;
  a.totalRecords = s.totalRecords;
  a.maxRecords = s.maxRecords;
  a.eventIds.push(...s.eventIds);
  for (const [k, v] of s.actions) a.addActionRecords(k, v);
  a.resourceTypes.push(...s.resourceTypes);
  a.channels.push(...s.channels);
  a.zones.push(...s.zones);
  a.fieldClasses.push(...s.fieldClasses);
  a.firstSeen.resource_types.push(...s.firstSeen.resource_types);
  a.firstSeen.channels.push(...s.firstSeen.channels);
  a.firstSeen.zones.push(...s.firstSeen.zones);
  a.outsideBusinessHours = s.outsideBusinessHours;
  a.combinationRaise = s.combinationRaise;
  // Findings keep their join order (the primary finding's tie-break).
  for (const fs of [...s.findings].sort((x, y) => x.order - y.order)) {
    const f = new Finding(fs.ruleId, fs.ruleVersion, fs.kind, fs.severity, fs.firstTs, fs.windowLabel, fs.order);
    f.tier = fs.tier;
    f.eventCount = fs.eventCount;
    f.lastTs = fs.lastTs;
    f.windowStart = fs.windowStart;
    f.observed = fs.observed;
    f.baseline = fs.baseline;
    f.baselineSource = fs.baselineSource;
    f.score = fs.score;
    f.limit = fs.limit;
    f.peakRatio = fs.peakRatio;
    f.holdMs = fs.holdMs;
    f.totalRecords = fs.totalRecords;
    f.windows = fs.windows.map(windowFigureFromState);
    f.contributions = fs.contributions.map((c) => ({ ...c }));
    for (const r of fs.reasons) f.addReason(r);
    for (const [reason, by] of fs.raises) f.raises.set(reason, by);
    a.findings.set(f.ruleId, f);
  }
  return a;
}

function windowFigureFromState(w: AlertState['findings'][number]['windows'][number]): WindowFigure {
  const d = w.decision as unknown as LimitDecision & { limit: number | null };
  return { label: w.label, horizonMs: w.horizonMs, observed: w.observed, decision: { ...d, limit: d.limit === null ? Infinity : d.limit } };
}
