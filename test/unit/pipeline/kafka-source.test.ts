/**
 * The one place offsets are resolved and committed: only for a batch the
 * handler reports `stored`, and then up to its last message.
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/log.js';
import { KafkaSource } from '../../../src/source/kafka-source.js';

type EachBatch = (payload: Record<string, unknown>) => Promise<void>;

function fakeKafka() {
  let eachBatch: EachBatch | null = null;
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    run: async (opts: { eachBatch: EachBatch; eachBatchAutoResolve: boolean }) => {
      expect(opts.eachBatchAutoResolve).toBe(false);
      eachBatch = opts.eachBatch;
    },
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  return { kafka, deliver: (payload: Record<string, unknown>) => (eachBatch as EachBatch)(payload) };
}

async function deliverBatch(outcome: 'stored' | 'abandoned') {
  const { kafka, deliver } = fakeKafka();
  const source = new KafkaSource(kafka, { topic: 't', groupId: 'g', fromBeginning: true }, createLogger('silent'));
  await source.start(async () => outcome, () => undefined);
  const resolved: string[] = [];
  let commits = 0;
  await deliver({
    batch: { topic: 't', partition: 2, messages: [{ offset: '10' }, { offset: '11' }, { offset: '12' }] },
    resolveOffset: (o: string) => resolved.push(o),
    commitOffsetsIfNecessary: async () => void commits++,
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  });
  return { resolved, commits };
}

describe('Kafka source', () => {
  it('commits up to the last message of a stored batch', async () => {
    expect(await deliverBatch('stored')).toEqual({ resolved: ['12'], commits: 1 });
  });

  it('commits nothing for a batch that was not stored', async () => {
    expect(await deliverBatch('abandoned')).toEqual({ resolved: [], commits: 0 });
  });
});
