/**
 * Feeds simulated events to Kafka (kafkajs), so that the benchmark figures can
 * also be measured through the live pipeline. Message key = actor_id (per-actor
 * ordering), value = the wire JSON, batches of ~1000 messages, acks = -1.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Kafka, Partitioners, logLevel, type Message, type Producer } from 'kafkajs';
import type { WireEvent } from './wire.js';

/** The part of a kafkajs producer this module uses (injectable for tests). */
export type MinimalProducer = Pick<Producer, 'connect' | 'send' | 'disconnect'>;

export interface ProduceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly events: Iterable<WireEvent> | AsyncIterable<WireEvent>;
  /** Messages per `producer.send` (default 1000). */
  readonly batchSize?: number;
  readonly clientId?: string;
  /** Use this producer instead of creating one from `brokers` (it is still connected and disconnected here). */
  readonly producer?: MinimalProducer;
  /** Called after each acknowledged batch with the running total. */
  readonly onProgress?: (sent: number) => void;
}

export interface ProduceResult {
  readonly sent: number;
  readonly batches: number;
  readonly elapsedMs: number;
}

export function createSimProducer(brokers: readonly string[], clientId = 'custos-sim'): MinimalProducer {
  const kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.WARN });
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
  });
}

/** Sends every event, in iteration order, keyed by actor_id. */
export async function produceToKafka(opts: ProduceOptions): Promise<ProduceResult> {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const producer = opts.producer ?? createSimProducer(opts.brokers, opts.clientId);
  const t0 = performance.now();
  let sent = 0;
  let batches = 0;
  await producer.connect();
  try {
    let batch: Message[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await producer.send({ topic: opts.topic, acks: -1, messages: batch });
      sent += batch.length;
      batches++;
      batch = [];
      opts.onProgress?.(sent);
    };
    for await (const e of opts.events as AsyncIterable<WireEvent>) {
      batch.push({ key: e.actor_id, value: JSON.stringify(e) });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return { sent, batches, elapsedMs: performance.now() - t0 };
}

/** Streams the events of an events.ndjson file written by `simulate()`. */
export async function* readNdjsonEvents(file: string): AsyncGenerator<WireEvent> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    yield JSON.parse(line) as WireEvent;
  }
}
