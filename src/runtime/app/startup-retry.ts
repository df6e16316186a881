/**
 * At start, a service that is not up yet (containers starting together) is
 * waited for with backoff instead of failing at once; after `timeoutMs` the
 * start fails and the orchestrator's restart policy takes over. Errors that
 * retrying cannot fix (the catalogue says not retryable: a wrong password, a
 * schema newer than this custos) fail at once. A stop requested meanwhile
 * (SIGTERM while a service is still down) ends the wait at once, so an
 * orchestrator's grace period is not spent backing off.
 */
import { classify, CustosError, describeError } from '../../errors.js';
import type { Logger } from '../../observability/log.js';
import { retry } from '../../util/retry.js';

/** The start was given up because a stop was requested: not a failure. */
export class StartAborted extends CustosError {
  override readonly name = 'StartAborted';
  constructor(what: string) {
    super('CUSTOS_START_ABORTED', `stop requested while waiting for ${what}`);
  }
}

export async function retryStartup<T>(what: string, logger: Logger, attempt: () => Promise<T>, timeoutMs = 120_000, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw new StartAborted(what);
  const deadline = Date.now() + timeoutMs;
  const result = await retry(attempt, {
    backoff: { initialMs: 250, maxMs: 5_000 },
    giveUp: (err) => !classify(err).retryable || Date.now() > deadline,
    onRetry: (err, _failures, delayMs) => {
      const c = classify(err);
      (c.known ? logger.warn.bind(logger) : logger.error.bind(logger))({ service: what, err: describeError(err), retryInMs: delayMs }, c.known ? 'service not ready; retrying' : 'unexpected error while starting; retrying');
    },
    ...(signal ? { signal } : {}),
  });
  if (result.ok) return result.value;
  if (signal?.aborted) throw new StartAborted(what);
  throw result.error;
}
