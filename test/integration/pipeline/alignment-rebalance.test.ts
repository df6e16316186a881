/**
 * A partition the alignment paused, revoked by a rebalance and given back by a
 * later one is fetched again, against the real Kafka (kafkajs 2.2.4 keeps its
 * own paused list across rebalances; the alignment forgets a revoked
 * partition). The source runs with the real PartitionAlignment and a handler
 * that plays the batch processor: the partition a second member will take
 * (kafkajs' round-robin assigner is deterministic) runs a day ahead of the
 * other and is cut, so it stays paused. The second member joins, takes it,
 * and leaves again; the partition comes back, and its messages after the committed prefix must
 * be delivered. Before, kafkajs still held it paused and nothing resumed it:
 * no batch of it ever came again.
 */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/observability/log.js';
import { PartitionAlignment } from '../../../src/runtime/pipeline/partition-alignment.js';
import { KafkaSource, type SourceBatch } from '../../../src/runtime/source/kafka-source.js';
import { createTopic, produce, uniqueName } from '../../support/kafka.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 2, 10);

/** Promises that settle once a condition over what the callbacks recorded holds (checked whenever they record). */
class Conditions {
  private readonly waiting: { check: () => boolean; resolve: () => void }[] = [];
  changed(): void {
    for (const w of [...this.waiting]) {
      if (!w.check()) continue;
      this.waiting.splice(this.waiting.indexOf(w), 1);
      w.resolve();
    }
  }
  when(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiting.push({ check, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

describe('partition alignment across rebalances', () => {
  const brokers = inject('kafkaBrokers').split(',');
  const kafkaOf = (clientId: string) => new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
  const sources: KafkaSource[] = [];
  const consumers: Consumer[] = [];

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    for (const s of sources) await s.stop().catch(() => undefined);
  });

  it('a partition paused by the alignment, revoked and assigned again is fetched again', async () => {
    const topic = uniqueName('align-rebalance');
    const groupId = uniqueName('align-rebalance-group');
    const kafka = kafkaOf('aa-custos');
    await createTopic(kafka, topic, 2);
    await produce(
      kafka,
      topic,
      [0, 1].flatMap((partition) => Array.from({ length: 5 }, (_, i) => ({ partition, key: `k${i}`, value: `v${i}` }))),
    );

    // The partition the second member will take: kafkajs' round-robin assigner deals the partitions, in
    // the order the topic's metadata lists them, to the members sorted by id ('aa-custos-…' before 'zz-other-…').
    const admin = kafka.admin();
    await admin.connect();
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    await admin.disconnect();
    const moving = metadata?.partitions[1]?.partitionId as number;
    const staying = metadata?.partitions[0]?.partitionId as number;

    const conditions = new Conditions();
    let fatal: Error | null = null;
    const assignments: (readonly number[])[] = [];
    const batches: { partition: number; offsets: string[]; join: number }[] = [];
    // The source pauses a partition (and tells the alignment) after the handler returns: check the conditions again then.
    const alignment = new (class extends PartitionAlignment {
      override paused(partition: number): void {
        super.paused(partition);
        conditions.changed();
      }
    })(() => HOUR, () => Date.now());
    const source = new KafkaSource(
      kafka,
      {
        topic,
        groupId,
        fromBeginning: true,
        sessionTimeoutMs: 10_000,
        alignment,
        onAssignment: (partitions) => {
          assignments.push(partitions);
          conditions.changed();
        },
      },
      createLogger('warn'),
    );
    sources.push(source);
    void source.start(
      async (batch: SourceBatch) => {
        const first = !batches.some((b) => b.partition === batch.partition);
        batches.push({ partition: batch.partition, offsets: batch.messages.map((m) => m.offset), join: assignments.length });
        // What the batch processor tells the alignment: the moving partition's first batch is a day ahead of the
        // other partition (which has events waiting) and is cut after its first message.
        const held = batch.partition === moving && first;
        if (held) alignment.evaluated(batch.partition, { lastTs: T + 24 * HOUR, heldFrom: T + 25 * HOUR, reachedEnd: false });
        else alignment.evaluated(batch.partition, { lastTs: T, heldFrom: null, reachedEnd: false });
        conditions.changed();
        const through = held ? batch.messages[0]?.offset : batch.messages.at(-1)?.offset;
        return { kind: 'stored', through: through ?? null, held };
      },
      (err) => {
        fatal = err;
        conditions.changed();
      },
    );
    const assigned = (p: readonly number[]) => () => JSON.stringify(assignments.at(-1)) === JSON.stringify(p);

    await conditions.when('both partitions assigned here', assigned([0, 1]));
    await conditions.when('the moving partition cut and paused', () => alignment.isPaused(moving) && batches.some((b) => b.partition === staying));
    expect(batches.filter((b) => b.partition === moving)).toHaveLength(1);

    // A second member takes the moving partition (it consumes nothing and commits nothing), then leaves.
    const other = kafkaOf('zz-other').consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    consumers.push(other);
    const otherAssigned: number[][] = [];
    other.on(other.events.GROUP_JOIN, (e) => {
      otherAssigned.push(e.payload.memberAssignment[topic] ?? []);
      conditions.changed();
    });
    await other.connect();
    await other.subscribe({ topic, fromBeginning: true });
    await other.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await conditions.when('a partition moved to the other member', () => assignments.at(-1)?.length === 1 && otherAssigned.at(-1)?.length === 1);
    expect(otherAssigned.at(-1)).toEqual([moving]);
    expect(alignment.isPaused(moving)).toBe(false); // forgotten with its revocation
    const rejoinedAt = assignments.length;
    await other.disconnect();
    await conditions.when('the moving partition back here', () => assignments.length > rejoinedAt && assigned([0, 1])());
    const back = assignments.length;

    // Fetched again from its committed offset (after the stored first message).
    const again = () => batches.find((b) => b.partition === moving && b.join >= back);
    await conditions.when('a batch of the moving partition after it came back', () => again() !== undefined, 30_000);
    expect(again()?.offsets[0]).toBe('1');
    expect(fatal).toBeNull();
  });
});
