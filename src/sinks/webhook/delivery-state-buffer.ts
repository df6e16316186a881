/**
 * Collects delivery state changes and stores them in one insert per flush,
 * so a burst of deliveries costs one request, not one per message. A failed
 * flush keeps the rows for the next one (bounded: beyond the bound the oldest
 * are dropped, which at worst re-delivers a message after a restart).
 */
import type { Logger } from 'pino';
import type { DeliveryOutbox, DeliveryStateRow } from './outbox.js';

interface Pending {
  readonly row: DeliveryStateRow;
  /** Called once the row is stored (or dropped): the dispatcher may then forget the delivery. */
  readonly onDone: (() => void) | undefined;
}

export class DeliveryStateBuffer {
  private pending: Pending[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly outbox: DeliveryOutbox,
    private readonly logger: Logger,
    private readonly maxBuffered = 50_000,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(row: DeliveryStateRow, onDone?: () => void): void {
    this.pending.push({ row, onDone });
    if (this.pending.length > this.maxBuffered) {
      const dropped = this.pending.splice(0, this.pending.length - this.maxBuffered);
      this.logger.warn({ dropped: dropped.length }, 'delivery state buffer full; oldest states dropped (those messages may be sent again after a restart)');
      for (const p of dropped) p.onDone?.();
    }
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
      });
    return this.inFlight;
  }
}
