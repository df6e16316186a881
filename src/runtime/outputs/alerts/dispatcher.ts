/**
 * Delivers alert notifications to their destinations (webhooks, chat, paging,
 * SIEM: destination.ts, destinations/) without holding up the Kafka partition
 * and without losing one across a crash.
 *
 * Durability comes from ClickHouse, not from this process: a notify revision
 * is in `alert_notifications` before the pipeline commits the offsets that
 * produced it. This dispatcher only works off that outbox:
 *  - `enqueue` (after writeBatch) is the fast path: deliver now;
 *  - the outbox scan (at start and periodically) is the safety net: anything
 *    with no final state for a destination (a crash, a full queue) is picked up.
 * Delivery is at least once; the message id (`webhook-id`, a dedup key) lets
 * receivers drop repeats.
 *
 * Each (revision, destination) is a delivery with its own retries; a slow
 * destination uses its own concurrency slots and cannot starve another. An
 * alert's revisions reach each destination in revision order: per (alert,
 * destination) one delivery at a time (src/util/keyed-sequencer.ts), the next
 * starting once the earlier one is delivered or given up. Different alerts
 * proceed in parallel.
 *
 * A later revision is never sent in place of a queued earlier one
 * (superseding): an alert notifies only when its severity or tier rises, so
 * an alert has a handful of notifying revisions at most and the backlog an
 * outage leaves is small; each message is an event receivers act on (the
 * opening creates the ticket or incident that escalations update, and paging
 * or chat destinations need the same trigger-then-update order); and every
 * message keeps its at-least-once promise. Waiting costs at most one backoff
 * interval of the earliest revision after the receiver recovers.
 *
 * Writes can complete out of order (a tick's closing revision still being
 * retried while a batch's next revision is stored): the writer announces
 * each owed revision when its write begins, and a stored revision whose
 * alert has an earlier one announced but not stored waits for it
 * (store-order-gate.ts), on the live path and in the outbox scan alike.
 */
import type { Logger } from 'pino';
import type { Alert } from '../../../model/alert.js';
import { KeyedSequencer } from '../../../util/keyed-sequencer.js';
import { DEFAULT_FLUSH_DELAYS, DeliveryStateBuffer } from './delivery-state-buffer.js';
import type { Destination, PreparedMessage } from './destination.js';
import type { DeliveryOutbox, DeliveryStatus, StoredNotification } from './outbox.js';
import { DEFAULT_RETRY_POLICY, nextDelayMs, type AttemptOutcome, type RetryPolicy } from './retry-policy.js';
import { StoreOrderGate, type AnnouncedRevision } from './store-order-gate.js';

/** The outbox scan looks back the max age plus this, so expired messages still get their gave_up row. */
export const OUTBOX_SCAN_EXTRA_MS = 3_600_000;

export interface AlertDispatcherOptions {
  readonly destinations: readonly Destination[];
  readonly outbox: DeliveryOutbox;
  /** A child logger for this component; lines carry alert ids and destination labels, never URLs, secrets or payloads. */
  readonly logger: Logger;
  readonly retry?: Partial<RetryPolicy>;
  /** One attempt's timeout. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Deliveries held in memory across all destinations; beyond it they wait in the outbox. Default 10,000. */
  readonly queueCapacity?: number;
  /** Parallel requests per destination. Default 4. */
  readonly concurrencyPerDestination?: number;
  /** Default 30 s. */
  readonly outboxScanIntervalMs?: number;
  /** How far back the outbox scan looks; default the max age plus one hour, so expired messages get their gave_up row. */
  readonly outboxLookbackMs?: number;
  /** How soon `pending` and `failed` states are stored. Default 1 s. */
  readonly stateFlushIntervalMs?: number;
  /**
   * How soon `delivered` and `gave_up` states are stored (at most
   * stateFlushIntervalMs). Default 100 ms: a message delivered within this
   * long before a crash is sent again on the next start.
   */
  readonly finalStateFlushDelayMs?: number;
  /**
   * How long a stored revision waits for an earlier revision of its alert
   * that was announced (its write began) but is not stored yet. Default 2 min:
   * a write is retried until stored, so only output that was dropped (its
   * partition moved to another instance) is not stored within it.
   */
  readonly storeOrderWaitMs?: number;
  /** How long stop() waits for requests in flight before aborting them. Default 10 s. */
  readonly stopTimeoutMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface DispatcherStats {
  /** Deliveries held in memory (waiting, in flight, or final but not yet stored). */
  readonly queued: number;
  readonly inFlight: number;
  readonly delivered: number;
  readonly gaveUp: number;
  readonly failedAttempts: number;
  /**
   * Admissions left to the outbox scan (they stay in the outbox): the queue
   * was full, or an escalation arrived while an earlier revision of the same
   * alert might be waiting in the outbox unseen.
   */
  readonly deferredToOutbox: number;
  /** Stored revisions waiting for an earlier revision of their alert to be stored (see storeOrderWaitMs). */
  readonly waitingForEarlier: number;
}

interface Endpoint {
  readonly destination: Destination;
  readonly id: string;
  readonly origin: string;
  readonly severities: readonly Destination['severities'][number][];
  /** What the dispatcher knows of this destination's outbox, for ordering live escalations. */
  readonly owed: OwedState;
}

interface OwedState {
  /**
   * Every notification owed to the endpoint (no final state) is held in
   * memory: true after a scan that saw the whole owed set and admitted all of
   * it, with no deferral since its query started. Only then may a live
   * escalation be admitted directly; otherwise an earlier revision of its
   * alert may be waiting in the outbox, and the escalation goes there too so
   * that a scan admits both, in order.
   */
  allInMemory: boolean;
  /** Deferrals so far (scan and live); a scan compares it before and after its query. */
  deferrals: number;
}

interface Delivery {
  readonly key: string;
  /** Per (alert, endpoint): its revisions go one after another. */
  readonly lane: string;
  readonly endpoint: Endpoint;
  readonly alert: Alert;
  readonly message: PreparedMessage;
  readonly createdAtMs: number;
  attempts: number;
  lastUpdatedMs: number;
  timer: NodeJS.Timeout | null;
  /** A final state was recorded; the delivery is kept until that state is stored and a later scan has run. */
  final: boolean;
  finalStoredAtMs: number | null;
}

const keyOf = (alert: Alert, endpointId: string): string => `${alert.alert_id}\u0000${alert.revision}\u0000${endpointId}`;
const laneOf = (alert: Alert, endpointId: string): string => `${alert.alert_id}\u0000${endpointId}`;

type Admission = 'admitted' | 'deferred' | 'skipped';

export class AlertDispatcher {
  private readonly endpoints: readonly Endpoint[];
  private readonly policy: RetryPolicy;
  private readonly deliveries = new Map<string, Delivery>();
  /** Deliveries not final yet, one started per (alert, endpoint); a started one is in `ready`, in flight or waiting for its retry timer. */
  private readonly inOrder = new KeyedSequencer<Delivery>();
  private startingReady = false;
  private readonly ready = new Map<string, Delivery[]>();
  private readonly inFlightPerEndpoint = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly states: DeliveryStateBuffer;
  private readonly storeOrder: StoreOrderGate;
  private readonly cancel = new AbortController();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly capacity: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private scanTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  /** Start time of the last completed outbox scan (-1: none yet). */
  private lastScanStartedAt = -1;
  private started = false;
  private stopping = false;
  private counters = { delivered: 0, gaveUp: 0, failedAttempts: 0, deferredToOutbox: 0 };

  constructor(private readonly options: AlertDispatcherOptions) {
    this.endpoints = options.destinations.map((destination) => ({
      destination,
      id: destination.id,
      origin: destination.label,
      severities: destination.severities,
      owed: { allInMemory: false, deferrals: 0 },
    }));
    const ids = new Set(this.endpoints.map((e) => e.id));
    if (ids.size !== this.endpoints.length) throw new RangeError('alert destinations must have distinct ids (the same URL twice?)');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.capacity = options.queueCapacity ?? 10_000;
    this.concurrency = options.concurrencyPerDestination ?? 4;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    const otherMs = options.stateFlushIntervalMs ?? DEFAULT_FLUSH_DELAYS.otherMs;
    const finalMs = Math.min(otherMs, options.finalStateFlushDelayMs ?? DEFAULT_FLUSH_DELAYS.finalMs);
    this.states = new DeliveryStateBuffer(options.outbox, this.logger, { finalMs, otherMs }, this.now);
    this.storeOrder = new StoreOrderGate(options.storeOrderWaitMs ?? 120_000, this.now);
  }

  /** Runs the first outbox scan (re-delivering what a previous process left), then scans periodically. Call before enqueue. */
  async start(): Promise<void> {
    if (this.started || this.endpoints.length === 0) return;
    this.started = true;
    const opened: Destination[] = [];
    try {
      for (const e of this.endpoints) {
        await e.destination.start?.();
        opened.push(e.destination);
      }
    } catch (err) {
      // The caller never stops a dispatcher that failed to start: close what did open (a producer, say) here.
      for (const d of opened.reverse()) await d.stop?.().catch(() => undefined);
      throw err;
    }
    await this.scanOutbox();
    this.scanTimer = setInterval(() => void this.scanOutbox(), this.options.outboxScanIntervalMs ?? 30_000);
    this.scanTimer.unref();
  }

  /** Revisions a write that begins carries (those that notify or close): a later revision of the same alert stored first waits for them. */
  announce(revisions: readonly AnnouncedRevision[]): void {
    if (this.endpoints.length === 0) return;
    for (const r of revisions) this.storeOrder.announce(r);
  }

  /** Non-blocking: call with WriteBatchResult.notifications once the batch is stored. */
  enqueue(notifications: readonly StoredNotification[]): void {
    for (const notification of notifications) this.storeOrder.stored(notification.alert);
    for (const notification of notifications) {
      if (this.storeOrder.waits(notification.alert)) this.storeOrder.hold(notification);
      else this.admitEverywhere(notification);
    }
    for (const notification of this.storeOrder.released()) this.admitEverywhere(notification);
    this.startReady();
  }

  private admitEverywhere(notification: StoredNotification): void {
    for (const endpoint of this.endpoints) this.admit(notification, endpoint, true);
  }

  /** Announced revisions never stored within storeOrderWaitMs hold nothing back any longer. */
  private releaseOverdue(): void {
    for (const r of this.storeOrder.expire()) {
      this.logger.warn({ alert_id: r.alertId, revision: r.revision }, 'an alert revision announced by a write was not stored in time (its output dropped?); later revisions are sent without waiting for it');
    }
    for (const notification of this.storeOrder.released()) this.admitEverywhere(notification);
  }

  /** Waits (bounded) for requests in flight, aborts what is left, and stores the delivery states. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    for (const d of this.deliveries.values()) if (d.timer) clearTimeout(d.timer);
    await this.scanning;
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.stopTimeoutMs ?? 10_000)));
      await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
      clearTimeout(timer);
      this.cancel.abort();
      await Promise.allSettled([...this.inFlight]);
    }
    await this.states.stop();
    for (const e of this.endpoints) await e.destination.stop?.().catch(() => undefined);
    if (this.states.size > 0) this.logger.warn({ rows: this.states.size }, 'delivery states not stored at stop; those messages will be sent again on the next start');
  }

  stats(): DispatcherStats {
    return { queued: this.deliveries.size, inFlight: this.inFlight.size, ...this.counters, waitingForEarlier: this.storeOrder.heldCount };
  }

  /** Scan the outbox now (tests; the periodic timer calls the same). */
  scanOutbox(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (!this.scanning) this.scanning = this.runScan().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async runScan(): Promise<void> {
    const startedAt = this.now();
    const lookback = this.options.outboxLookbackMs ?? this.policy.maxAgeMs + OUTBOX_SCAN_EXTRA_MS;
    this.forgetSettled(this.lastScanStartedAt);
    this.releaseOverdue();
    let deferred = 0;
    for (const endpoint of this.endpoints) {
      const deferralsBefore = endpoint.owed.deferrals;
      try {
        const found = await this.options.outbox.findUndelivered({
          endpointId: endpoint.id,
          sinceMs: Math.max(0, startedAt - lookback),
          severities: endpoint.severities,
          closings: endpoint.destination.closings,
          limit: this.capacity,
        });
        // Admit the whole result before starting any: the sequencer then starts each alert's lowest revision.
        for (const notification of found) {
          // Its alert's earlier revision is still being written: the live path (or a later scan) brings it in after that one.
          if (this.storeOrder.waits(notification.alert)) endpoint.owed.deferrals++;
          else if (this.admit(notification, endpoint, false) === 'deferred') deferred++;
        }
        // A full page may have left owed notifications unread.
        endpoint.owed.allInMemory = found.length < this.capacity && endpoint.owed.deferrals === deferralsBefore;
      } catch (err) {
        endpoint.owed.allInMemory = false;
        this.logger.warn({ destination: endpoint.origin, err: err instanceof Error ? err.message : 'unknown' }, 'alert outbox scan failed; will retry');
      }
      this.startReady();
    }
    if (deferred > 0) this.logger.warn({ deferred, capacity: this.capacity }, 'alert delivery queue full; notifications wait in the outbox');
    this.lastScanStartedAt = startedAt;
    this.forgetSettled(startedAt);
  }

  /**
   * Drops final deliveries whose state was stored before `scanStartedAt`, a
   * scan that has completed: its query saw that state, so neither it nor any
   * later scan can bring the delivery back. Earlier, the in-memory entry is
   * what stops a scan already under way from sending the message again.
   */
  private forgetSettled(scanStartedAt: number): void {
    for (const [key, d] of this.deliveries) {
      if (d.final && d.finalStoredAtMs !== null && d.finalStoredAtMs <= scanStartedAt) this.deliveries.delete(key);
    }
  }

  /** Holds the delivery (not started yet: see startReady), or leaves it in the outbox for a scan. */
  private admit(notification: StoredNotification, endpoint: Endpoint, live: boolean): Admission {
    const { alert } = notification;
    if (this.stopping || !endpoint.severities.includes(alert.severity)) return 'skipped';
    if (alert.status === 'closed' && !endpoint.destination.closings) return 'skipped';
    const key = keyOf(alert, endpoint.id);
    if (this.deliveries.has(key)) return 'skipped';
    // An escalation may only overtake the outbox when nothing owed is unseen;
    // else a scan (oldest first) brings it in after its alert's earlier revisions.
    const orderUnknown = live && alert.revision > 1 && !endpoint.owed.allInMemory;
    if (orderUnknown || this.deliveries.size >= this.capacity) {
      this.counters.deferredToOutbox++;
      endpoint.owed.deferrals++;
      endpoint.owed.allInMemory = false;
      return 'deferred';
    }
    const delivery: Delivery = {
      key,
      lane: laneOf(alert, endpoint.id),
      endpoint,
      alert,
      message: endpoint.destination.prepare(notification),
      createdAtMs: notification.storedAtMs,
      attempts: 0,
      lastUpdatedMs: 0,
      timer: null,
      final: false,
      finalStoredAtMs: null,
    };
    this.deliveries.set(key, delivery);
    this.inOrder.add(delivery.lane, alert.revision, delivery);
    // Only the live path records `pending`: for a recovered delivery it would
    // overwrite a more informative `failed` row left by the previous process.
    if (live) this.record(delivery, 'pending', null, '');
    return 'admitted';
  }

  /**
   * Starts every delivery that is next in its (alert, endpoint) order. One
   * that has passed its max age (waiting for an earlier revision, or found
   * late in the outbox) is given up without an attempt, which lets the next
   * revision start in the same pass.
   */
  private startReady(): void {
    if (this.startingReady) return; // finish() inside the loop below: the loop picks up what it released
    this.startingReady = true;
    try {
      for (let batch = this.inOrder.startable(); batch.length > 0; batch = this.inOrder.startable()) {
        for (const delivery of batch) {
          if (this.stopping) continue;
          if (this.now() - delivery.createdAtMs > this.policy.maxAgeMs) this.finish(delivery, 'gave_up', null, 'max age exceeded before delivery');
          else this.makeReady(delivery);
        }
      }
    } finally {
      this.startingReady = false;
    }
  }

  /** Into the endpoint's queue for a concurrency slot (a started delivery, or one whose retry is due). */
  private makeReady(delivery: Delivery): void {
    const queue = this.ready.get(delivery.endpoint.id) ?? [];
    queue.push(delivery);
    this.ready.set(delivery.endpoint.id, queue);
    this.pump(delivery.endpoint);
  }

  private pump(endpoint: Endpoint): void {
    const queue = this.ready.get(endpoint.id);
    while (!this.stopping && queue && queue.length > 0 && (this.inFlightPerEndpoint.get(endpoint.id) ?? 0) < this.concurrency) {
      const delivery = queue.shift();
      if (!delivery) break;
      this.inFlightPerEndpoint.set(endpoint.id, (this.inFlightPerEndpoint.get(endpoint.id) ?? 0) + 1);
      const attempt: Promise<void> = this.attempt(delivery).finally(() => {
        this.inFlight.delete(attempt);
        this.inFlightPerEndpoint.set(endpoint.id, (this.inFlightPerEndpoint.get(endpoint.id) ?? 1) - 1);
        this.pump(endpoint);
      });
      this.inFlight.add(attempt);
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts++;
    let outcome: AttemptOutcome;
    try {
      outcome = await delivery.endpoint.destination.send(delivery.message, { timeoutMs: this.timeoutMs, cancel: this.cancel.signal, now: new Date(this.now()) });
    } catch {
      outcome = { kind: 'retry', httpStatus: null, error: 'internal error', retryAfterMs: null };
    }
    this.onOutcome(delivery, outcome);
  }

  private onOutcome(d: Delivery, outcome: AttemptOutcome): void {
    const context = { alert_id: d.alert.alert_id, revision: d.alert.revision, destination: d.endpoint.origin, attempt: d.attempts };
    if (outcome.kind === 'delivered') {
      this.counters.delivered++;
      this.logger.debug({ ...context, http_status: outcome.httpStatus }, 'alert delivered');
      this.finish(d, 'delivered', outcome.httpStatus, '');
      return;
    }
    if (outcome.kind === 'permanent') {
      this.logger.warn({ ...context, http_status: outcome.httpStatus, error: outcome.error }, 'alert refused by receiver; giving up');
      this.finish(d, 'gave_up', outcome.httpStatus, outcome.error);
      return;
    }
    this.counters.failedAttempts++;
    if (this.stopping) {
      // Left for the next start's outbox scan.
      this.record(d, 'failed', outcome.httpStatus, outcome.error);
      return;
    }
    const delay = nextDelayMs(d.attempts, outcome.retryAfterMs, this.policy, this.random);
    if (this.now() + delay - d.createdAtMs > this.policy.maxAgeMs) {
      this.logger.warn({ ...context, http_status: outcome.httpStatus, error: outcome.error }, 'alert delivery failed past its max age; giving up');
      this.finish(d, 'gave_up', outcome.httpStatus, `${outcome.error}; max age reached`);
      return;
    }
    this.logger.warn({ ...context, http_status: outcome.httpStatus, error: outcome.error, retry_in_ms: delay }, 'alert delivery failed; will retry');
    this.record(d, 'failed', outcome.httpStatus, outcome.error);
    d.timer = setTimeout(() => {
      d.timer = null;
      this.makeReady(d);
    }, delay);
    d.timer.unref();
  }

  /** Delivered or given up: final, and the alert's next revision to this endpoint may start. */
  private finish(d: Delivery, status: 'delivered' | 'gave_up', httpStatus: number | null, error: string): void {
    if (status === 'gave_up') this.counters.gaveUp++;
    d.final = true;
    this.record(d, status, httpStatus, error, () => {
      d.finalStoredAtMs = this.now();
    });
    this.inOrder.finish(d.lane);
    this.startReady();
  }

  private record(d: Delivery, status: DeliveryStatus, httpStatus: number | null, error: string, onStored?: () => void): void {
    // Strictly increasing per delivery: the table keeps the row with the highest updated_at_ms.
    d.lastUpdatedMs = Math.max(this.now(), d.lastUpdatedMs + 1);
    this.states.add(
      {
        alert_id: d.alert.alert_id,
        revision: d.alert.revision,
        endpoint_id: d.endpoint.id,
        endpoint_origin: d.endpoint.origin,
        status,
        attempts: d.attempts,
        last_http_status: httpStatus,
        last_error: error,
        updated_at_ms: d.lastUpdatedMs,
      },
      onStored,
    );
  }
}
