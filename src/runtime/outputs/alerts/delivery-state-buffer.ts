/**
 * Collects delivery state changes and stores them in one insert per flush,
 * so a burst of deliveries costs one request, not one per message. A failed
 * flush keeps the rows for the next one (bounded: beyond the bound the oldest
 * are dropped, which at worst re-delivers a message after a restart).
 *
 * Final states are stored soon (100 ms by default), the others later (1 s):
 * a `delivered` row not yet stored when the process dies is a message the
 * next start sends again, so that window is kept short; a `pending` or
 * `failed` row lost in a crash costs nothing (the delivery is owed either
 * way), so those wait and share an insert. The short delay still batches
 * every delivery of a burst, keeping ClickHouse at no more than about ten
 * small inserts a second.
 */
import type { Logger } from 'pino';
import type { DeliveryOutbox, DeliveryStateRow } from './outbox.js';

interface Pending {
  readonly row: DeliveryStateRow;
  /** Called once the row is stored (or dropped): the dispatcher may then forget the delivery. */
  readonly onDone: (() => void) | undefined;
}

export interface DeliveryStateFlushDelays {
  /** After a `delivered` or `gave_up` state. */
  readonly finalMs: number;
  /** After a `pending` or `failed` state, and after a failed flush. */
  readonly otherMs: number;
}

export const DEFAULT_FLUSH_DELAYS: DeliveryStateFlushDelays = Object.freeze({ finalMs: 100, otherMs: 1000 });

const isFinal = (row: DeliveryStateRow): boolean => row.status === 'delivered' || row.status === 'gave_up';

export class DeliveryStateBuffer {
  private pending: Pending[] = [];
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = Infinity;
  private stopped = false;

  constructor(
    private readonly outbox: DeliveryOutbox,
    private readonly logger: Logger,
    private readonly delays: DeliveryStateFlushDelays = DEFAULT_FLUSH_DELAYS,
    private readonly now: () => number = Date.now,
    private readonly maxBuffered = 50_000,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /** Buffers a state and makes sure a flush is due within its delay. */
  add(row: DeliveryStateRow, onDone?: () => void): void {
    this.pending.push({ row, onDone });
    if (this.pending.length > this.maxBuffered) {
      const dropped = this.pending.splice(0, this.pending.length - this.maxBuffered);
      this.logger.warn({ dropped: dropped.length }, 'delivery state buffer full; oldest states dropped (those messages may be sent again after a restart)');
      for (const p of dropped) p.onDone?.();
    }
    this.scheduleWithin(isFinal(row) ? this.delays.finalMs : this.delays.otherMs);
  }

  /** Stores everything buffered; concurrent calls share one request. Never throws. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight.then(() => (this.pending.length > 0 ? this.flush() : undefined));
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    this.inFlight = this.outbox
      .recordDeliveries(batch.map((p) => p.row))
      .then(
        () => {
          for (const p of batch) p.onDone?.();
        },
        (err: unknown) => {
          this.pending = batch.concat(this.pending);
          this.logger.warn({ rows: batch.length, err: err instanceof Error ? err.message : 'unknown' }, 'could not store webhook delivery states; will retry');
        },
      )
      .finally(() => {
        this.inFlight = null;
        // Rows put back by a failure, or added while this flush ran without a timer of their own.
        if (this.pending.length > 0) this.scheduleWithin(this.delays.otherMs);
      });
    return this.inFlight;
  }

  /** No more timers; stores what is buffered, once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.flush();
  }

  /** Keeps an earlier timer; replaces a later one. No timer runs while nothing is buffered. */
  private scheduleWithin(delayMs: number): void {
    if (this.stopped) return;
    const dueAt = this.now() + delayMs;
    if (this.timer && this.timerDueAt <= dueAt) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDueAt = Infinity;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDueAt = Infinity;
  }
}
