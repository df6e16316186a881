/**
 * The baseline: a bare kafkajs consumer that only JSON.parses each message,
 * with the same fetch settings and per-batch commit as custos' source.
 * Run as a child process: node dist/tools/bench/throughput/bare-consumer.js <brokers> <topic> <events>
 */
import { Kafka, logLevel } from 'kafkajs';
import { FIGURES_PREFIX, RunMeter, warmupEvents } from './measure.js';

async function main(): Promise<void> {
  const [brokers = '', topic = '', expectedText = '0'] = process.argv.slice(2);
  const expected = Number(expectedText);
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({
    groupId: `bench-bare-${process.pid}-${Date.now()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const meter = new RunMeter();
  const warmup = warmupEvents();
  let seen = 0;
  let parsedFields = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        meter.first();
        for (const message of batch.messages) {
          const value = JSON.parse(message.value?.toString('utf8') ?? 'null') as Record<string, unknown> | null;
          if (value !== null) parsedFields += Object.keys(value).length;
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
        seen += batch.messages.length;
        meter.warmedUp(seen, warmup);
        if (seen >= expected) resolve();
      },
    });
  });
  const figures = meter.finish('bare kafkajs + JSON.parse', seen);
  await consumer.disconnect();
  // parsedFields keeps the parse from being optimised away.
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify({ ...figures, parsedFields })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
