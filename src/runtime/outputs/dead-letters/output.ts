/** Refused messages, with their original bytes and reasons, to the dead-letter topic. */
import type { Output } from '../output.js';
import type { KafkaDeadLetterSink } from './dead-letter-producer.js';

export function deadLetterOutput(sink: KafkaDeadLetterSink): Output {
  return {
    name: 'dead_letter',
    role: 'durable',
    write: async (batch) => {
      if (batch.deadLetters !== undefined && batch.deadLetters.length > 0) await sink.send(batch.deadLetters);
    },
  };
}
