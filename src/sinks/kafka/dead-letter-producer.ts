/** Dead-letter sink: produces refused messages, original bytes and reason headers, to Kafka. */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { DeadLetterSink } from '../../pipeline/sinks.js';
import type { DeadLetter } from '../../pipeline/types.js';

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
    if (deadLetters.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: deadLetters.map((d) => ({ key: d.key, value: d.value, headers: { ...d.headers } })),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
