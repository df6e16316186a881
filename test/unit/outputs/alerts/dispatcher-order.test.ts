/**
 * Order per alert (issue 7, finding 3) and the crash window of delivered
 * states (finding 6), on a virtual clock: fake timers drive the retry
 * schedule, the outbox scans and the state flushes, so a receiver that is
 * down for minutes takes no real time and the schedule is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../../src/model/alert.js';
import type { AlertDispatcher } from '../../../../src/runtime/outputs/alerts/dispatcher.js';
import { webhookDispatcher, type WebhookDispatcherOptions } from './helpers.js';
import { endpointIdFromUrl } from '../../../../src/runtime/outputs/alerts/destinations/webhook/endpoint.js';
import type { FetchLike } from '../../../../src/runtime/outputs/alerts/http-attempt.js';
import type { StoredNotification } from '../../../../src/runtime/outputs/alerts/outbox.js';
import { alert } from '../../sinks/fixtures.js';
import { captureLog, MemoryOutbox } from './helpers.js';
import type { AlertUpdate } from '../../../../src/model/alert.js';
import type { OutputBatch } from '../../../../src/model/batch.js';
import { Metrics } from '../../../../src/observability/metrics.js';
import { alertNotificationOutput, owedRevisions } from '../../../../src/runtime/outputs/alerts/output.js';
import type { Output } from '../../../../src/runtime/outputs/output.js';
import { OutputWriter } from '../../../../src/runtime/pipeline/output-writer.js';

const A = 'https://a.example/hook';
const B = 'https://b.example/hook';
const START = Date.UTC(2026, 2, 23, 12, 0, 0);

interface Request {
  readonly url: string;
  readonly webhookId: string;
  readonly status: number | 'refused';
}

/** A receiver behind `answer` (a status, or 'refused' for a connection refused); records every request. */
function receiver(answer: (url: string, webhookId: string) => number | 'refused') {
  const requests: Request[] = [];
  const fetchImpl: FetchLike = (url, init) => {
    const webhookId = (init.headers as Record<string, string>)['webhook-id'] ?? '';
    const status = answer(url, webhookId);
    requests.push({ url, webhookId, status });
    if (status === 'refused') return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    return Promise.resolve(new Response(null, { status }));
  };
  const to = (url: string) => requests.filter((r) => r.url === url);
  return {
    fetchImpl,
    requests,
    /** webhook-ids answered 2xx at this endpoint, in arrival order. */
    delivered: (url: string) => to(url).filter((r) => typeof r.status === 'number' && r.status < 300).map((r) => r.webhookId),
    /** webhook-ids of every request to this endpoint, in order. */
    attempts: (url: string) => to(url).map((r) => r.webhookId),
  };
}

const idOf = (alertId: string, revision: number): string => (revision === 1 ? alertId : `${alertId}.r${revision}`);
const revisionOf = (webhookId: string): number => Number(/\.r(\d+)$/.exec(webhookId)?.[1] ?? 1);
const alertOf = (webhookId: string): string => webhookId.replace(/\.r\d+$/, '');

/** For each alert, its revisions in the order the endpoint was asked to take them; "in order" means each list ascends. */
function revisionsPerAlert(webhookIds: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const id of webhookIds) out.set(alertOf(id), [...(out.get(alertOf(id)) ?? []), revisionOf(id)]);
  return out;
}

const nondecreasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || (xs[i - 1] ?? -Infinity) <= x);

describe('AlertDispatcher: an alert\'s revisions reach each endpoint in order', () => {
  const running: AlertDispatcher[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
    vi.useRealTimers();
  });

  function make(options: Partial<WebhookDispatcherOptions> & Pick<WebhookDispatcherOptions, 'fetch'>, outbox = new MemoryOutbox()) {
    const d = webhookDispatcher({
      endpoints: [{ url: A }, { url: B }],
      outbox,
      logger: captureLog().logger,
      random: () => 0.5, // jitter factor exactly 1: the schedule is 1 s, 2 s, 4 s, ...
      userAgent: 'custos/test',
      ...options,
    });
    running.push(d);
    return { d, outbox };
  }

  /** What writeBatch does: the revision is in the outbox, then handed to the dispatcher. */
  function store(d: AlertDispatcher, outbox: MemoryOutbox, a: Partial<Alert>): StoredNotification {
    const n: StoredNotification = { alert: alert(a), storedAtMs: Date.now() };
    outbox.notifications.push(n);
    d.enqueue([n]);
    return n;
  }

  it('receiver down for minutes while revisions pile up, then up: each endpoint gets every revision in order, a later one only after the earlier was delivered', async () => {
    const upAt = START + 100_000;
    const r = receiver(() => (Date.now() >= upAt ? 200 : 'refused'));
    const { d, outbox } = make({ fetch: r.fetchImpl });
    await d.start();
    // al-x escalates four times while the receiver is down (revision numbers
    // skip the merged follow-ups that do not notify); al-y opens and escalates meanwhile.
    const x = [1, 3, 7, 12, 56];
    for (const [i, revision] of x.entries()) {
      store(d, outbox, { alert_id: 'al-x', revision });
      if (i === 1) store(d, outbox, { alert_id: 'al-y', revision: 1 });
      if (i === 3) store(d, outbox, { alert_id: 'al-y', revision: 2 });
      await vi.advanceTimersByTimeAsync(20_000);
    }
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    for (const url of [A, B]) {
      expect(revisionsPerAlert(r.delivered(url))).toEqual(
        new Map([
          ['al-x', x],
          ['al-y', [1, 2]],
        ]),
      );
      // Not only delivered in order: no revision was even tried before the earlier one was delivered.
      for (const [alertId, revisions] of revisionsPerAlert(r.attempts(url))) expect(nondecreasing(revisions), `${alertId} at ${url}: ${revisions.join(',')}`).toBe(true);
      // The two alerts did not wait for each other: al-y's opening was tried while al-x's was still failing.
      const attempts = r.attempts(url);
      expect(attempts.indexOf('al-y')).toBeLessThan(attempts.lastIndexOf('al-x'));
    }
    for (const revision of x) expect(outbox.latest('al-x', revision).map((s) => s.status)).toEqual(['delivered', 'delivered']);
  });

  it('a revision the receiver refuses (gave_up) lets the next one through', async () => {
    const upAt = START + 60_000;
    const r = receiver((_, id) => (Date.now() < upAt ? 'refused' : id === 'al-x.r3' ? 400 : 200));
    const { d, outbox } = make({ fetch: r.fetchImpl, endpoints: [{ url: A }] });
    await d.start();
    for (const revision of [1, 3, 7]) {
      store(d, outbox, { alert_id: 'al-x', revision });
      await vi.advanceTimersByTimeAsync(10_000);
    }
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(r.delivered(A)).toEqual(['al-x', 'al-x.r7']);
    expect(r.attempts(A).filter((id) => id === 'al-x.r3')).toHaveLength(1); // refused once, not retried
    expect(outbox.latest('al-x', 3)[0]).toMatchObject({ status: 'gave_up', last_http_status: 400 });
    expect(nondecreasing(r.attempts(A).map(revisionOf))).toBe(true);
  });

  it('a revision that gives up at its max age lets the next one through', async () => {
    const upAt = START + 25_000;
    const r = receiver(() => (Date.now() >= upAt ? 200 : 'refused'));
    const { d, outbox } = make({ fetch: r.fetchImpl, endpoints: [{ url: A }], retry: { maxAgeMs: 30_000 } });
    await d.start();
    store(d, outbox, { alert_id: 'al-x', revision: 1 }); // tried at 0, 1, 3, 7, 15 s; the next (31 s) would pass its max age
    await vi.advanceTimersByTimeAsync(10_000);
    store(d, outbox, { alert_id: 'al-x', revision: 2 }); // waits; starts when revision 1 gives up (15 s), delivered at 30 s
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(outbox.latest('al-x', 1)[0]).toMatchObject({ status: 'gave_up', last_error: 'network ECONNREFUSED; max age reached' });
    expect(outbox.latest('al-x', 2)[0]).toMatchObject({ status: 'delivered' });
    expect(r.delivered(A)).toEqual(['al-x.r2']);
    const attempts = r.attempts(A);
    expect(attempts.indexOf('al-x.r2')).toBeGreaterThan(attempts.lastIndexOf('al-x'));
  });

  it('after a restart, the start-up scan sends what the outbox owes in order per alert', async () => {
    // A previous process stored these and died before delivering any.
    const outbox = new MemoryOutbox();
    for (const [alertId, revision, agoMs] of [
      ['al-x', 1, 90_000],
      ['al-y', 1, 80_000],
      ['al-x', 3, 70_000],
      ['al-x', 7, 60_000],
      ['al-y', 4, 50_000],
    ] as const) {
      outbox.notifications.push({ alert: alert({ alert_id: alertId, revision }), storedAtMs: START - agoMs });
    }
    // Coming up: each alert's first request fails.
    const failedOnce = new Set<string>();
    const r = receiver((url, id) => {
      if (revisionOf(id) === 1 && !failedOnce.has(url + id)) {
        failedOnce.add(url + id);
        return 503;
      }
      return 200;
    });
    const { d } = make({ fetch: r.fetchImpl }, outbox);
    await d.start();
    await vi.advanceTimersByTimeAsync(60_000);

    for (const url of [A, B]) {
      expect(revisionsPerAlert(r.delivered(url))).toEqual(
        new Map([
          ['al-x', [1, 3, 7]],
          ['al-y', [1, 4]],
        ]),
      );
      for (const revisions of revisionsPerAlert(r.attempts(url)).values()) expect(nondecreasing(revisions)).toBe(true);
    }
  });

  it('an escalation whose opening waits in the outbox (queue full) is not sent ahead of it', async () => {
    const r = receiver(() => 200);
    const { d, outbox } = make({ fetch: r.fetchImpl, endpoints: [{ url: A }], queueCapacity: 1, outboxScanIntervalMs: 30_000 });
    await d.start();
    store(d, outbox, { alert_id: 'al-z', revision: 1 }); // takes the one slot until a scan forgets it
    store(d, outbox, { alert_id: 'al-x', revision: 1 }); // queue full: left in the outbox
    await vi.advanceTimersByTimeAsync(31_000); // the scan at 30 s forgets al-z (room again) but found al-x while still full
    store(d, outbox, { alert_id: 'al-x', revision: 2 }); // room now, yet its opening is still in the outbox
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(r.delivered(A)).toEqual(['al-z', 'al-x', 'al-x.r2']);
  });

  /**
   * The pipeline's writer over a durable output that stores into the outbox (as the ClickHouse
   * output does; `failFirst` attempts of a batch carrying the given revision fail) and the alert
   * notifications follower, as the monitor builds them.
   */
  function pipelineWriter(d: AlertDispatcher, outbox: MemoryOutbox, failing: { revision: number; failFirst: number }) {
    let failures = 0;
    const store: Output = {
      name: 'store',
      role: 'durable',
      write: async (b) => {
        if (b.alerts.some((u) => u.alert.revision === failing.revision) && failures++ < failing.failFirst) throw Object.assign(new Error('clickhouse down'), { retryable: true });
        outbox.notifications.push(...owedRevisions(b.alerts, b.writtenAtMs ?? Date.now(), (u) => ({ ...u.alert, query: '' })));
      },
    };
    return new OutputWriter({
      outputs: [store, alertNotificationOutput(d, (u) => ({ ...u.alert, query: '' }))],
      metrics: new Metrics(false),
      logger: captureLog().logger,
      now: () => Date.now(),
      backoff: { initialMs: 5_000, maxMs: 5_000 },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  }
  const updateOf = (revision: number, status: Alert['status'] = 'open'): AlertUpdate =>
    ({ alert: alert({ alert_id: 'al-x', revision, status }), notify: status !== 'closed', events: { actors: { one: 'al-x' }, eventIds: null, fromMs: 0, toMs: 0 }, state: { alertId: 'al-x' } }) as unknown as AlertUpdate;
  const written = (alerts: AlertUpdate[]): OutputBatch => ({ events: [], rejected: [], alerts, activity: [] });

  it('writes completing out of order (an earlier revision still retried while a later one is stored): the later one waits for it', async () => {
    const r = receiver(() => 200);
    const { d, outbox } = make({ fetch: r.fetchImpl, endpoints: [{ url: A }] });
    await d.start();
    const writer = pipelineWriter(d, outbox, { revision: 1, failFirst: 2 });
    // A tick's write carries the opening and fails twice; a batch's write carries the escalation and is stored at once.
    const tick = writer.write(written([updateOf(1)]), { shouldAbandon: () => false });
    const batch = writer.write(written([updateOf(2)]), { shouldAbandon: () => false });
    expect(await batch).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(r.attempts(A)).toEqual([]); // stored, but its opening is not yet
    expect(d.stats().waitingForEarlier).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await tick).toBe(true);
    expect(r.delivered(A)).toEqual(['al-x', 'al-x.r2']);
    expect(r.attempts(A)).toEqual(['al-x', 'al-x.r2']);
    expect(d.stats().waitingForEarlier).toBe(0);
  });

  it('an announced revision never stored (its output dropped) holds the later one back only for the store-order wait', async () => {
    const r = receiver(() => 200);
    const { d, outbox } = make({ fetch: r.fetchImpl, endpoints: [{ url: A }], storeOrderWaitMs: 120_000, outboxScanIntervalMs: 30_000 });
    await d.start();
    d.announce([{ alertId: 'al-x', revision: 1 }]); // its write began, and its output was dropped
    store(d, outbox, { alert_id: 'al-x', revision: 2 });
    await vi.advanceTimersByTimeAsync(100_000);
    expect(r.attempts(A)).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000); // the first scan after the wait releases it
    expect(r.delivered(A)).toEqual(['al-x.r2']);
  });

});

describe('AlertDispatcher: delivered states are stored soon (issue 7, finding 6)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a crash 150 ms after a delivery does not send it again on the next start', async () => {
    vi.useFakeTimers({ now: START });
    const r = receiver(() => 200);
    const outbox = new MemoryOutbox();
    const first = webhookDispatcher({ endpoints: [{ url: A }], outbox, logger: captureLog().logger, fetch: r.fetchImpl });
    await first.start();
    const n: StoredNotification = { alert: alert({ alert_id: 'al-crash' }), storedAtMs: Date.now() };
    outbox.notifications.push(n);
    first.enqueue([n]);
    await vi.advanceTimersByTimeAsync(150);
    expect(r.delivered(A)).toEqual(['al-crash']);

    // The crash: what storage holds at this instant is all the next process sees.
    const survived = new MemoryOutbox();
    survived.notifications.push(...outbox.notifications);
    survived.rows.push(...outbox.rows);
    const next = webhookDispatcher({ endpoints: [{ url: A }], outbox: survived, logger: captureLog().logger, fetch: r.fetchImpl });
    await next.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.attempts(A)).toEqual(['al-crash']);
    expect(survived.latest('al-crash')[0]).toMatchObject({ status: 'delivered', endpoint_id: endpointIdFromUrl(A) });
    await Promise.all([first.stop(), next.stop()]);
  });
});
