/**
 * BatchProcessor.prepare decodes a batch a chunk of messages at a time (one
 * pseudonym call per chunk): what it takes must be what decoding each message
 * alone gives, in order, across chunk boundaries, and it must stop at the
 * first event beyond the alignment's bound wherever that falls.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { BatchProcessor, DECODE_CHUNK } from '../../../src/runtime/pipeline/batch-processor.js';
import type { DetectionEngine } from '../../../src/runtime/engine/api.js';
import type { Enricher } from '../../../src/runtime/enrich/enricher.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import type { InboundMessage } from '../../../src/model/batch.js';
import type { PartitionAlignment } from '../../../src/runtime/pipeline/partition-alignment.js';
import type { StageCpu } from '../../../src/observability/stage-cpu.js';

const KEY = 'p'.repeat(40);
const T0 = 1_772_438_102_000;
const decode = createDecoder({ pseudonymKey: KEY, pseudonymKeyId: 'k7', maxMessageBytes: 4096 });

/** 3 chunks and a bit; every 37th message malformed; message i dated T0 + i. */
const messages: InboundMessage[] = Array.from({ length: DECODE_CHUNK * 3 + 20 }, (_, i) => ({
  key: null,
  offset: String(1000 + i),
  value: Buffer.from(
    i % 37 === 5
      ? '{"event_id": '
      : JSON.stringify({ event_id: `e-${i}`, ts: T0 + i, actor_id: `a-${i % 9}`, action: 'read', resource_type: 'customer', record_ids: Array.from({ length: i % 6 }, (_, k) => `c-${(i * 31 + k) % 400}`), record_count: 1 }),
  ),
}));

function processorWithBound(bound: number): BatchProcessor {
  return new BatchProcessor({
    decode,
    // prepare() calls neither the engine nor more of the alignment than its bound.
    enricher: (): Enricher => ((event) => event as unknown as EnrichedEvent) as Enricher,
    engine: {} as DetectionEngine,
    clock: new ManualClock(T0),
    alignment: { bound: () => bound } as unknown as PartitionAlignment,
  });
}

describe('BatchProcessor.prepare', () => {
  it('stores a refused message`s keyed digest, not a plain SHA-256 that hashing every id would reverse', () => {
    // A producer bug sends a bare customer id: refused (not an object), its digest stored in rejected_events.
    const value = Buffer.from('["C-004711"]');
    const batch = processorWithBound(Number.POSITIVE_INFINITY).prepare('t', 0, [{ key: null, offset: '7', value }]);
    expect(batch.rejected).toHaveLength(1);
    const digest = batch.rejected[0]!.payload_sha256;
    // Before, this was the plain SHA-256: a loop over C-000000..C-999999 found the id in milliseconds.
    expect(digest).not.toBe(createHash('sha256').update(value).digest('hex'));
    expect(digest).toBe(createHmac('sha256', KEY).update('custos/rejected-payload\0').update(value).digest('hex'));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // Nor does it share bits with a pseudonym (the payload as an id).
    expect(digest.startsWith(createPseudonymizer(KEY)('["C-004711"]'))).toBe(false);
    // The dead letter keeps the bytes themselves (the topic is access-controlled like the source).
    expect(batch.deadLetters[0]!.value).toBe(value);
  });

  it('takes what per-message decode gives, in order, across chunks', () => {
    const batch = processorWithBound(Number.POSITIVE_INFINITY).prepare('t', 0, messages);
    expect(batch.processed).toBe(messages.length);
    expect(batch.heldFrom).toBeNull();
    const alone = messages.map((m) => decode(m.value));
    expect(batch.enriched).toEqual(alone.flatMap((r) => (r.ok ? [r.event] : [])));
    expect(batch.events.map((e) => e.position.offset)).toEqual(messages.filter((_, i) => alone[i]!.ok).map((m) => m.offset));
    expect(batch.rejected.map((r) => r.offset)).toEqual(messages.filter((_, i) => !alone[i]!.ok).map((m) => m.offset));
    expect(batch.lastOffset).toBe(messages.at(-1)!.offset);
  });

  // The held event first in a chunk, in the middle of one, and last of one.
  for (const heldAt of [DECODE_CHUNK, DECODE_CHUNK * 2 + 100, DECODE_CHUNK * 3 - 1]) {
    it(`stops before the first event beyond the bound (message ${heldAt})`, () => {
      const batch = processorWithBound(T0 + heldAt - 1).prepare('t', 0, messages);
      expect(batch.processed).toBe(heldAt);
      expect(batch.heldFrom).toBe(T0 + heldAt);
      expect(batch.lastOffset).toBe(messages[heldAt - 1]!.offset);
      const alone = messages.slice(0, heldAt).map((m) => decode(m.value));
      expect(batch.enriched).toEqual(alone.flatMap((r) => (r.ok ? [r.event] : [])));
      expect(batch.rejected).toHaveLength(alone.filter((r) => !r.ok).length);
    });
  }
});

describe('BatchProcessor stage CPU', () => {
  it('counts decode and enrich once per chunk and evaluate once per batch, each around its own work', () => {
    const log: string[] = [];
    const stageCpu: StageCpu = {
      measure(stage, work) {
        log.push(`${stage}:start`);
        try {
          return work();
        } finally {
          log.push(`${stage}:end`);
        }
      },
    };
    const processor = new BatchProcessor({
      decode,
      enricher: (): Enricher =>
        ((event) => {
          log.push('enrich-one');
          return event as unknown as EnrichedEvent;
        }) as Enricher,
      engine: {
        evaluate: () => {
          log.push('engine');
          return { alerts: [], activity: [] };
        },
      } as unknown as DetectionEngine,
      clock: new ManualClock(T0),
      stageCpu,
    });
    processor.process('t', 0, messages);
    const chunks = Math.ceil(messages.length / DECODE_CHUNK);
    const starts = log.filter((l) => l.endsWith(':start'));
    expect(starts).toEqual([...Array.from({ length: chunks }, () => ['decode:start', 'enrich:start']).flat(), 'evaluate:start']);
    // Every event is enriched inside an enrich span and the engine runs inside the evaluate span.
    let open = '';
    for (const l of log) {
      if (l.endsWith(':start')) open = l.slice(0, -':start'.length);
      else if (l.endsWith(':end')) open = '';
      else if (l === 'enrich-one') expect(open).toBe('enrich');
      else if (l === 'engine') expect(open).toBe('evaluate');
    }
    expect(log.filter((l) => l === 'enrich-one')).toHaveLength(messages.filter((m) => decode(m.value).ok).length);
  });
});
