import { backoffMs } from '../../../util/retry.js';

/**
 * When to try again, and whether to: pure functions of the attempt's result
 * and the clock, unit-tested without a network.
 */

export interface RetryPolicy {
  /** Delay before the first retry (the schedule doubles from here). */
  readonly initialDelayMs: number;
  /** Ceiling of the doubling. */
  readonly maxDelayMs: number;
  /** Give up (record gave_up) once the next attempt would fall later than this after the notification was created. */
  readonly maxAgeMs: number;
  /** Longest Retry-After honoured; a receiver asking for more gets this. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  maxAgeMs: 24 * 3_600_000,
  maxRetryAfterMs: 3_600_000,
});

/**
 * Delay after the `failedAttempts`-th failure (1-based): initial * 2^(n-1),
 * capped, times a jitter factor in [0.8, 1.2) (still capped) so that many
 * deliveries failing together do not retry in lockstep.
 */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return backoffMs(failedAttempts, { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, jitter: 0.2 }, random);
}

export type AttemptOutcome =
  // httpStatus null: not an HTTP destination (a Kafka topic, a file).
  | { readonly kind: 'delivered'; readonly httpStatus: number | null }
  | { readonly kind: 'retry'; readonly httpStatus: number | null; readonly error: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'permanent'; readonly httpStatus: number | null; readonly error: string };

/**
 * 2xx: delivered. 408 and 429: the receiver asks us to come back. Other 4xx:
 * the receiver refuses this message; repeating it will not help. 3xx:
 * redirects are not followed (a signed alert should not wander to another
 * host), so a misconfigured URL fails visibly. 5xx: retry.
 */
export function classifyResponse(status: number, retryAfter: string | null, nowMs: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', httpStatus: status };
  const error = `http ${status}`;
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', httpStatus: status, error, retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
  return { kind: 'permanent', httpStatus: status, error };
}

/** Seconds (`120`) or an HTTP date; null when absent or unparseable; never negative. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; anything else (e.g. `-5`) is not one.
  if (!/^[A-Za-z]{3}, /.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** The wait before the next attempt: the backoff, or longer if the receiver asked (bounded). */
export function nextDelayMs(failedAttempts: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number = Math.random): number {
  const backoff = backoffDelayMs(failedAttempts, policy, random);
  if (retryAfterMs === null) return backoff;
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
