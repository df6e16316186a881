/**
 * At start, a service that is not up yet (containers starting together) is
 * waited for with backoff instead of failing at once; after `timeoutMs` the
 * start fails and the orchestrator's restart policy takes over. Errors that
 * retrying cannot fix (flagged `retryable: false`) fail at once.
 */
import type { Logger } from '../observability/log.js';

export async function retryStartup<T>(what: string, logger: Logger, attempt: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable !== false;
      if (!retryable || Date.now() > deadline) throw err;
      const delay = Math.min(5_000, 250 * 2 ** failures);
      logger.warn({ service: what, err: { message: (err as Error).message }, retryInMs: delay }, 'service not ready; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
