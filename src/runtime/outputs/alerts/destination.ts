/**
 * An alert destination: where notifications of alert revisions go (a
 * webhook, a chat channel, a paging service, a SIEM topic or file). The
 * dispatcher (dispatcher.ts) owns everything destinations share: the durable
 * outbox, one delivery per (revision, destination) with its own retries and
 * state, order per alert, bounded queues, max age. A destination only turns a
 * revision into its message and sends one attempt of it.
 *
 * Adding a kind is one folder under destinations/ (its config schema, its
 * message, its send) and one entry in destinations/index.ts.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Severity } from '../../../model/alert.js';
import type { StoredNotification } from './outbox.js';
import type { AttemptOutcome } from './retry-policy.js';

/** One message, built once per (revision, destination) and sent identical on every retry. */
export interface PreparedMessage {
  /** The receiver's deduplication id (e.g. `webhook-id`, PagerDuty's dedup key with the revision). */
  readonly id: string;
  readonly body: string;
  /** The partition key, for destinations that have one: the alert id, so a topic keeps an alert's revisions in one partition, in order. */
  readonly key?: string;
}

export interface AttemptContext {
  readonly timeoutMs: number;
  /** Aborted when the dispatcher stops after its grace period. */
  readonly cancel: AbortSignal;
  readonly now: Date;
}

export interface Destination {
  /** Stable, `[A-Za-z0-9_.-]{1,64}`: the key of its delivery state (changing it re-sends what is owed). */
  readonly id: string;
  /** What logs and stored state may show of it (scheme, host and port; a topic; a file name): never a token. */
  readonly label: string;
  /** Severities it receives. */
  readonly severities: readonly Severity[];
  /** Whether it also receives closing revisions (e.g. to resolve an incident); otherwise openings and escalations only. */
  readonly closings: boolean;
  /** The message for one revision. */
  prepare(notification: StoredNotification): PreparedMessage;
  /** One attempt; never throws (a failure is an outcome). */
  send(message: PreparedMessage, attempt: AttemptContext): Promise<AttemptOutcome>;
  /** Resources held open (a producer, a file): opened before the first send, closed after the last. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** What every destination kind may use. */
export interface DestinationContext {
  readonly logger: Logger;
  /** `custos/<version>`, for HTTP destinations. */
  readonly userAgent: string;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Kafka brokers and client settings, for destinations that produce to a topic. */
  readonly kafka?: Kafka;
  /** Webhook URLs must be https unless this allows the host (loopback, tests). */
  readonly allowInsecureHost?: (host: string) => boolean;
}

/** A kind of destination: its config section (strict: unknown keys are refused) and how to build one. */
export interface DestinationKind<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  /** One line for docs and errors. */
  readonly summary: string;
  /** The config section without `kind`; an unknown key is a configuration error. */
  readonly schema: S;
  create(config: z.output<S>, context: DestinationContext): Destination;
}
