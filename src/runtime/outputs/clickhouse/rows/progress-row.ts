/** PartitionProgress -> `partition_progress` row: one per stored source batch. */
import { type PartitionProgress } from '../../../../model/batch.js';
import { epochMs, uint, uint64 } from './json-values.js';

export function progressLine(p: PartitionProgress, storedAt: number): string {
  return (
    JSON.stringify({
      source_topic: p.topic,
      source_partition: uint(p.partition, 'source_partition'),
      end_offset: uint64(p.endOffset, 'end_offset'),
      max_ts_ms: epochMs(p.maxTsMs, 'max_ts_ms'),
      events: uint(p.events, 'events'),
      stored_at: storedAt,
    }) + '\n'
  );
}
