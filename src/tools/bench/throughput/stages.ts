/**
 * Where custos' CPU goes: the same simulated events through each stage
 * in-process (no Kafka, no ClickHouse), in CPU µs per event. Each stage runs
 * once to warm up (JIT, inline caches) and is then measured over a few passes
 * with process.cpuUsage; the lowest pass is printed (the least disturbed by
 * other work on a shared machine).
 */
import { ManualClock } from '../../../clock.js';
import { createDecoder } from '../../../runtime/decode/decoder.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { createEnricher } from '../../../runtime/enrich/enricher.js';
import { enrichmentFilesInFolder, loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import type { AccessEvent } from '../../../model/event.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { prepareBatch } from '../../../runtime/outputs/clickhouse/batch.js';
import { createBatchPseudonymizer, createPseudonymizer, type BatchPseudonymizer } from '../../../privacy/pseudonym.js';
import { availableHmacEngine } from '../../../privacy/hmac-sha256-batch.js';
import { createOptionalFieldMinimiser, DEFAULT_MINIMISATION } from '../../../privacy/minimise.js';
import { ACCESS_EVENTS } from '../../../runtime/outputs/clickhouse/columns/access-events.js';
import { LC, LC_NULLABLE } from '../../../runtime/outputs/clickhouse/columns/column-table.js';
import { rowBinaryEncoder } from '../../../runtime/outputs/clickhouse/columns/rowbinary.js';
import { DECODE_CHUNK } from '../../../runtime/pipeline/batch-processor.js';

export interface StageFigure {
  readonly stage: string;
  readonly microsPerEvent: number;
}

const BATCH = 2000;
/** About what one partition's fetch hands the monitor in a drain (4 MB of ~390-byte messages). */
const LIVE_BATCH = 6000;
const PASSES = 3;
const KEY = 'benchmark-pseudonym-key-not-a-secret-0000';

/** CPU µs of one run. */
function cpuOnce(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** CPU µs of the first run (the warm-up) and of the cheapest of PASSES runs after it. */
function cpuPasses(fn: () => unknown): { first: number; best: number } {
  const first = cpuOnce(fn);
  let best = Infinity;
  for (let i = 0; i < PASSES; i++) best = Math.min(best, cpuOnce(fn));
  return { first, best };
}

/** CPU µs of the cheapest of PASSES runs after one warm-up run. */
function cpuMicros(fn: () => unknown): number {
  return cpuPasses(fn).best;
}

export function measureStages(values: readonly Buffer[], directoryFile: string): StageFigure[] {
  const n = values.length;
  const parseUs = cpuMicros(() => {
    for (const v of values) JSON.parse(v.toString('utf8'));
  });
  const recordIds = values.flatMap((v) => ((JSON.parse(v.toString('utf8')) as { record_ids?: string[] }).record_ids ?? []));
  // As decode hashes them: the ids of DECODE_CHUNK events in one call.
  const idBatches: string[][] = [];
  for (let i = 0, perEvent = recordIds.length / n; i < recordIds.length; i += Math.ceil(DECODE_CHUNK * perEvent)) idBatches.push(recordIds.slice(i, i + Math.ceil(DECODE_CHUNK * perEvent)));
  const batchedUs = (pseudonymizeAll: BatchPseudonymizer): number => {
    const out: string[] = [];
    return cpuMicros(() => {
      for (const ids of idBatches) pseudonymizeAll(ids, out);
    });
  };
  const hmacUs = batchedUs(createBatchPseudonymizer(KEY));
  // The same with a key id (key rotation): the id is appended to each pseudonym, no second hash.
  const keyIdUs = batchedUs(createBatchPseudonymizer(KEY, 'k2'));
  const pseudonymize = createPseudonymizer(KEY);
  const jsUs = cpuMicros(() => {
    for (const id of recordIds) pseudonymize(id);
  });
  const decode = createDecoder({ pseudonymKey: KEY, maxMessageBytes: 1 << 20 });
  // DECODE_CHUNK messages per call, as BatchProcessor decodes (their ids hashed in one call).
  const valueBatches: (readonly Buffer[])[] = [];
  for (let i = 0; i < n; i += DECODE_CHUNK) valueBatches.push(values.slice(i, i + DECODE_CHUNK));
  const decodeUs = cpuMicros(() => {
    for (const batch of valueBatches) decode.batch(batch);
  });
  const events: AccessEvent[] = valueBatches.flatMap((batch) => decode.batch(batch).results).flatMap((d) => (d.ok ? [d.event] : []));
  const tables = loadEnrichmentTables(enrichmentFilesInFolder('rules/enrichment', { directoryFile, defaultTimezone: 'UTC' }));
  // With the default minimisation, as the monitor enriches (source_ip truncated, session id pseudonymised).
  const enrich = createEnricher(tables, createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY));
  const enrichUs = cpuMicros(() => {
    for (const e of events) enrich(e);
  });
  // The same two stages with what they make kept until the batch ends, as the monitor keeps
  // a fetched batch (thousands of events) until it is stored: the young generation then
  // copies and promotes it, where the loops above let each event die at once.
  const keptUs = cpuMicros(() => {
    for (let i = 0; i < n; i += LIVE_BATCH) {
      const kept: EnrichedEvent[] = [];
      for (let j = i; j < Math.min(n, i + LIVE_BATCH); j += DECODE_CHUNK) {
        for (const d of decode.batch(values.slice(j, Math.min(j + DECODE_CHUNK, i + LIVE_BATCH))).results) if (d.ok) kept.push(enrich(d.event));
      }
    }
  });
  const enriched = events.map(enrich);
  // Processing time after every event (as when catching up on a backlog): the engine
  // does not evaluate events too far ahead of its clock. A fresh engine per pass (it keeps state).
  const rules = loadRuleSet('rules');
  const latest = enriched.reduce((m, e) => Math.max(m, e.ts), 0);
  // The first pass is also printed: the engine's code has not run in this process before, as
  // in a monitor's first minutes (unoptimised code, a heap still growing).
  const { first: engineColdUs, best: engineUs } = cpuPasses(() => {
    const engine = createEngine({ rules, clock: new ManualClock(latest) });
    for (let i = 0; i < enriched.length; i += BATCH) engine.evaluate(enriched.slice(i, i + BATCH));
  });
  const position = { topic: 'bench', partition: 0, offset: '0' };
  const batches: EnrichedEvent[][] = [];
  for (let i = 0; i < enriched.length; i += BATCH) batches.push(enriched.slice(i, i + BATCH));
  const serializeUs = cpuMicros(() => {
    for (const slice of batches) prepareBatch({ events: slice.map((event) => ({ event, position })), alerts: [], rejected: [], activity: [] }, 0, 'custos');
  });
  // RowBinary (the default): the table's columns as a server with LowCardinality reports them.
  const encoder = rowBinaryEncoder(
    ACCESS_EVENTS,
    ACCESS_EVENTS.ddlColumns.map(([name, type]) => ({ name, type: type === LC ? 'LowCardinality(String)' : type === LC_NULLABLE ? 'LowCardinality(Nullable(String))' : type })),
  );
  const rowBinaryUs = cpuMicros(() => {
    for (const slice of batches) prepareBatch({ events: slice.map((event) => ({ event, position })), alerts: [], rejected: [], activity: [] }, 0, 'custos', encoder);
  });
  return [
    { stage: 'JSON.parse alone (what the bare consumer does)', microsPerEvent: parseUs / n },
    { stage: `HMAC pseudonyms alone (${(recordIds.length / n).toFixed(2)} ids/event), a batch's ids per call (${availableHmacEngine()}, as decode)`, microsPerEvent: hmacUs / n },
    { stage: 'HMAC pseudonyms with a key id (`<hex>@k2`), batched', microsPerEvent: keyIdUs / n },
    { stage: 'HMAC pseudonyms, plain-JS fallback, one call per id', microsPerEvent: jsUs / n },
    { stage: `decode, ${DECODE_CHUNK} messages per call (UTF-8 check, JSON.parse, contract v1 quick check or Ajv, HMAC pseudonyms)`, microsPerEvent: decodeUs / n },
    { stage: 'enrich (directory, zone, local time, field classes, default minimisation)', microsPerEvent: enrichUs / n },
    { stage: `decode + enrich, each batch of ${LIVE_BATCH.toLocaleString('en-US')} kept until it ends (as the monitor holds a fetch)`, microsPerEvent: keptUs / n },
    { stage: 'evaluate (engine: policy and rate rules)', microsPerEvent: engineUs / n },
    { stage: "evaluate, the first pass (the engine's code not run in this process before)", microsPerEvent: engineColdUs / n },
    { stage: 'serialize the access_events rows, JSONEachRow', microsPerEvent: serializeUs / n },
    { stage: 'serialize the access_events rows, RowBinary (the default)', microsPerEvent: rowBinaryUs / n },
  ];
}
