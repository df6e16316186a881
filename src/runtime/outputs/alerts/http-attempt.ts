/**
 * One POST of one message, with a timeout, reduced to an AttemptOutcome. The
 * error text is a fixed vocabulary (`http 503`, `timeout after 10000ms`,
 * `network ECONNREFUSED`): fetch's own messages can include the URL, and
 * response bodies can echo the payload, so neither is kept.
 */
import type { AttemptContext, DestinationContext } from './destination.js';
import { classifyResponse, type AttemptOutcome } from './retry-policy.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface AttemptRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
  /** Aborts the attempt early (dispatcher stop after its grace period). */
  readonly cancel?: AbortSignal;
}

function networkCode(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'unknown';
}

export async function postOnce(request: AttemptRequest, fetchImpl: FetchLike, nowMs: () => number): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onCancel = (): void => controller.abort();
  request.cancel?.addEventListener('abort', onCancel, { once: true });
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    // Release the connection without reading what the receiver said.
    await response.body?.cancel().catch(() => undefined);
    return classifyResponse(response.status, response.headers.get('retry-after'), nowMs());
  } catch (err) {
    if (timedOut) return { kind: 'retry', httpStatus: null, error: `timeout after ${request.timeoutMs}ms`, retryAfterMs: null };
    if (request.cancel?.aborted) return { kind: 'retry', httpStatus: null, error: 'cancelled at shutdown', retryAfterMs: null };
    return { kind: 'retry', httpStatus: null, error: `network ${networkCode(err)}`, retryAfterMs: null };
  } finally {
    clearTimeout(timer);
    request.cancel?.removeEventListener('abort', onCancel);
  }
}

/** One attempt of a JSON message to an HTTP destination (Slack, PagerDuty): POSTed as is, with custos' user agent. */
export function postJsonOnce(url: string, body: string, attempt: AttemptContext, context: Pick<DestinationContext, 'fetch' | 'userAgent'>): Promise<AttemptOutcome> {
  return postOnce(
    { url, headers: { 'content-type': 'application/json', 'user-agent': context.userAgent }, body, timeoutMs: attempt.timeoutMs, cancel: attempt.cancel },
    context.fetch,
    () => attempt.now.getTime(),
  );
}
