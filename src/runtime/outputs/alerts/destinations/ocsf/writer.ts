/** Where OCSF findings go: a Kafka topic (topic.ts) or a file (file.ts), one finding per message or line. */
import type { AttemptContext, PreparedMessage } from '../../destination.js';
import type { AttemptOutcome } from '../../retry-policy.js';

export interface FindingWriter {
  /** `kafka:<topic>` or `file:<name>`: what logs and stored state show. */
  readonly label: string;
  start(): Promise<void>;
  /** One attempt; never throws. Resolves delivered only once the finding is durable (acks from all in-sync replicas; fsync). */
  write(message: PreparedMessage, attempt: AttemptContext): Promise<AttemptOutcome>;
  stop(): Promise<void>;
}

export const retryOutcome = (error: string): AttemptOutcome => ({ kind: 'retry', httpStatus: null, error, retryAfterMs: null });
export const DELIVERED: AttemptOutcome = { kind: 'delivered', httpStatus: null };
