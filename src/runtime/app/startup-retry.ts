/**
 * At start, a service that is not up yet (containers starting together) is
 * waited for with backoff instead of failing at once; after `timeoutMs` the
 * start fails and the orchestrator's restart policy takes over. Errors that
 * retrying cannot fix (flagged `retryable: false`) fail at once. A stop
 * requested meanwhile (SIGTERM while a service is still down) ends the wait
 * at once, so an orchestrator's grace period is not spent backing off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../observability/log.js';

/** The start was given up because a stop was requested: not a failure. */
export class StartAborted extends Error {
  override readonly name = 'StartAborted';
  constructor(what: string) {
    super(`stop requested while waiting for ${what}`);
  }
}

export async function retryStartup<T>(what: string, logger: Logger, attempt: () => Promise<T>, timeoutMs = 120_000, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    if (signal?.aborted) throw new StartAborted(what);
    try {
      return await attempt();
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable !== false;
      if (!retryable || Date.now() > deadline) throw err;
      if (signal?.aborted) throw new StartAborted(what);
      const delay = Math.min(5_000, 250 * 2 ** failures);
      logger.warn({ service: what, err: { message: (err as Error).message }, retryInMs: delay }, 'service not ready; retrying');
      await sleep(delay, undefined, signal ? { signal } : undefined).catch(() => undefined);
    }
  }
}
