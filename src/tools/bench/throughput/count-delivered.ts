/**
 * Loaded into each runner of `bench throughput` with `--import` (this build's
 * copy, also into a compared build's runner): counts what kafkajs delivers
 * (delivery-tally.ts) and prints one line `DELIVERED <json>` as the process
 * exits, which the orchestrator reads beside the runner's figures.
 * BENCH_TRACE_BATCHES=1 also prints one line per batch to stderr (partition,
 * first and last offset, messages, high watermark): where a drain fetched what.
 */
import { writeSync } from 'node:fs';
import { DELIVERED_PREFIX, DeliveryTally, countDeliveries, type DeliveredCounts } from './delivery-tally.js';

const tally = new DeliveryTally();
const trace = process.env.BENCH_TRACE_BATCHES === '1';
countDeliveries(
  tally,
  trace
    ? (batch) => process.stderr.write(`batch p${batch.partition} ${batch.messages[0]?.offset}..${batch.messages[batch.messages.length - 1]?.offset} n=${batch.messages.length} hw=${batch.highWatermark}\n`)
    : undefined,
);

process.on('exit', () => {
  const counts: DeliveredCounts = { messages: tally.messages, again: tally.again, batches: tally.batches };
  writeSync(1, `${DELIVERED_PREFIX}${JSON.stringify(counts)}\n`);
});
