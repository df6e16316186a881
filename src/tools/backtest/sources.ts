/**
 * Where a backtest's events come from, as one shape: enriched events in the
 * order to replay them, and how far through the input the last one was.
 *
 * - an NDJSON file of wire-contract v1 lines, through the real decode and
 *   enrich (rejected lines counted by reason, as the live dead-letter path
 *   would count them);
 * - a time range of ClickHouse `access_events_dedup`, already enriched and
 *   pseudonymised, streamed in bounded chunks.
 */
import { statSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EnrichmentTables } from '../../runtime/enrich/tables.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import { type RejectionTally, createWireEventReader, readNdjsonLines } from '../replay/index.js';
import { type EventRangeCounters, readEventRange } from '../../runtime/outputs/clickhouse/event-range.js';

export interface EventSource {
  /** For messages: `events.ndjson`, `ClickHouse custos.access_events_dedup`. */
  readonly label: string;
  /** Where the replay starts (the clock before the first event); null: at the first event. */
  readonly startMs: number | null;
  /** Event time at which the input ends (exclusive), when known up front. */
  readonly endMs: number | null;
  events(): AsyncIterable<EnrichedEvent>;
  /** Fraction (0..1) of the input consumed, given the ts of the last event handed out. */
  progress(lastTs: number): number;
  /** Lines refused by decode (file input only). */
  readonly rejections: RejectionTally | null;
  /** Messages read, accepted or not. */
  read(): number;
  /** Stored rows outside the model (ClickHouse input only); normally 0. */
  skippedRows(): number;
}

export interface FileSourceOptions {
  readonly file: string;
  readonly tables: EnrichmentTables;
  readonly pseudonymKey: string;
  readonly maxMessageBytes?: number;
}

export function fileSource(o: FileSourceOptions): EventSource {
  const size = statSync(o.file).size;
  const reader = createWireEventReader({
    pseudonymKey: o.pseudonymKey,
    tables: o.tables,
    ...(o.maxMessageBytes !== undefined && { maxMessageBytes: o.maxMessageBytes }),
  });
  let lines = 0;
  let offset = 0;
  return {
    label: o.file,
    startMs: null,
    endMs: null,
    rejections: reader.rejections,
    read: () => lines,
    skippedRows: () => 0,
    progress: () => (size === 0 ? 1 : offset / size),
    async *events() {
      for await (const l of readNdjsonLines(o.file)) {
        lines++;
        offset = l.offset;
        const event = reader.read(l.value, `line ${l.line}`);
        if (event !== null) yield event;
      }
    },
  };
}

export interface ClickHouseSourceOptions {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly chunkRows?: number;
}

export function clickHouseSource(o: ClickHouseSourceOptions): EventSource {
  const counters: EventRangeCounters = { rows: 0, skippedRows: 0, chunks: 0 };
  const span = o.untilMs - o.sinceMs;
  return {
    label: `ClickHouse ${o.database}.access_events_dedup`,
    startMs: o.sinceMs,
    endMs: o.untilMs,
    rejections: null,
    read: () => counters.rows,
    skippedRows: () => counters.skippedRows,
    progress: (lastTs) => Math.min(1, Math.max(0, (lastTs - o.sinceMs) / span)),
    async *events() {
      const range = { fromMs: o.sinceMs, untilMs: o.untilMs, ...(o.chunkRows !== undefined && { chunkRows: o.chunkRows }) };
      for await (const chunk of readEventRange(o.client, o.database, range, counters)) yield* chunk;
    },
  };
}
