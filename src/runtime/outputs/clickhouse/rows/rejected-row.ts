/** RejectedRecord -> `rejected_events` row. No payload: reason, position, size and hash only. */
import type { RejectedRecord } from '../../../../model/rejection.js';
import { epochMs, epochSeconds, uint, uint64 } from './json-values.js';

export function rejectedLine(r: RejectedRecord): string {
  return (
    JSON.stringify({
      source_topic: r.topic,
      source_partition: uint(r.partition, 'partition'),
      source_offset: uint64(r.offset, 'offset'),
      reason: r.reason,
      detail: r.detail,
      size_bytes: uint(r.size_bytes, 'size_bytes'),
      payload_sha256: r.payload_sha256,
      event_id: r.event_id,
      actor_id: r.actor_id,
      received_at: epochSeconds(r.received_at, 'received_at'),
      received_at_ms: epochMs(r.received_at, 'received_at'),
    }) + '\n'
  );
}
