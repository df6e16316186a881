/**
 * Counts the messages kafkajs hands to a consumer's eachBatch, and how many of
 * them it had handed over before (fetched, and their records decoded by
 * kafkajs, again). It wraps kafkajs' own consumer from outside, so it counts
 * the same way for any build of custos: `bench throughput` loads it into every
 * runner (count-delivered.ts), and a test can count what the monitor's source
 * was delivered, against the real broker.
 */
import kafkajs from 'kafkajs';
import type { Batch, Consumer, ConsumerConfig, ConsumerRunConfig } from 'kafkajs';

/** The line a runner prints as it exits (count-delivered.ts), read by the orchestrator. */
export const DELIVERED_PREFIX = 'DELIVERED ';

export interface DeliveredCounts {
  /** Messages kafkajs handed to eachBatch, refetched ones counted each time. */
  readonly messages: number;
  /** Of those, messages at or below an offset of their partition delivered before (fetched again). */
  readonly again: number;
  readonly batches: number;
}

export class DeliveryTally {
  /** Messages delivered, refetched ones counted each time. */
  messages = 0;
  /** Of those, messages at or below an offset of their partition delivered before. */
  again = 0;
  batches = 0;
  /** The most messages one batch delivered again. */
  mostAgainInOneBatch = 0;
  /** Per topic/partition, the highest offset delivered so far (a batch's messages come in offset order). */
  private readonly highest = new Map<string, number>();

  note(batch: Pick<Batch, 'topic' | 'partition' | 'messages'>): void {
    this.messages += batch.messages.length;
    this.batches++;
    const key = `${batch.topic}/${batch.partition}`;
    const before = this.highest.get(key) ?? -1;
    let again = 0;
    for (const m of batch.messages) {
      if (Number(m.offset) > before) break;
      again++;
    }
    this.again += again;
    if (again > this.mostAgainInOneBatch) this.mostAgainInOneBatch = again;
    const last = batch.messages[batch.messages.length - 1];
    if (last !== undefined && Number(last.offset) > before) this.highest.set(key, Number(last.offset));
  }
}

/**
 * From now on, every kafkajs consumer created in this process tells `tally`
 * (and `onBatch`, if given) about each batch before its eachBatch sees it.
 * Returns the function that stops it (consumers created meanwhile keep counting).
 */
export function countDeliveries(tally: DeliveryTally, onBatch?: (batch: Batch) => void): () => void {
  const proto = kafkajs.Kafka.prototype as { consumer(config: ConsumerConfig): Consumer };
  const original = proto.consumer;
  proto.consumer = function (this: unknown, config: ConsumerConfig): Consumer {
    const consumer = original.call(this, config);
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig?: ConsumerRunConfig) => {
      const eachBatch = runConfig?.eachBatch;
      if (eachBatch === undefined) return run(runConfig);
      return run({
        ...runConfig,
        eachBatch: (payload) => {
          tally.note(payload.batch);
          onBatch?.(payload.batch);
          return eachBatch(payload);
        },
      });
    };
    return consumer;
  };
  return () => {
    proto.consumer = original;
  };
}
