import type { AlertState } from './alert-state.js';
import type { SourcePosition } from './event.js';

/**
 * The alert: one fixed contract shared by the ClickHouse `alerts` table and the
 * webhook payload. Time fields are epoch milliseconds in memory; sinks render them.
 */

/** Ordered: a sink filters with one comparison (SEVERITIES.indexOf). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `score`: an actor's risk score, several signals (rate rules that do not alert alone, facts) together. */
export const RULE_KINDS = ['policy', 'rate', 'score'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/**
 * Which history decided a baseline window's limit; `own_other_band` / `peers_other_band`: the actor's
 * own (else their peers') usual level in another part of the week (rare_band); `org`: every actor's
 * history (the organisation-wide prior, where the role's is too thin).
 */
export const BASELINE_SOURCES = ['own', 'own_other_band', 'peers', 'peers_other_band', 'role', 'org', 'static'] as const;
export type BaselineSource = (typeof BASELINE_SOURCES)[number];

/** An alert revision as the engine decides it: everything of the contract but the ready-to-run query, which its store renders (`Alert`). */
export interface AlertRevision {
  /**
   * Deterministic: derived only from the actor and the event that opened the
   * alert (one open alert per actor merges whatever fires), so a redelivered
   * batch reproduces the same id.
   */
  readonly alert_id: string;
  /** 1 when opened; +1 each time follow-ups are merged into it or it escalates. */
  readonly revision: number;
  /** The primary (most severe) finding's rule; `explanation.findings` lists every finding with its rule and version. */
  readonly rule_id: string;
  readonly rule_version: string;
  readonly rule_kind: RuleKind;
  readonly severity: Severity;
  /** Escalation tier, 1 when opened; rises when volume crosses the next tier. */
  readonly tier: number;
  readonly actor_id: string;
  readonly actor_role: string;
  readonly actor_department: string;
  readonly employment_status: string;
  /** The window the verdict is about (event time). */
  readonly window_start: number;
  readonly window_end: number;
  /** Human label of the window, e.g. `5m`, `1h`, `24h`, or `request` for a single event. */
  readonly window_label: string;
  /** The measured value: distinct customers in the window, or records in the request. */
  readonly observed: number;
  /** The value it was compared against, when there was one. */
  readonly baseline: number | null;
  readonly baseline_source: BaselineSource | null;
  /** How far above normal (e.g. robust z-score or ratio); null for pure policy alerts. */
  readonly score: number | null;
  readonly first_event_ts: number;
  readonly last_event_ts: number;
  /** Triggering events merged into this alert so far. */
  readonly event_count: number;
  /** Follow-ups merged without a notification of their own (nothing is dropped silently). */
  readonly suppressed_count: number;
  /** A sample (bounded) of triggering event ids. */
  readonly event_ids: readonly string[];
  /** One sentence an analyst reads in two seconds. */
  readonly summary: string;
  /** Structured evidence: baselines with their figures, policy findings, context. */
  readonly explanation: Readonly<Record<string, unknown>>;
  /**
   * Added by the engine (optional for older rows): `closed` on the last revision,
   * emitted once the rule's quiet period passed without a triggering event.
   * A restarted engine does not restore closed alerts.
   */
  readonly status?: 'open' | 'closed';
}

/**
 * The alert contract as stored and sent: the engine's revision plus a
 * ready-to-run query listing the underlying events, rendered by the
 * ClickHouse output from the revision's `AlertEvents`
 * (src/runtime/outputs/clickhouse/events-query.ts).
 */
export interface Alert extends AlertRevision {
  /** A ready-to-run ClickHouse query that lists the underlying events. */
  readonly query: string;
}

/**
 * Which stored events an alert is about, as the engine decides it: what a
 * store turns into its query. Not part of the alert contract.
 */
export interface AlertEvents {
  /** The actor, or for a storm alert (which speaks for many) the sampled actors. */
  readonly actors: { readonly one: string } | { readonly sample: readonly string[] };
  /** Exactly these events (a policy-only alert whose every event id is known); null: every event of the actors in the time range. */
  readonly eventIds: readonly string[] | null;
  /** Event time range, epoch ms, both inclusive. */
  readonly fromMs: number;
  readonly toMs: number;
}

/** An alert revision the outputs must store; `notify` says whether webhooks get it. */
export interface AlertUpdate {
  readonly alert: AlertRevision;
  /** The events behind the revision, for the store's ready-to-run query. */
  readonly events: AlertEvents;
  /** true for an opening alert and for an escalation; false for a merged follow-up. */
  readonly notify: boolean;
  /**
   * The engine's own state behind this revision (typed, versioned: see
   * alerts/alert-state.ts), stored with it so a restarted engine continues the
   * alert exactly. Not part of the alert contract: webhooks never carry it.
   */
  readonly state: AlertState;
  /**
   * Set by the pipeline, not the engine: the Kafka position up to which this
   * revision reflects its partition's events (the last message of the batch
   * whose evaluation produced it; for a tick, the last message evaluated of
   * the actor's partition). A restore as of a committed offset takes exactly
   * the revisions below it. Absent outside the live pipeline.
   */
  readonly position?: SourcePosition | null;
}

/** An update as its store holds it: the revision with its query. */
export interface StoredAlertUpdate extends Omit<AlertUpdate, 'alert' | 'events'> {
  readonly alert: Alert;
}

/** A stored alert revision handed back to restore(): the alert, and its engine state when one was stored and is readable. */
export interface RestorableAlert {
  readonly alert: AlertRevision;
  /** null for revisions stored without a state (older custos) or with one this code cannot read: rebuilt from the explanation. */
  readonly state: AlertState | null;
}
