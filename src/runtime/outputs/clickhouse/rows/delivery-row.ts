/** DeliveryStateRow -> `alert_deliveries` row. */
import type { DeliveryStateRow } from '../../alerts/outbox.js';
import { epochMs, epochSeconds, uint } from './json-values.js';

export function deliveryLine(d: DeliveryStateRow): string {
  return (
    JSON.stringify({
      alert_id: d.alert_id,
      revision: uint(d.revision, 'revision'),
      endpoint_id: d.endpoint_id,
      endpoint_origin: d.endpoint_origin,
      status: d.status,
      attempts: uint(d.attempts, 'attempts'),
      last_http_status: d.last_http_status === null ? null : uint(d.last_http_status, 'last_http_status'),
      last_error: d.last_error,
      updated_at: epochSeconds(d.updated_at_ms, 'updated_at'),
      updated_at_ms: epochMs(d.updated_at_ms, 'updated_at'),
    }) + '\n'
  );
}
