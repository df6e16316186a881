/**
 * The triage workflow of an alert, as pure functions: which changes are
 * allowed from which state, and the state after each. Every change becomes
 * one append-only row (triage/store.ts) holding the whole state after it, so
 * the latest row is the current state and the rows are the audit trail.
 *
 *   open ──acknowledge──► acknowledged ──resolve──► resolved
 *     └────────────────────resolve───────────────────┘  │
 *   ◄──────────────────────reopen────────────────────────┘
 *
 * `assign` and `note` keep the status. A resolved alert whose engine state
 * gains triggering events (the actor goes on) counts as open again: reopened
 * (computed by the `alerts_triaged` view from the event count a resolution
 * was made against).
 */
import { TRIAGE_STATUSES } from '../../runtime/outputs/clickhouse/ddl.js';

export type TriageStatus = (typeof TRIAGE_STATUSES)[number];
export const RESOLUTIONS = ['true_positive', 'false_positive', 'expected_activity'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const TRIAGE_ACTIONS = ['acknowledge', 'assign', 'resolve', 'reopen', 'note'] as const;
export type TriageAction = (typeof TRIAGE_ACTIONS)[number];

export interface TriageState {
  readonly status: TriageStatus;
  readonly resolution: Resolution | null;
  readonly assignee: string;
  /** Engine state the current triage was decided against. */
  readonly alertRevision: number;
  readonly alertEventCount: number;
  readonly changedAtMs: number;
}

export const UNTRIAGED: TriageState = { status: 'open', resolution: null, assignee: '', alertRevision: 0, alertEventCount: 0, changedAtMs: 0 };

export interface TriageRequest {
  readonly action: TriageAction;
  readonly resolution?: string | undefined;
  readonly assignee?: string | undefined;
  readonly note?: string | undefined;
}

export interface AlertEngineState {
  readonly revision: number;
  readonly eventCount: number;
}

export interface TriageChange {
  readonly action: TriageAction;
  readonly from: TriageStatus;
  readonly to: TriageStatus;
  readonly resolution: Resolution | null;
  readonly assignee: string;
  readonly note: string;
  readonly alertRevision: number;
  readonly alertEventCount: number;
  /** Strictly after the previous change (the current state is the latest row). */
  readonly changedAtMs: number;
}

export type TriageDecision = { readonly ok: true; readonly change: TriageChange } | { readonly ok: false; readonly reason: string };

export const MAX_NOTE = 4000;

/** The status an analyst sees: a resolution made before the alert gained events no longer holds. */
export function effectiveStatus(state: TriageState, alert: AlertEngineState): { status: TriageStatus; reopened: boolean } {
  const reopened = state.status === 'resolved' && alert.eventCount > state.alertEventCount;
  return { status: reopened ? 'open' : state.status, reopened };
}

export function decide(current: TriageState, alert: AlertEngineState, req: TriageRequest, nowMs: number): TriageDecision {
  const { status: from } = effectiveStatus(current, alert);
  const note = (req.note ?? '').trim();
  if (note.length > MAX_NOTE) return { ok: false, reason: `a note holds at most ${MAX_NOTE} characters` };
  const assignee = req.assignee === undefined ? current.assignee : req.assignee.trim();
  if (assignee.length > 128) return { ok: false, reason: 'an assignee name holds at most 128 characters' };
  let to: TriageStatus = from;
  let resolution: Resolution | null = from === 'resolved' ? current.resolution : null;
  switch (req.action) {
    case 'acknowledge':
      if (from !== 'open') return { ok: false, reason: `only an open alert can be acknowledged (this one is ${from})` };
      to = 'acknowledged';
      break;
    case 'resolve': {
      if (from === 'resolved') return { ok: false, reason: 'the alert is resolved already' };
      if (!(RESOLUTIONS as readonly string[]).includes(req.resolution ?? '')) return { ok: false, reason: `a resolution is one of ${RESOLUTIONS.join(', ')}` };
      to = 'resolved';
      resolution = req.resolution as Resolution;
      break;
    }
    case 'reopen':
      if (from !== 'resolved') return { ok: false, reason: 'only a resolved alert can be reopened' };
      to = 'open';
      resolution = null;
      break;
    case 'assign':
      if (req.assignee === undefined) return { ok: false, reason: 'assign needs an assignee (empty to unassign)' };
      break;
    case 'note':
      if (note === '') return { ok: false, reason: 'a note cannot be empty' };
      break;
    default:
      return { ok: false, reason: `unknown action ${String(req.action)}` };
  }
  return {
    ok: true,
    change: {
      action: req.action,
      from,
      to,
      resolution,
      assignee,
      note,
      alertRevision: alert.revision,
      alertEventCount: alert.eventCount,
      changedAtMs: Math.max(nowMs, current.changedAtMs + 1),
    },
  };
}
