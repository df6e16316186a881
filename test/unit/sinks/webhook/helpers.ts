/** Test doubles for the webhook sink: a log capture, an in-memory outbox, polling. */
import pino, { type Logger } from 'pino';
import type { DeliveryOutbox, DeliveryStateRow, FindUndeliveredQuery, StoredNotification } from '../../../../src/runtime/outputs/webhook/outbox.js';

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  readonly text: () => string;
}

export function captureLog(level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}

/** Keeps notifications and delivery rows in arrays; mirrors the ClickHouse outbox's query semantics. */
export class MemoryOutbox implements DeliveryOutbox {
  readonly notifications: StoredNotification[] = [];
  readonly rows: DeliveryStateRow[] = [];
  failWrites = false;

  async findUndelivered(q: FindUndeliveredQuery): Promise<StoredNotification[]> {
    const final = new Set(
      this.rows.filter((r) => r.endpoint_id === q.endpointId && (r.status === 'delivered' || r.status === 'gave_up')).map((r) => `${r.alert_id}.${r.revision}`),
    );
    return this.notifications
      .filter((n) => n.storedAtMs >= q.sinceMs && q.severities.includes(n.alert.severity) && !final.has(`${n.alert.alert_id}.${n.alert.revision}`))
      .slice(0, q.limit);
  }

  async recordDeliveries(rows: readonly DeliveryStateRow[]): Promise<void> {
    if (this.failWrites) throw new Error('outbox down');
    this.rows.push(...rows);
  }

  /** The latest state per (alert, revision, endpoint), as ReplacingMergeTree(updated_at_ms) would keep it. */
  latest(alertId: string, revision = 1): DeliveryStateRow[] {
    const byEndpoint = new Map<string, DeliveryStateRow>();
    for (const r of this.rows) {
      if (r.alert_id !== alertId || r.revision !== revision) continue;
      const current = byEndpoint.get(r.endpoint_id);
      if (!current || current.updated_at_ms <= r.updated_at_ms) byEndpoint.set(r.endpoint_id, r);
    }
    return [...byEndpoint.values()];
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
