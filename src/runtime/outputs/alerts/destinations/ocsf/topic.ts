/**
 * Findings to a Kafka topic: an idempotent producer (acks from all in-sync
 * replicas) on custos' own Kafka connection, each finding keyed by its alert
 * id so an alert's revisions share a partition and keep their order. The
 * topic must exist: custos does not create topics a SIEM reads.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { classify } from '../../../../../errors.js';
import type { AttemptContext } from '../../destination.js';
import type { AttemptOutcome } from '../../retry-policy.js';
import { DELIVERED, retryOutcome, type FindingWriter } from './writer.js';

/**
 * kafkajs gives up after its own retries with KafkaJSNumberOfRetriesExceeded,
 * which says "not retriable" of itself; what it ran into (a leader moving, a
 * missing topic) decides. The error text is the broker's error type or the
 * kafkajs error name: never a message, which may name hosts.
 */
export function kafkaOutcome(err: unknown): AttemptOutcome {
  let cause = err as { name?: unknown; type?: unknown; cause?: unknown } | null;
  while (cause?.name === 'KafkaJSNumberOfRetriesExceeded' && cause.cause) cause = cause.cause as typeof cause;
  const type = typeof cause?.type === 'string' && /^[A-Z_]{2,64}$/.test(cause.type) ? cause.type : typeof cause?.name === 'string' && /^KafkaJS\w{0,60}$/.test(cause.name) ? cause.name : 'error';
  const error = `kafka ${type}`;
  return classify(cause).retryable ? retryOutcome(error) : { kind: 'permanent', httpStatus: null, error };
}

/**
 * Resolves with `work`'s outcome, or with a retry once the attempt's timeout
 * passes or the dispatcher cancels: kafkajs retries a send internally (a
 * missing topic, a moving leader) for longer than one attempt may take, and
 * its sends cannot be aborted, so the attempt stops waiting instead.
 */
async function bounded(work: Promise<AttemptOutcome>, attempt: AttemptContext): Promise<AttemptOutcome> {
  let timer: NodeJS.Timeout | undefined;
  let onCancel: (() => void) | undefined;
  const stopped = new Promise<AttemptOutcome>((resolve) => {
    timer = setTimeout(() => resolve(retryOutcome(`timeout after ${attempt.timeoutMs}ms`)), attempt.timeoutMs);
    onCancel = () => resolve(retryOutcome('cancelled at shutdown'));
    if (attempt.cancel.aborted) onCancel();
    else attempt.cancel.addEventListener('abort', onCancel, { once: true });
  });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    clearTimeout(timer);
    if (onCancel) attempt.cancel.removeEventListener('abort', onCancel);
  }
}

export function topicWriter(kafka: Kafka, topic: string): FindingWriter {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  return {
    label: `kafka:${topic}`,
    start: () => producer.connect(),
    write(message, attempt) {
      const send = producer.send({ topic, acks: -1, timeout: attempt.timeoutMs, messages: [{ key: message.key ?? null, value: message.body }] }).then(
        () => DELIVERED,
        (err: unknown) => kafkaOutcome(err),
      );
      // Past the timeout or at shutdown the send may still land: the next attempt (or start) sends it again, and metadata.uid lets a SIEM drop the repeat.
      return bounded(send, attempt);
    },
    stop: () => producer.disconnect(),
  };
}
