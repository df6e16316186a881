/**
 * How many webhook messages a crash would send twice: for every message
 * delivered to a local receiver, the time from the receiver's 2xx to its
 * `delivered` row being stored in ClickHouse (the window in which a crash
 * makes the next start send it again). Alerts are stored and handed to the
 * dispatcher at a steady rate; the same run measures the final-state flush
 * delay before this change (1 s) and the current default, one after the other.
 *
 *   npm run bench:webhook-window -- [--rate 50] [--seconds 10]
 *
 * Prints, per setting, the window's mean, p50, p99 and max, and the expected
 * number of messages a crash at a random instant re-sends (rate × mean
 * window), besides the requests in flight at that instant (re-sent in any
 * case; duplicates only if the receiver had processed them).
 * ClickHouse URL from CUSTOS_CLICKHOUSE_URL, default http://127.0.0.1:8123;
 * a scratch database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { WebhookReceiver } from '../../demo/webhook-receiver.js';
import { alertStateOf } from '../../../runtime/engine/alerts/alert-state.js';
import { OpenAlert } from '../../../runtime/engine/alerts/open-alert.js';
import type { AlertUpdate } from '../../../runtime/engine/api.js';
import type { Alert } from '../../../model/alert.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { AlertDispatcher } from '../../../runtime/outputs/alerts/dispatcher.js';
import { webhookDestination } from '../../../runtime/outputs/alerts/destinations/webhook/index.js';
import type { FetchLike } from '../../../runtime/outputs/alerts/http-attempt.js';
import type { DeliveryOutbox } from '../../../runtime/outputs/alerts/outbox.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

const { values: args } = parseArgs({ options: { rate: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' } } });
// Each message is its own writeBatch (one insert), as an alert of its own batch would be: above
// about 50/s on two cores the producing loop, not the dispatcher, sets the pace.
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const URL_ = process.env.CUSTOS_CLICKHOUSE_URL || 'http://127.0.0.1:8123';

function benchAlert(id: string): Alert {
  const now = Date.now();
  return {
    alert_id: id,
    revision: 1,
    rule_id: 'bench',
    rule_version: '1',
    rule_kind: 'policy',
    severity: 'high',
    tier: 1,
    actor_id: 'emp-bench',
    actor_role: 'support_agent',
    actor_department: 'support',
    employment_status: 'active',
    window_start: now - 60_000,
    window_end: now,
    window_label: 'request',
    observed: 1,
    baseline: null,
    baseline_source: null,
    score: null,
    first_event_ts: now,
    last_event_ts: now,
    event_count: 1,
    suppressed_count: 0,
    event_ids: ['ev-bench'],
    summary: 'bench',
    explanation: {},
    query: '',
    status: 'open',
  };
}

/** An opening revision as the engine would hand it to the store (the state is what restore would rebuild from it). */
const opening = (a: Alert): AlertUpdate => ({
  alert: a,
  events: { actors: { one: a.actor_id }, eventIds: null, fromMs: a.window_start, toMs: a.last_event_ts },
  notify: true,
  state: alertStateOf(OpenAlert.fromAlert(a)),
});

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function measure(label: string, finalStateFlushDelayMs: number, store: ClickHouseStore, receiverUrl: string): Promise<string> {
  const acknowledged = new Map<string, number>();
  const stored = new Map<string, number>();
  let inFlightMs = 0;
  const fetchImpl: FetchLike = async (url, init) => {
    const started = performance.now();
    const response = await fetch(url, init);
    const done = performance.now();
    inFlightMs += done - started;
    const id = (init.headers as Record<string, string>)['webhook-id'] ?? '';
    if (response.status < 300 && !acknowledged.has(id)) acknowledged.set(id, done);
    return response;
  };
  const inner = store.deliveryOutbox();
  const outbox: DeliveryOutbox = {
    findUndelivered: (q) => inner.findUndelivered(q),
    async recordDeliveries(rows) {
      await inner.recordDeliveries(rows);
      const at = performance.now();
      for (const row of rows) if (row.status === 'delivered') stored.set(row.revision <= 1 ? row.alert_id : `${row.alert_id}.r${row.revision}`, at);
    },
  };
  const dispatcher = new AlertDispatcher({
    destinations: [webhookDestination({ url: receiverUrl }, { fetch: fetchImpl, userAgent: 'custos-bench' })],
    outbox,
    logger: pino({ level: 'silent' }),
    finalStateFlushDelayMs,
  });
  await dispatcher.start();
  const prefix = `bench-${label}-${randomBytes(4).toString('hex')}`;
  const total = Math.round(RATE * SECONDS);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const result = await store.writeBatch({ events: [], rejected: [], activity: [], alerts: [opening(benchAlert(`${prefix}-${i}`))] });
    dispatcher.enqueue(result.notifications);
  }
  const deadline = performance.now() + 30_000;
  while (stored.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const duration = (performance.now() - t0) / 1000;
  await dispatcher.stop();
  const windows = [...acknowledged].map(([id, at]) => (stored.get(id) ?? NaN) - at).filter((w) => Number.isFinite(w));
  windows.sort((a, b) => a - b);
  const mean = windows.reduce((a, b) => a + b, 0) / Math.max(1, windows.length);
  const exposed = windows.reduce((a, b) => a + b, 0) / 1000 / duration;
  const inFlight = inFlightMs / 1000 / duration;
  return (
    `${label.padEnd(26)} ${String(windows.length).padStart(6)} ${mean.toFixed(0).padStart(7)} ${quantile(windows, 0.5).toFixed(0).padStart(6)} ` +
    `${quantile(windows, 0.99).toFixed(0).padStart(6)} ${(windows.at(-1) ?? NaN).toFixed(0).padStart(6)} ${exposed.toFixed(2).padStart(12)} ${inFlight.toFixed(2).padStart(10)}`
  );
}

async function main(): Promise<void> {
  const database = `custos_bench_${randomBytes(6).toString('hex')}`;
  const store = await ClickHouseStore.open({ url: URL_, username: 'default', password: '', database, retentionDays: 0 });
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  try {
    console.log(`${RATE} messages/s for ${SECONDS} s; window = receiver's 2xx to the delivered row stored (ms)`);
    console.log(`${'final-state flush delay'.padEnd(26)} ${'msgs'.padStart(6)} ${'mean'.padStart(7)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} ${'resent/crash'.padStart(12)} ${'in flight'.padStart(10)}`);
    console.log(await measure('1000 ms (before)', 1000, store, url));
    console.log(await measure('100 ms (default)', 100, store, url));
  } finally {
    await receiver.stop();
    // Retried: on a loaded machine the drop right after a burst of inserts can time out.
    for (let attempt = 1; ; attempt++) {
      try {
        await dropSchema(store.client, database);
        break;
      } catch (err) {
        if (attempt >= 3) {
          console.error(`could not drop the scratch database ${database}`);
          throw err;
        }
      }
    }
    await store.close();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
