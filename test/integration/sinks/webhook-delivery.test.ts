/**
 * Webhook delivery end to end: alerts stored by the ClickHouse sink, the
 * dispatcher working off the real outbox, a real HTTP receiver.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import type { AlertDispatcher } from '../../../src/runtime/outputs/alerts/dispatcher.js';
import { webhookDispatcher, type WebhookDispatcherOptions } from '../../unit/outputs/alerts/helpers.js';
import { endpointIdFromUrl } from '../../../src/runtime/outputs/alerts/destinations/webhook/endpoint.js';
import type { Alert } from '../../../src/model/alert.js';
import type { FetchLike } from '../../../src/runtime/outputs/alerts/http-attempt.js';
import { alert, update } from '../../unit/sinks/fixtures.js';
import { captureLog, waitFor } from '../../unit/outputs/alerts/helpers.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';
import { WebhookReceiver } from '../../../src/tools/demo/webhook-receiver.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NO_BATCH = { events: [], rejected: [], activity: [] };

interface DeliveryRow {
  status: string;
  attempts: number | string;
  last_http_status: number | null;
  last_error: string;
  endpoint_origin: string;
}

describe('webhook delivery against ClickHouse and a real receiver', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;
  let receiver: WebhookReceiver;
  const dispatchers: AlertDispatcher[] = [];

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 0 });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  });
  afterAll(async () => {
    await receiver?.stop();
    await store?.close();
    await db?.drop();
  });

  function dispatcher(path: string, extra: Partial<WebhookDispatcherOptions> = {}): { d: AlertDispatcher; url: string; log: ReturnType<typeof captureLog> } {
    const url = `${receiver.origin}${path}`;
    const log = captureLog();
    const d = webhookDispatcher({
      endpoints: [{ url, secret: SECRET }],
      outbox: store.deliveryOutbox(),
      logger: log.logger,
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      stateFlushIntervalMs: 20,
      outboxScanIntervalMs: 60_000,
      ...extra,
    });
    dispatchers.push(d);
    return { d, url, log };
  }

  async function storeAlert(a: Alert, notify = true) {
    return store.writeBatch({ ...NO_BATCH, alerts: [update(a, notify)] });
  }

  async function deliveryState(alertId: string, url: string, revision = 1): Promise<DeliveryRow | undefined> {
    const rows = await db.rows<DeliveryRow>(
      `SELECT status, attempts, last_http_status, last_error, endpoint_origin FROM ${db.database}.alert_deliveries FINAL ` +
        `WHERE alert_id = '${alertId}' AND revision = ${revision} AND endpoint_id = '${endpointIdFromUrl(url)}'`,
    );
    return rows[0];
  }

  it('delivers a new alert once, signed, with the alert id as webhook-id', async () => {
    const { d, url } = dispatcher('/hooks/once?token=sekrit-token');
    await d.start();
    const a = alert({ alert_id: 'it-once', first_event_ts: Date.now() - 60_000 });
    const stored = await storeAlert(a);
    d.enqueue(stored.notifications);

    await waitFor(async () => (await deliveryState('it-once', url))?.status === 'delivered', 10_000, 'delivered row');
    const requests = receiver.forWebhookId('it-once');
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.path).toBe('/hooks/once?token=sekrit-token');
    expect(request.headers['webhook-id']).toBe('it-once');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^custos\/\d+\.\d+\.\d+/);
    const verified = new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>) as { type: string; data: { alert_id: string; first_event_ts: string } };
    expect(verified.type).toBe('custos.alert.opened');
    expect(verified.data.alert_id).toBe('it-once');
    expect(verified.data.first_event_ts).toBe(new Date(a.first_event_ts).toISOString());
    expect(await deliveryState('it-once', url)).toMatchObject({ status: 'delivered', last_http_status: 200, endpoint_origin: receiver.origin });

    // A later scan finds nothing owed: still exactly one request.
    await d.scanOutbox();
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.forWebhookId('it-once')).toHaveLength(1);
  });

  it('retries a 500 and delivers on the next attempt with the same webhook-id and body', async () => {
    receiver.script = (path, n, id) => (path === '/hooks/flaky' && id === 'it-flaky.r2' && n === 0 ? 500 : 200);
    const { d, url, log } = dispatcher('/hooks/flaky');
    await d.start();
    const stored = await storeAlert(alert({ alert_id: 'it-flaky', revision: 2, tier: 2, severity: 'critical' }));
    d.enqueue(stored.notifications);

    await waitFor(async () => (await deliveryState('it-flaky', url, 2))?.status === 'delivered', 10_000, 'delivered after retry');
    const requests = receiver.forWebhookId('it-flaky');
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual(['it-flaky.r2', 'it-flaky.r2']);
    expect(requests[1]?.body).toBe(requests[0]?.body);
    expect(JSON.parse(requests[0]!.body).type).toBe('custos.alert.escalated');
    const state = await deliveryState('it-flaky', url, 2);
    expect(Number(state?.attempts)).toBe(2);
    const warn = log.lines.find((l) => l.msg === 'alert delivery failed; will retry');
    expect(warn).toMatchObject({ alert_id: 'it-flaky', http_status: 500, destination: receiver.origin });
  });

  it('records gave_up for a permanent 400, without retrying, and logs the origin only', async () => {
    receiver.script = (path) => (path.startsWith('/hooks/refuse') ? 400 : 200);
    const { d, url, log } = dispatcher('/hooks/refuse/path-token?key=query-token');
    await d.start();
    const stored = await storeAlert(alert({ alert_id: 'it-refused' }));
    d.enqueue(stored.notifications);

    await waitFor(async () => (await deliveryState('it-refused', url))?.status === 'gave_up', 10_000, 'gave_up row');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.forWebhookId('it-refused')).toHaveLength(1);
    expect(await deliveryState('it-refused', url)).toMatchObject({ status: 'gave_up', last_http_status: 400, last_error: 'http 400' });
    const text = log.text();
    expect(text).toContain(receiver.origin);
    expect(text).not.toContain('path-token');
    expect(text).not.toContain('query-token');
    expect(text).not.toContain(SECRET.slice(6));
    expect(text).not.toContain(stored.notifications[0]!.alert.summary);
  });

  it('after a crash, a new dispatcher delivers a stored notify revision that has no delivery row', async () => {
    receiver.script = () => 200;
    // The "crashed" process stored the alert (offsets committed) but never delivered it.
    await storeAlert(alert({ alert_id: 'it-crash' }));
    await storeAlert(alert({ alert_id: 'it-crash-followup', revision: 3 }), false); // not a notification: never sent

    const { d, url } = dispatcher('/hooks/after-restart');
    await d.start(); // the start-up outbox scan
    await waitFor(async () => (await deliveryState('it-crash', url))?.status === 'delivered', 10_000, 'redelivery after restart');
    expect(receiver.forWebhookId('it-crash')).toHaveLength(1);
    expect(receiver.forWebhookId('it-crash-followup')).toHaveLength(0);

    // And a second restart does not send it again.
    await d.stop();
    const { d: again } = dispatcher('/hooks/after-restart');
    await again.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.forWebhookId('it-crash')).toHaveLength(1);
  });

  it("an alert's revisions reach each endpoint in order: receiver down, a restart, receiver up", async () => {
    // Its own receiver, so that it can be down: closed, connections refused.
    const receiver = new WebhookReceiver(SECRET);
    await receiver.start();
    const port = Number(new URL(receiver.origin).port);
    await receiver.stop();
    const urls = ['/hooks/order-a', '/hooks/order-b'].map((path) => `${receiver.origin}${path}`);
    // Every request the dispatchers issue, in order (the receiver sees none while it is down).
    const issued: { url: string; webhookId: string }[] = [];
    const recordingFetch: FetchLike = (url, init) => {
      issued.push({ url, webhookId: (init.headers as Record<string, string>)['webhook-id'] ?? '' });
      return fetch(url, init);
    };
    const make = () => {
      const d = webhookDispatcher({
        endpoints: urls.map((url) => ({ url, secret: SECRET })),
        outbox: store.deliveryOutbox(),
        logger: captureLog().logger,
        fetch: recordingFetch,
        retry: { initialDelayMs: 50, maxDelayMs: 200 },
        stateFlushIntervalMs: 20,
        outboxScanIntervalMs: 60_000,
      });
      dispatchers.push(d);
      return d;
    };
    const tries = (url: string, webhookId: string) => issued.filter((r) => r.url === url && r.webhookId === webhookId).length;
    const live = async (d: AlertDispatcher, a: Partial<Alert>) => d.enqueue((await storeAlert(alert(a))).notifications);

    try {
      const first = make();
      await first.start();
      await live(first, { alert_id: 'it-order-x', revision: 1 });
      await live(first, { alert_id: 'it-order-y', revision: 1 });
      await waitFor(() => urls.every((url) => tries(url, 'it-order-x') >= 2), 20_000, 'the opening failing');
      await live(first, { alert_id: 'it-order-x', revision: 3 });
      await live(first, { alert_id: 'it-order-x', revision: 7 });
      await live(first, { alert_id: 'it-order-y', revision: 2 });
      const before = tries(urls[0]!, 'it-order-x');
      await waitFor(() => tries(urls[0]!, 'it-order-x') >= before + 2, 20_000, 'the opening failing after the escalations were stored');

      // Restart. Meanwhile the old process stored one more escalation that it never handed over.
      await first.stop();
      await storeAlert(alert({ alert_id: 'it-order-x', revision: 12 }));
      const second = make();
      await second.start(); // the start-up scan finds everything owed
      await live(second, { alert_id: 'it-order-x', revision: 56 });
      const afterRestart = tries(urls[1]!, 'it-order-x');
      await waitFor(() => tries(urls[1]!, 'it-order-x') >= afterRestart + 2, 20_000, 'the opening failing after the restart');

      await receiver.start(port); // up again, same address
      const expected = new Map([
        ['it-order-x', [1, 3, 7, 12, 56]],
        ['it-order-y', [1, 2]],
      ]);
      const rows = () =>
        db.rows<{ alert_id: string; revision: number | string; status: string }>(
          `SELECT alert_id, revision, status FROM ${db.database}.alert_deliveries FINAL WHERE alert_id LIKE 'it-order-%' AND status = 'delivered'`,
        );
      await waitFor(async () => (await rows()).length === 2 * 7, 30_000, 'every revision delivered to both endpoints');

      const revisionOf = (id: string) => Number(/\.r(\d+)$/.exec(id)?.[1] ?? 1);
      const perAlert = (ids: readonly string[]) => {
        const out = new Map<string, number[]>();
        for (const id of ids) {
          const alertId = id.replace(/\.r\d+$/, '');
          out.set(alertId, [...(out.get(alertId) ?? []), revisionOf(id)]);
        }
        return out;
      };
      for (const url of urls) {
        const path = new URL(url).pathname;
        // What reached the receiver (all answered 2xx), in arrival order: each revision once, in order, signed.
        // (A new endpoint is also sent what the earlier tests stored: only this test's alerts are compared.)
        const received = receiver.requests.filter((r) => r.path === path && String(r.headers['webhook-id']).startsWith('it-order-'));
        expect(perAlert(received.map((r) => String(r.headers['webhook-id'])))).toEqual(expected);
        for (const r of received) expect(() => new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
        // And no revision was even tried, by either process, before the earlier one was delivered.
        const tried = perAlert(issued.filter((r) => r.url === url && r.webhookId.startsWith('it-order-')).map((r) => r.webhookId));
        expect([...tried.keys()].sort()).toEqual([...expected.keys()]);
        for (const [alertId, revisions] of tried) {
          expect(
            revisions.every((rev, i) => i === 0 || (revisions[i - 1] ?? 0) <= rev),
            `${alertId} at ${path}: ${revisions.join(',')}`,
          ).toBe(true);
        }
      }
    } finally {
      await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
      await receiver.stop();
    }
  });
});
