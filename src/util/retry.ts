/**
 * The one retry loop and backoff formula of custos: sink writes, partition
 * restores, start-up waits and alert deliveries all back off the same way
 * (doubling from `initialMs` up to `maxMs`, optionally jittered so that many
 * retries failing together do not come back in lockstep). Whether an error is
 * worth retrying is not decided here: the caller asks the error catalogue
 * (src/errors.ts) and says so through `giveUp`.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Spread of the delay around its value, e.g. 0.2 for ±20 % (still capped at maxMs). Default 0. */
  readonly jitter?: number;
}

/** Delay after the `failures`-th failure (1-based): initial × 2^(failures-1), capped, jittered. */
export function backoffMs(failures: number, b: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const base = Math.min(b.maxMs, b.initialMs * 2 ** exponent);
  const jitter = b.jitter ?? 0;
  const jittered = jitter === 0 ? base : base * (1 - jitter + 2 * jitter * random());
  return Math.round(Math.min(b.maxMs, jittered));
}

export interface RetryOptions {
  readonly backoff: Backoff;
  /** After each failure, before waiting: true ends the retries (the result is `{ ok: false }`). */
  readonly giveUp?: (err: unknown, failures: number) => boolean;
  /** After each failure that is retried, with the wait ahead (for logs and metrics). */
  readonly onRetry?: (err: unknown, failures: number, delayMs: number) => void | Promise<void>;
  /** Ends the wait (the default one, or an injected `sleep`) and the retries at once. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export type RetryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown; readonly failures: number };

/** Runs `attempt` until it resolves, `giveUp` says so, or the signal aborts. Never throws. */
export async function retry<T>(attempt: () => Promise<T>, o: RetryOptions): Promise<RetryResult<T>> {
  const sleep = abortableWait(o.sleep, o.signal);
  for (let failures = 1; ; failures++) {
    try {
      return { ok: true, value: await attempt() };
    } catch (err) {
      if (o.signal?.aborted || (o.giveUp?.(err, failures) ?? false)) return { ok: false, error: err, failures };
      const wait = backoffMs(failures, o.backoff, o.random);
      await o.onRetry?.(err, failures, wait);
      await sleep(wait);
      if (o.signal?.aborted || (o.giveUp?.(err, failures) ?? false)) return { ok: false, error: err, failures };
    }
  }
}

/** A backoff wait that ends early when the signal aborts: the injected `sleep`, else a timer. */
export function abortableWait(sleep: ((ms: number) => Promise<void>) | undefined, signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  if (sleep === undefined) return (ms) => delay(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);
  if (signal === undefined) return sleep;
  return (ms) => {
    if (signal.aborted) return Promise.resolve();
    let stop: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      stop = resolve;
      signal.addEventListener('abort', stop, { once: true });
    });
    return Promise.race([sleep(ms), aborted]).finally(() => signal.removeEventListener('abort', stop));
  };
}
