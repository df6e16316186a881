import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../../src/model/alert.js';
import type { AlertDispatcher } from '../../../../src/runtime/outputs/alerts/dispatcher.js';
import { webhookDispatcher, type WebhookDispatcherOptions } from './helpers.js';
import { endpointIdFromUrl } from '../../../../src/runtime/outputs/alerts/destinations/webhook/endpoint.js';
import type { FetchLike } from '../../../../src/runtime/outputs/alerts/http-attempt.js';
import type { StoredNotification } from '../../../../src/runtime/outputs/alerts/outbox.js';
import { alert } from '../../sinks/fixtures.js';
import { captureLog, MemoryOutbox, waitFor } from './helpers.js';

interface Call {
  readonly url: string;
  readonly at: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A fetch that answers per URL from a script and records calls. `hang` never answers until aborted. */
function fakeFetch(answer: (url: string, n: number) => number | 'hang' | 'network' | { status: number; retryAfter: string }) {
  const calls: Call[] = [];
  const counts = new Map<string, number>();
  const fetchImpl: FetchLike = (url, init) => {
    const n = counts.get(url) ?? 0;
    counts.set(url, n + 1);
    calls.push({ url, at: Date.now(), headers: init.headers as Record<string, string>, body: String(init.body) });
    const a = answer(url, n);
    if (a === 'hang') {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    if (a === 'network') return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    if (typeof a === 'number') return Promise.resolve(new Response(null, { status: a }));
    return Promise.resolve(new Response(null, { status: a.status, headers: { 'retry-after': a.retryAfter } }));
  };
  return { fetchImpl, calls, callsTo: (url: string) => calls.filter((c) => c.url === url) };
}

const A = 'http://a.example/hook';
const B = 'http://b.example/hook';
const notification = (a: Partial<Alert> = {}, storedAtMs = Date.now()): StoredNotification => ({ alert: alert(a), storedAtMs });

describe('AlertDispatcher', () => {
  const running: AlertDispatcher[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  });

  function make(options: Partial<WebhookDispatcherOptions> & Pick<WebhookDispatcherOptions, 'fetch'>, outbox = new MemoryOutbox()) {
    const log = captureLog();
    const d = webhookDispatcher({
      endpoints: [{ url: A }],
      outbox,
      logger: log.logger,
      retry: { initialDelayMs: 20, maxDelayMs: 40 },
      stateFlushIntervalMs: 5,
      outboxScanIntervalMs: 60_000,
      userAgent: 'custos/test',
      ...options,
    });
    running.push(d);
    return { d, outbox, log };
  }

  it('delivers to each endpoint independently: a failing one does not hold up the other', async () => {
    const f = fakeFetch((url) => (url === A ? 503 : 200));
    const { d, outbox } = make({ endpoints: [{ url: A }, { url: B }], fetch: f.fetchImpl });
    await d.start();
    d.enqueue([notification({ alert_id: 'x' })]);
    await waitFor(() => outbox.latest('x').some((r) => r.endpoint_id === endpointIdFromUrl(B) && r.status === 'delivered'), 2000, 'B delivered');
    await waitFor(() => f.callsTo(A).length >= 3, 2000, 'A retried');
    const stateA = outbox.latest('x').find((r) => r.endpoint_id === endpointIdFromUrl(A));
    expect(stateA).toMatchObject({ status: 'failed', last_http_status: 503, last_error: 'http 503' });
    expect(f.callsTo(B)).toHaveLength(1);
  });

  it('gives up when retrying would pass the max age, and records why', async () => {
    const f = fakeFetch(() => 'network');
    const { d, outbox } = make({ fetch: f.fetchImpl, retry: { initialDelayMs: 20, maxDelayMs: 40, maxAgeMs: 150 } });
    await d.start();
    d.enqueue([notification({ alert_id: 'old' })]);
    await waitFor(() => outbox.latest('old')[0]?.status === 'gave_up', 3000, 'gave_up');
    expect(outbox.latest('old')[0]).toMatchObject({ status: 'gave_up', last_http_status: null, last_error: 'network ECONNREFUSED; max age reached' });
    expect(f.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('a notification already older than the max age is recorded gave_up without a request', async () => {
    const f = fakeFetch(() => 200);
    const { d, outbox } = make({ fetch: f.fetchImpl, retry: { maxAgeMs: 1000 } });
    await d.start();
    d.enqueue([notification({ alert_id: 'stale' }, Date.now() - 5000)]);
    await waitFor(() => outbox.latest('stale').length > 0, 1000, 'state row');
    expect(outbox.latest('stale')[0]).toMatchObject({ status: 'gave_up', attempts: 0 });
    expect(f.calls).toHaveLength(0);
  });

  it('honours Retry-After on 429', async () => {
    const f = fakeFetch((_, n) => (n === 0 ? { status: 429, retryAfter: '1' } : 200));
    const { d, outbox } = make({ fetch: f.fetchImpl });
    await d.start();
    d.enqueue([notification({ alert_id: 'slow-down' })]);
    await waitFor(() => outbox.latest('slow-down')[0]?.status === 'delivered', 3000, 'delivered');
    const [first, second] = f.calls;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
  });

  it('a timeout is retried and recorded as a timeout', async () => {
    const f = fakeFetch((_, n) => (n === 0 ? 'hang' : 200));
    const { d, outbox } = make({ fetch: f.fetchImpl, requestTimeoutMs: 50 });
    await d.start();
    d.enqueue([notification({ alert_id: 'to' })]);
    await waitFor(() => outbox.latest('to')[0]?.status === 'delivered', 2000, 'delivered');
    expect(outbox.rows.filter((r) => r.alert_id === 'to').map((r) => [r.status, r.last_error])).toEqual([
      ['pending', ''],
      ['failed', 'timeout after 50ms'],
      ['delivered', ''],
    ]);
    const times = outbox.rows.filter((r) => r.alert_id === 'to').map((r) => r.updated_at_ms);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(new Set(times).size).toBe(times.length); // strictly increasing: later states replace earlier ones
  });

  it('beyond the queue bound, notifications wait in the outbox and the scan picks them up', async () => {
    const f = fakeFetch(() => 200);
    const outbox = new MemoryOutbox();
    const { d } = make({ fetch: f.fetchImpl, queueCapacity: 1 }, outbox);
    const all = ['q1', 'q2', 'q3'].map((id) => notification({ alert_id: id }));
    outbox.notifications.push(...all); // as writeBatch would have stored them
    d.enqueue(all);
    expect(d.stats().deferredToOutbox).toBe(2);
    await waitFor(() => outbox.latest('q1')[0]?.status === 'delivered', 1000, 'q1');
    for (const id of ['q2', 'q3']) {
      await waitFor(async () => {
        await d.scanOutbox();
        return outbox.latest(id)[0]?.status === 'delivered';
      }, 2000, id);
    }
    expect(f.calls.map((c) => c.headers['webhook-id'])).toEqual(['q1', 'q2', 'q3']);
  });

  it('only sends an endpoint the severities it asked for', async () => {
    const f = fakeFetch(() => 200);
    const { d, outbox } = make({ endpoints: [{ url: A, minSeverity: 'high' }], fetch: f.fetchImpl });
    await d.start();
    d.enqueue([notification({ alert_id: 'low', severity: 'low' }), notification({ alert_id: 'crit', severity: 'critical' })]);
    await waitFor(() => outbox.latest('crit')[0]?.status === 'delivered', 1000, 'crit');
    expect(f.calls.map((c) => c.headers['webhook-id'])).toEqual(['crit']);
    expect(outbox.latest('low')).toEqual([]);
  });

  it('stop() lets a request in flight finish and stores its state', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const fetchImpl: FetchLike = async () => {
      await gate;
      return new Response(null, { status: 204 });
    };
    const { d, outbox } = make({ fetch: fetchImpl });
    await d.start();
    d.enqueue([notification({ alert_id: 'inflight' })]);
    await waitFor(() => d.stats().inFlight === 1, 1000, 'in flight');
    const stopped = d.stop();
    setTimeout(release, 50);
    await stopped;
    expect(outbox.latest('inflight')[0]).toMatchObject({ status: 'delivered', last_http_status: 204 });
  });

  it('stop() is bounded: a hanging request is aborted after the grace period and left for the next start', async () => {
    const f = fakeFetch(() => 'hang');
    const { d, outbox } = make({ fetch: f.fetchImpl, stopTimeoutMs: 100, requestTimeoutMs: 60_000 });
    await d.start();
    d.enqueue([notification({ alert_id: 'hung' })]);
    await waitFor(() => d.stats().inFlight === 1, 1000, 'in flight');
    const t0 = Date.now();
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(outbox.latest('hung')[0]).toMatchObject({ status: 'failed', last_error: 'cancelled at shutdown' });
  });

  it('keeps delivery states when storing them fails, and stores them later', async () => {
    const f = fakeFetch(() => 200);
    const outbox = new MemoryOutbox();
    outbox.failWrites = true;
    const { d, log } = make({ fetch: f.fetchImpl }, outbox);
    await d.start();
    d.enqueue([notification({ alert_id: 'later' })]);
    await waitFor(() => log.lines.some((l) => l.msg === 'could not store webhook delivery states; will retry'), 1000, 'flush failure');
    outbox.failWrites = false;
    await waitFor(() => outbox.latest('later')[0]?.status === 'delivered', 1000, 'stored');
    expect(f.calls).toHaveLength(1);
  });

  it('start() re-delivers what the outbox holds (the crash case) exactly once', async () => {
    const f = fakeFetch(() => 200);
    const outbox = new MemoryOutbox();
    outbox.notifications.push(notification({ alert_id: 'orphan', revision: 2 }));
    const { d } = make({ fetch: f.fetchImpl }, outbox);
    await d.start();
    await waitFor(() => outbox.latest('orphan', 2)[0]?.status === 'delivered', 1000, 'delivered');
    await d.scanOutbox();
    await d.scanOutbox();
    expect(f.calls.map((c) => c.headers['webhook-id'])).toEqual(['orphan.r2']);
    // Recovered deliveries do not write `pending` (it would hide an earlier `failed`).
    expect(outbox.rows.map((r) => r.status)).toEqual(['delivered']);
  });
});
