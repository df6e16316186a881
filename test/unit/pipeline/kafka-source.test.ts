/**
 * The one place offsets are resolved and committed: commits only for a batch
 * the handler reports `stored`, and then up to its last stored message; the
 * messages partition alignment held back are kept for the partition's next
 * batch (kafkajs fetches on from the last one held, not again from the cut).
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/log.js';
import { KafkaSource, type BatchOutcome, type SourceBatch } from '../../../src/runtime/source/kafka-source.js';
import { PartitionAlignment } from '../../../src/runtime/pipeline/partition-alignment.js';

type EachBatch = (payload: Record<string, unknown>) => Promise<void>;

function fakeKafka() {
  let eachBatch: EachBatch | null = null;
  const paused: string[] = [];
  /** What kafkajs holds paused now: like its SubscriptionState, kept across group joins. */
  const pausedNow = new Set<string>();
  const listeners = new Map<string, (event: { payload: Record<string, unknown> }) => void>();
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (name: string, listener: (event: { payload: Record<string, unknown> }) => void) => void listeners.set(name, listener),
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    pause: (topics: { topic: string; partitions: number[] }[]) => {
      const named = topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`));
      paused.push(...named);
      for (const n of named) pausedNow.add(n);
    },
    resume: (topics: { topic: string; partitions: number[] }[]) => {
      for (const t of topics) for (const p of t.partitions) pausedNow.delete(`${t.topic}/${p}`);
    },
    run: async (opts: { eachBatch: EachBatch; eachBatchAutoResolve: boolean; autoCommit: boolean }) => {
      // kafkajs resolves and commits nothing by itself: the source commits what was stored.
      expect(opts.eachBatchAutoResolve).toBe(false);
      expect(opts.autoCommit).toBe(false);
      eachBatch = opts.eachBatch;
    },
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const emit = (name: string, payload: Record<string, unknown>) => listeners.get(name)?.({ payload });
  return { kafka, emit, paused, pausedNow, deliver: (payload: Record<string, unknown>) => (eachBatch as EachBatch)(payload) };
}

const message = (offset: number, bytes = 3) => ({ key: Buffer.from('k'), value: Buffer.alloc(bytes, 'v'), offset: String(offset) });

/** A source on a fake kafkajs whose handler answers `outcomes` in turn; each delivery returns what kafkajs was told. */
async function source(outcomes: BatchOutcome[]) {
  const fake = fakeKafka();
  const handed: SourceBatch[] = [];
  const src = new KafkaSource(fake.kafka, { topic: 't', groupId: 'g', fromBeginning: true }, createLogger('silent'));
  await src.start(async (batch) => {
    handed.push(batch);
    return outcomes.shift() ?? { kind: 'abandoned' };
  }, () => undefined);
  const deliver = async (offsets: number[], bytes?: number) => {
    const resolved: string[] = [];
    const commits: string[] = [];
    await fake.deliver({
      batch: { topic: 't', partition: 2, messages: offsets.map((o) => message(o, bytes)) },
      resolveOffset: (o: string) => resolved.push(o),
      commitOffsetsIfNecessary: async (o: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) =>
        void commits.push(...o.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`))),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    });
    return { resolved, commits, paused: fake.paused.splice(0) };
  };
  const offsets = (i: number) => handed[i]?.messages.map((m) => Number(m.offset));
  return { deliver, offsets, emit: fake.emit };
}

describe('Kafka source', () => {
  it('commits up to the last message of a stored batch', async () => {
    const s = await source([{ kind: 'stored', through: '12', held: false }]);
    expect(await s.deliver([10, 11, 12])).toEqual({ resolved: ['12'], commits: ['t/2@13'], paused: [] });
  });

  it('commits nothing for a batch that was not stored', async () => {
    const s = await source([{ kind: 'abandoned' }]);
    expect(await s.deliver([10, 11, 12])).toEqual({ resolved: [], commits: [], paused: [] });
  });

  it('commits the prefix of a held batch, keeps the rest for the next batch and pauses the partition', async () => {
    const s = await source([
      { kind: 'stored', through: '11', held: true },
      { kind: 'stored', through: '14', held: false },
    ]);
    // kafkajs fetches on from 12, the last message held (never an empty fetch), not from 12 after the cut.
    expect(await s.deliver([10, 11, 12])).toEqual({ resolved: ['11'], commits: ['t/2@12'], paused: ['t/2'] });
    expect(await s.deliver([12, 13, 14])).toEqual({ resolved: ['14'], commits: ['t/2@15'], paused: [] });
    expect(s.offsets(1)).toEqual([12, 13, 14]);
  });

  it('hands the held messages on before the fetched ones, and again after the batch was given up', async () => {
    const s = await source([{ kind: 'stored', through: '11', held: true }, { kind: 'abandoned' }, { kind: 'stored', through: '17', held: false }]);
    await s.deliver([10, 11, 12, 13, 14]);
    expect(await s.deliver([14, 15, 16, 17])).toEqual({ resolved: [], commits: [], paused: [] });
    await s.deliver([14, 15, 16, 17]);
    expect([s.offsets(1), s.offsets(2)]).toEqual([
      [12, 13, 14, 15, 16, 17],
      [12, 13, 14, 15, 16, 17],
    ]);
  });

  it('holds a whole batch none of which could be taken, committing nothing', async () => {
    const s = await source([
      { kind: 'stored', through: null, held: true },
      { kind: 'stored', through: '13', held: false },
    ]);
    expect(await s.deliver([10, 11, 12])).toEqual({ resolved: ['11'], commits: [], paused: ['t/2'] });
    await s.deliver([12, 13]);
    expect(s.offsets(1)).toEqual([10, 11, 12, 13]);
  });

  it('hands on at most one fetch’s worth of held and fetched messages, and holds the rest without pausing', async () => {
    const s = await source([
      { kind: 'stored', through: '10', held: true },
      { kind: 'stored', through: '12', held: false },
      { kind: 'stored', through: '14', held: false },
      { kind: 'stored', through: '15', held: false },
    ]);
    // 1.5 MB messages: two fit in the 4 MB a partition may hold and a batch may hand on.
    const mb = 1024 * 1024;
    expect(await s.deliver([10, 11, 12, 13], 1.5 * mb)).toEqual({ resolved: ['11'], commits: ['t/2@11'], paused: ['t/2'] });
    // Held 11 and 12 (13 is fetched again), then fetched 12..15: 11 and 12 are handed on, 13 and 14 held.
    expect(await s.deliver([12, 13, 14, 15], 1.5 * mb)).toEqual({ resolved: ['13'], commits: ['t/2@13'], paused: [] });
    expect(await s.deliver([14, 15], 1.5 * mb)).toEqual({ resolved: ['14'], commits: ['t/2@15'], paused: [] });
    expect(await s.deliver([15], 1.5 * mb)).toEqual({ resolved: ['15'], commits: ['t/2@16'], paused: [] });
    expect([s.offsets(1), s.offsets(2), s.offsets(3)]).toEqual([[11, 12], [13, 14], [15]]);
  });

  it('forgets what it held at a group join or a crash (kafkajs fetches again from the committed offset, maybe another owner’s)', async () => {
    for (const [event, payload] of [
      ['consumer.group_join', { memberId: 'm1', memberAssignment: { t: [2] } }],
      ['consumer.crash', { error: new Error('broker gone'), restart: true }],
    ] as const) {
      const s = await source([
        { kind: 'stored', through: '11', held: true },
        { kind: 'stored', through: '21', held: false },
      ]);
      await s.deliver([10, 11, 12, 13, 14]);
      s.emit(event, payload);
      // Meanwhile another instance stored up to 19 and committed 20.
      await s.deliver([20, 21]);
      expect(s.offsets(1)).toEqual([20, 21]);
    }
  });

  it('reports each assignment of its topic, fresh when the member id changes, and a crash as losing everything', async () => {
    const { kafka, emit } = fakeKafka();
    const assignments: [readonly number[], boolean][] = [];
    const src = new KafkaSource(
      kafka,
      { topic: 't', groupId: 'g', fromBeginning: true, onAssignment: (p, fresh) => void assignments.push([p, fresh]) },
      createLogger('silent'),
    );
    await src.start(async () => ({ kind: 'stored', through: null, held: false }), () => undefined);
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

  it('a partition paused by the alignment, revoked and assigned again is fetched again: kafkajs and the alignment agree on what is paused after every join', async () => {
    const fake = fakeKafka();
    const HOUR = 3_600_000;
    const T = Date.UTC(2026, 2, 10);
    const alignment = new PartitionAlignment(() => HOUR, () => 0);
    const src = new KafkaSource(fake.kafka, { topic: 't', groupId: 'g', fromBeginning: true, alignment, onAssignment: (p) => alignment.assign(p) }, createLogger('silent'));
    await src.start(async (batch) => {
      // What the batch processor tells the alignment: partition 1 runs a day ahead of partition 2 and is cut.
      if (batch.partition === 1) alignment.evaluated(1, { lastTs: T + 24 * HOUR, heldFrom: T + 25 * HOUR, reachedEnd: false });
      else alignment.evaluated(2, { lastTs: T, heldFrom: null, reachedEnd: false });
      return { kind: 'stored', through: batch.messages[0]?.offset ?? null, held: batch.partition === 1 };
    }, () => undefined);
    const deliver = (partition: number) =>
      fake.deliver({
        batch: { topic: 't', partition, messages: [message(10), message(11)] },
        resolveOffset: () => undefined,
        commitOffsetsIfNecessary: async () => undefined,
        heartbeat: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
      });
    const heldPaused = () => [1, 2].filter((p) => alignment.isPaused(p)).map((p) => `t/${p}`);
    fake.emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [1, 2] } });
    await deliver(2);
    await deliver(1);
    expect([...fake.pausedNow]).toEqual(['t/1']);
    expect(heldPaused()).toEqual(['t/1']);
    // A join that keeps it: still held on both sides.
    fake.emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [1, 2] } });
    expect([...fake.pausedNow]).toEqual(heldPaused());
    // Revoked (the alignment forgets it; kafkajs keeps it in its paused list), then given back.
    fake.emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [2] } });
    fake.emit('consumer.group_join', { memberId: 'm1', memberAssignment: { t: [1, 2] } });
    expect(heldPaused()).toEqual([]);
    expect([...fake.pausedNow]).toEqual([]);
  });
});
