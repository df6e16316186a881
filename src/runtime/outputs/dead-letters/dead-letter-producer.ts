/**
 * Dead-letter sink: produces refused messages, original bytes and reason
 * headers, to Kafka (idempotent producer, acks=all).
 *
 * Sends are split so one request stays well under broker limits. A message the
 * dead-letter topic still refuses as too large is sent again without its
 * payload (headers say so; its SHA-256 is in `rejected_events`), so an
 * oversized input can never block the partition it came from.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { DeadLetterSink } from '../../pipeline/sinks.js';
import type { DeadLetter } from '../../../model/batch.js';

/** Payload bytes per send request. */
const MAX_SEND_BYTES = 4 * 1024 * 1024;
export const PAYLOAD_OMITTED_HEADER = 'custos-payload-omitted';

export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    // Idempotent producer: broker-side dedupe of retried sends within a session.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(deadLetters: readonly DeadLetter[]): Promise<void> {
    for (const chunk of chunksBySize(deadLetters)) {
      try {
        await this.sendMessages(chunk.map(toMessage));
      } catch (err) {
        if (!isTooLarge(err)) throw err;
        // One by one; any message still too large goes without its payload.
        for (const d of chunk) {
          try {
            await this.sendMessages([toMessage(d)]);
          } catch (inner) {
            if (!isTooLarge(inner)) throw inner;
            await this.sendMessages([withoutPayload(d)]);
          }
        }
      }
    }
  }

  private async sendMessages(messages: Message[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

function toMessage(d: DeadLetter): Message {
  return { key: d.key, value: d.value, headers: { ...d.headers } };
}

function withoutPayload(d: DeadLetter): Message {
  return {
    key: d.key,
    value: null,
    headers: { ...d.headers, [PAYLOAD_OMITTED_HEADER]: `payload of ${d.value?.length ?? 0} bytes exceeds the dead-letter topic's limit` },
  };
}

/** Splits dead letters into sends of at most `maxBytes` of keys and payloads (a larger single message goes alone). */
export function chunksBySize(deadLetters: readonly DeadLetter[], maxBytes = MAX_SEND_BYTES): DeadLetter[][] {
  const chunks: DeadLetter[][] = [];
  let current: DeadLetter[] = [];
  let bytes = 0;
  for (const d of deadLetters) {
    const size = (d.value?.length ?? 0) + (d.key?.length ?? 0);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The broker's MESSAGE_TOO_LARGE, however kafkajs wraps it. */
function isTooLarge(err: unknown): boolean {
  const e = err as { type?: string; cause?: { type?: string }; message?: string };
  return e.type === 'MESSAGE_TOO_LARGE' || e.cause?.type === 'MESSAGE_TOO_LARGE' || /too large/i.test(e.message ?? '');
}
