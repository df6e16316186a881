/**
 * The baseline of `custos bench latency`: a bare kafkajs consumer in its own
 * group on the same topic, with the monitor's fetch settings, that only looks
 * at message keys and reports when each incident's message reached it. The
 * part of the latency Kafka itself takes (produce, replicate, fetch).
 *
 *   node dist/tools/bench/latency/bare-child.js <brokers> <topic> <group id> <key prefix>
 */
import { Kafka, logLevel } from 'kafkajs';
import { FETCH_SETTINGS, PARTITIONS_CONSUMED_CONCURRENTLY } from '../../../runtime/source/kafka-source.js';
import type { BareToParent, ParentToBare } from './protocol.js';

const send = (m: BareToParent): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const [brokers = '127.0.0.1:9092', topic = '', groupId = '', prefix = ''] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'custos-bench-latency-bare', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 45_000, heartbeatInterval: 3_000, ...FETCH_SETTINGS });
  const keyPrefix = Buffer.from(prefix, 'utf8');
  let consumed = 0;
  let ready = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (!ready) send({ type: 'ready' });
    ready = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      const atMs = Date.now();
      const keys: string[] = [];
      for (const m of batch.messages) {
        consumed++;
        if (m.key && m.key.subarray(0, keyPrefix.length).equals(keyPrefix)) keys.push(m.key.toString('utf8'));
      }
      if (keys.length > 0) send({ type: 'seen', keys, atMs });
    },
  });
  process.on('message', (m: ParentToBare) => {
    if (m.type !== 'stop') return;
    void consumer.disconnect().finally(() => {
      const u = process.cpuUsage();
      send({ type: 'stopped', cpuMicros: u.user + u.system, consumed });
      process.disconnect?.();
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
