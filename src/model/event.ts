/**
 * The access event as it leaves the decode step: validated against contract v1,
 * with customer record ids already replaced by keyed pseudonyms.
 *
 * Field names follow the wire contract (snake_case) so that the same names are
 * used in the contract, in rule predicates, in ClickHouse columns and in alerts.
 */

export const ACTIONS = ['read', 'search', 'export', 'update', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];

export const OUTCOMES = ['success', 'denied', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AccessEvent {
  /** Producer's unique id; the same id twice is the same event. */
  readonly event_id: string;
  /** Event time, epoch milliseconds (UTC). */
  readonly ts: number;
  /** Employee or service account; kept in clear, it is the subject of monitoring. */
  readonly actor_id: string;
  readonly action: Action;
  readonly resource_type: string;
  /**
   * Keyed pseudonyms (HMAC-SHA256 under the configured key, hex, 32 chars) of
   * the customer record ids the producer listed. Never the ids themselves.
   */
  readonly record_refs: readonly string[];
  /**
   * How many records the access returned: `record_count` when given, else the
   * number of listed record ids. Always >= record_refs.length is NOT guaranteed
   * by producers; decode takes max(record_count, distinct record_refs).
   */
  readonly record_count: number;
  readonly fields: readonly string[];
  readonly outcome: Outcome;
  readonly channel: string | null;
  readonly source_ip: string | null;
  readonly session_id: string | null;
  readonly user_agent: string | null;
  readonly ticket_id: string | null;
}

/** Where a Kafka message came from; carried for dead-lettering and tracing. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}
