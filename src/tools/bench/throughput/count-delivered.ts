/**
 * Loaded into each custos runner of `bench throughput` with `--import` (this
 * build's copy, also into a compared build's runner): counts the messages
 * kafkajs hands to eachBatch, so that a drain's refetches show (a message
 * delivered twice was fetched, and its record decoded by kafkajs, twice). It
 * wraps the consumer's eachBatch from outside, so it counts the same way for
 * any build, and prints one line `DELIVERED <json>` as the process exits.
 * BENCH_TRACE_BATCHES=1 also prints one line per batch to stderr (partition,
 * first and last offset, messages, high watermark): where a drain fetched what.
 */
import { writeSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachBatchPayload } from 'kafkajs';

export const DELIVERED_PREFIX = 'DELIVERED ';

export interface DeliveredCounts {
  /** Messages kafkajs handed to eachBatch, refetched ones counted each time. */
  readonly messages: number;
  /** Of those, messages at or below an offset of their partition delivered before (fetched again). */
  readonly again: number;
  readonly batches: number;
}

const trace = process.env.BENCH_TRACE_BATCHES === '1';
let messages = 0;
let batches = 0;
let again = 0;
/** Per partition, the highest offset delivered so far (a batch's messages come in offset order). */
const highest = new Map<string, number>();

function count(payload: EachBatchPayload): void {
  const { batch } = payload;
  messages += batch.messages.length;
  batches++;
  const key = `${batch.topic}/${batch.partition}`;
  const before = highest.get(key) ?? -1;
  for (const m of batch.messages) {
    if (Number(m.offset) > before) break;
    again++;
  }
  const last = batch.messages[batch.messages.length - 1];
  if (last !== undefined && Number(last.offset) > before) highest.set(key, Number(last.offset));
  if (trace) {
    process.stderr.write(`batch p${batch.partition} ${batch.messages[0]?.offset}..${batch.messages[batch.messages.length - 1]?.offset} n=${batch.messages.length} hw=${batch.highWatermark}\n`);
  }
}

const proto = kafkajs.Kafka.prototype as { consumer(config: ConsumerConfig): Consumer };
const consumer = proto.consumer;
proto.consumer = function (this: unknown, config: ConsumerConfig): Consumer {
  const c = consumer.call(this, config);
  const run = c.run.bind(c);
  c.run = (config?: ConsumerRunConfig) => {
    const eachBatch = config?.eachBatch;
    if (eachBatch === undefined) return run(config);
    return run({
      ...config,
      eachBatch: (payload) => {
        count(payload);
        return eachBatch(payload);
      },
    });
  };
  return c;
};

process.on('exit', () => {
  const counts: DeliveredCounts = { messages, again, batches };
  writeSync(1, `${DELIVERED_PREFIX}${JSON.stringify(counts)}\n`);
});
