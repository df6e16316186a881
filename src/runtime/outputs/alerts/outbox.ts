/**
 * What the webhook dispatcher needs from durable storage, as an interface so
 * the dispatcher does not depend on ClickHouse (the ClickHouse implementation
 * is src/runtime/outputs/clickhouse/delivery-outbox.ts; unit tests use an in-memory one).
 */
import type { Alert, Severity } from '../../../model/alert.js';

/** An alert revision owed to destinations (it notifies, or it closes the alert): one message per destination that wants it. */
export interface StoredNotification {
  readonly alert: Alert;
  /** When the revision was stored (epoch ms): the message's creation time, used for max age and the payload timestamp. */
  readonly storedAtMs: number;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'gave_up'] as const;
/**
 * pending: queued, not tried yet; failed: the last attempt failed and another
 * is scheduled; delivered and gave_up are final.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One state change of one (alert_id, revision, destination) delivery, as stored in `alert_deliveries` (columns endpoint_id, endpoint_origin). */
export interface DeliveryStateRow {
  readonly alert_id: string;
  readonly revision: number;
  readonly endpoint_id: string;
  /** Scheme, host and port: never the path or query, which may hold tokens. */
  readonly endpoint_origin: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly last_http_status: number | null;
  /** A short, fixed-vocabulary reason (`http 500`, `timeout`, `network ECONNREFUSED`); no secrets, URLs or bodies. */
  readonly last_error: string;
  /** Epoch ms; strictly increasing per delivery so later states replace earlier ones. */
  readonly updated_at_ms: number;
}

export interface FindUndeliveredQuery {
  readonly endpointId: string;
  /** Only notifications stored at or after this time (epoch ms) are considered. */
  readonly sinceMs: number;
  /** Severities this destination receives. */
  readonly severities: readonly Severity[];
  /** Whether it receives closing revisions too (otherwise only those that notify). */
  readonly closings: boolean;
  readonly limit: number;
}

export interface DeliveryOutbox {
  /** Owed revisions with no `delivered` or `gave_up` state for the destination, oldest first. */
  findUndelivered(query: FindUndeliveredQuery): Promise<StoredNotification[]>;
  /** Store delivery states (one insert). Throws when they could not be stored. */
  recordDeliveries(rows: readonly DeliveryStateRow[]): Promise<void>;
}
