/**
 * Dead-letter messages: the original key and bytes, untouched, with the reason
 * and source position in headers, so an operator can inspect, fix and replay.
 * The dead-letter topic holds original payloads (which may contain customer
 * ids): give it the same access controls and retention as the source topic.
 */
import type { RejectedRecord } from '../../model/rejection.js';
import type { DeadLetter, HeaderValue, InboundMessage } from '../../model/batch.js';

export const DEAD_LETTER_HEADERS = {
  reason: 'custos-reject-reason',
  detail: 'custos-reject-detail',
  sourceTopic: 'custos-source-topic',
  sourcePartition: 'custos-source-partition',
  sourceOffset: 'custos-source-offset',
  rejectedAt: 'custos-rejected-at',
} as const;

export function toDeadLetter(message: InboundMessage, record: RejectedRecord): DeadLetter {
  const headers: Record<string, HeaderValue> = { ...(message.headers ?? {}) };
  headers[DEAD_LETTER_HEADERS.reason] = record.reason;
  headers[DEAD_LETTER_HEADERS.detail] = record.detail;
  headers[DEAD_LETTER_HEADERS.sourceTopic] = record.topic;
  headers[DEAD_LETTER_HEADERS.sourcePartition] = String(record.partition);
  headers[DEAD_LETTER_HEADERS.sourceOffset] = record.offset;
  headers[DEAD_LETTER_HEADERS.rejectedAt] = new Date(record.received_at).toISOString();
  return { key: message.key, value: message.value, headers, record };
}
