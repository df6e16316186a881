/**
 * Where custos' CPU goes: the same simulated events timed through each stage
 * in-process (no Kafka, no ClickHouse), in µs per event. Printed after the
 * throughput runs so the ratio to the bare consumer comes with its reasons.
 */
import { ManualClock } from '../../../clock.js';
import { createDecoder } from '../../../runtime/decode/decoder.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { createEnricher } from '../../../runtime/enrich/enricher.js';
import { loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import type { AccessEvent } from '../../../model/event.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { prepareBatch } from '../../../runtime/outputs/clickhouse/batch.js';

export interface StageFigure {
  readonly stage: string;
  readonly microsPerEvent: number;
}

const BATCH = 2000;

function time<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = fn();
  return [result, Number(process.hrtime.bigint() - start) / 1000];
}

export function measureStages(values: readonly Buffer[], directoryFile: string): StageFigure[] {
  const n = values.length;
  const [, parseUs] = time(() => {
    for (const v of values) JSON.parse(v.toString('utf8'));
  });
  const decode = createDecoder({ pseudonymKey: 'benchmark-pseudonym-key-not-a-secret-0000', maxMessageBytes: 1 << 20 });
  const [decoded, decodeUs] = time(() => values.map((v) => decode(v)));
  const events: AccessEvent[] = decoded.flatMap((d) => (d.ok ? [d.event] : []));
  const tables = loadEnrichmentTables({
    directoryFile,
    zonesFile: 'rules/enrichment/zones.yaml',
    fieldsFile: 'rules/enrichment/fields.yaml',
    calendarFile: 'rules/enrichment/calendar.yaml',
    defaultTimezone: 'UTC',
  });
  const enrich = createEnricher(tables);
  const [enriched, enrichUs] = time(() => events.map(enrich));
  // Processing time after every event (as when catching up on a backlog): the engine
  // does not evaluate events too far ahead of its clock.
  const clock = new ManualClock(enriched.reduce((m, e) => Math.max(m, e.ts), 0));
  const engine = createEngine({ rules: loadRuleSet('rules'), clock });
  const [, engineUs] = time(() => {
    for (let i = 0; i < enriched.length; i += BATCH) engine.evaluate(enriched.slice(i, i + BATCH));
  });
  const position = { topic: 'bench', partition: 0, offset: '0' };
  const [, serializeUs] = time(() => {
    for (let i = 0; i < enriched.length; i += BATCH) {
      const slice: EnrichedEvent[] = enriched.slice(i, i + BATCH);
      prepareBatch({ events: slice.map((event) => ({ event, position })), alerts: [], rejected: [], activity: [] }, 0, 'custos');
    }
  });
  return [
    { stage: 'JSON.parse alone (what the bare consumer does)', microsPerEvent: parseUs / n },
    { stage: 'decode (UTF-8 check, JSON.parse, contract v1, HMAC pseudonyms)', microsPerEvent: decodeUs / n },
    { stage: 'enrich (directory, zone, local time, field classes)', microsPerEvent: enrichUs / n },
    { stage: 'evaluate (engine: policy and rate rules)', microsPerEvent: engineUs / n },
    { stage: 'serialize the access_events rows (JSONEachRow)', microsPerEvent: serializeUs / n },
  ];
}
