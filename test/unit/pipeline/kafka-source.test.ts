/**
 * The one place offsets are resolved and committed: only for a batch the
 * handler reports `stored`, and then up to its last message.
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/log.js';
import { KafkaSource, type BatchOutcome } from '../../../src/runtime/source/kafka-source.js';

type EachBatch = (payload: Record<string, unknown>) => Promise<void>;

function fakeKafka() {
  let eachBatch: EachBatch | null = null;
  const paused: string[] = [];
  const listeners = new Map<string, (event: { payload: Record<string, unknown> }) => void>();
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (name: string, listener: (event: { payload: Record<string, unknown> }) => void) => void listeners.set(name, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    pause: (topics: { topic: string; partitions: number[] }[]) => void paused.push(...topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`))),
    resume: () => undefined,
    run: async (opts: { eachBatch: EachBatch; eachBatchAutoResolve: boolean }) => {
      expect(opts.eachBatchAutoResolve).toBe(false);
      eachBatch = opts.eachBatch;
    },
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const emit = (name: string, payload: Record<string, unknown>) => listeners.get(name)?.({ payload });
  return { kafka, emit, paused, deliver: (payload: Record<string, unknown>) => (eachBatch as EachBatch)(payload) };
}

async function deliverBatch(outcome: BatchOutcome) {
  const { kafka, deliver, paused } = fakeKafka();
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
  return { resolved, commits, paused };
}

describe('Kafka source', () => {
  it('commits up to the last message of a stored batch', async () => {
    expect(await deliverBatch({ kind: 'stored', through: '12', held: false })).toEqual({ resolved: ['12'], commits: 1, paused: [] });
  });

  it('commits nothing for a batch that was not stored', async () => {
    expect(await deliverBatch({ kind: 'abandoned' })).toEqual({ resolved: [], commits: 0, paused: [] });
  });

  it('commits the prefix of a held batch and pauses its partition (the rest is fetched again on resume)', async () => {
    expect(await deliverBatch({ kind: 'stored', through: '11', held: true })).toEqual({ resolved: ['11'], commits: 1, paused: ['t/2'] });
    expect(await deliverBatch({ kind: 'stored', through: null, held: true })).toEqual({ resolved: [], commits: 1, paused: ['t/2'] });
  });

  it('reports each assignment of its topic, fresh when the member id changes, and a crash as losing everything', async () => {
    const { kafka, emit } = fakeKafka();
    const assignments: [readonly number[], boolean][] = [];
    const source = new KafkaSource(
      kafka,
      { topic: 't', groupId: 'g', fromBeginning: true, onAssignment: (p, fresh) => void assignments.push([p, fresh]) },
      createLogger('silent'),
    );
    await source.start(async () => ({ kind: 'stored', through: null, held: false }), () => undefined);
    emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [0, 1], other: [5] } });
    emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [1] } });
    emit('consumer.crash', { error: new Error('broker gone'), restart: true });
    emit('consumer.group_join', { memberId: 'm2', memberAssignment: { t: [1, 2] } });
    expect(assignments).toEqual([
      [[0, 1], true],
      [[1], false],
      [[], true],
      [[1, 2], true],
    ]);
  });
});
