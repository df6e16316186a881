/**
 * How a batch waits for I/O without losing its place in the consumer group.
 *
 * kafkajs 2.2.4 heartbeats only when asked. A member that does not heartbeat
 * for the session timeout is dropped and the group rebalances, restoring every
 * partition again; so a request that hangs (a frozen ClickHouse holds an
 * insert, or a rebuild's query, until its request timeout) and every backoff
 * wait between attempts heartbeat on a timer. A failed heartbeat means a
 * rebalance is waiting for this batch to end (or the member is gone): the
 * retries end there, because kafkajs can rejoin only once the batch returns.
 * A stopping consumer must not wait out a backoff of up to 30 s either, so
 * each backoff wait asks `shouldAbandon` every ABANDON_POLL_MS.
 */
import { abortableWait, retry, type Backoff, type RetryResult } from '../../util/retry.js';

export const HEARTBEAT_INTERVAL_MS = 3_000;
/** How often a backoff wait asks whether the retries are to be given up. */
export const ABANDON_POLL_MS = 250;

/** Runs one request while heartbeating on a timer. The request itself is never cut short. */
export async function whileHeartbeating<T>(beat: (() => Promise<void>) | undefined, attempt: () => Promise<T>, intervalMs = HEARTBEAT_INTERVAL_MS): Promise<T> {
  if (beat === undefined) return attempt();
  const timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
  try {
    return await attempt();
  } finally {
    clearInterval(timer);
  }
}

export interface HeartbeatingRetryOptions {
  /** Keeps the membership alive; absent for work outside a batch (a tick). */
  readonly heartbeat?: () => Promise<void>;
  /** Asked after each failure and during each backoff wait: true gives the retries up. */
  readonly shouldAbandon: (failures: number) => boolean;
  readonly backoff: Backoff;
  readonly heartbeatIntervalMs?: number;
  /** After each failure that is retried (logs, metrics). */
  readonly onRetry?: (err: unknown, failures: number, delayMs: number) => void;
  /** Once, when a heartbeat failed and so ended the retries. */
  readonly onHeartbeatFailed?: (err: unknown) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries `attempt` until it succeeds or is given up, heartbeating during each
 * attempt and each backoff wait; a backoff wait ends early once
 * `shouldAbandon` says so or a heartbeat fails. Never throws.
 */
export async function retryWhileHeartbeating<T>(attempt: () => Promise<T>, o: HeartbeatingRetryOptions): Promise<RetryResult<T>> {
  const ended = new AbortController();
  const beat =
    o.heartbeat === undefined
      ? undefined
      : async () => {
          try {
            await o.heartbeat?.();
          } catch (err) {
            if (ended.signal.aborted) return;
            o.onHeartbeatFailed?.(err);
            ended.abort();
          }
        };
  let watch: NodeJS.Timeout | undefined;
  // The wait heartbeats on the same timer as an attempt: one beat per failure and then a wait
  // of up to 30 s would outlast a session timeout below that (the member dropped, a rebalance).
  // It ends when the retries are given up, so its heartbeat timer stops with it.
  const wait = abortableWait(o.sleep, ended.signal);
  try {
    return await retry(() => whileHeartbeating(beat, attempt, o.heartbeatIntervalMs), {
      backoff: o.backoff,
      giveUp: (_err, failures) => ended.signal.aborted || o.shouldAbandon(failures),
      signal: ended.signal,
      onRetry: async (err, failures, delayMs) => {
        o.onRetry?.(err, failures, delayMs);
        await beat?.();
        clearInterval(watch);
        watch = setInterval(() => {
          if (o.shouldAbandon(failures)) ended.abort();
        }, ABANDON_POLL_MS);
      },
      sleep: (ms) => whileHeartbeating(beat, () => wait(ms), o.heartbeatIntervalMs),
    });
  } finally {
    clearInterval(watch);
  }
}
