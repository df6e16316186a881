/**
 * Why an input message was refused. Stable codes: they appear in the dead-letter
 * topic's headers, in ClickHouse `rejected_events.reason` and in metrics labels.
 */
export const REJECT_REASONS = [
  'too_large', // value over the configured size limit
  'empty', // null or zero-length value (e.g. a tombstone)
  'not_utf8', // bytes that are not valid UTF-8
  'malformed_json', // not parseable as JSON
  'not_an_object', // JSON, but not an object
  'missing_field', // a required field is absent
  'wrong_type', // a field has the wrong JSON type
  'invalid_value', // a field has the right type but a value outside the contract
  'invalid_timestamp', // ts is neither RFC 3339 with offset nor integer epoch ms
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** What decode says about a refused message. Carries no customer data. */
export interface Rejection {
  readonly reason: RejectReason;
  /** Human-readable, names the field; never echoes field values. */
  readonly detail: string;
  /** Extracted when the message was JSON with a string event_id / actor_id. */
  readonly event_id: string | null;
  readonly actor_id: string | null;
}

/** A rejection with its source position, as stored in `rejected_events`. */
export interface RejectedRecord extends Rejection {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly size_bytes: number;
  /**
   * HMAC-SHA256 of the original bytes under the pseudonym key (not a plain hash: a short
   * payload such as a bare customer id could be found by hashing every id). The dead-letter
   * message is found by its position; this confirms the bytes, for whoever holds the key.
   */
  readonly payload_sha256: string;
  /** Epoch ms when custos received it. */
  readonly received_at: number;
}
