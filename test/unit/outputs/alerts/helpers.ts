/** Test doubles for the webhook sink: a log capture, an in-memory outbox, polling. */
import pino, { type Logger } from 'pino';
import type { Severity } from '../../../../src/model/alert.js';
import { AlertDispatcher, type AlertDispatcherOptions } from '../../../../src/runtime/outputs/alerts/dispatcher.js';
import { webhookDestination } from '../../../../src/runtime/outputs/alerts/destinations/webhook/index.js';
import type { FetchLike } from '../../../../src/runtime/outputs/alerts/http-attempt.js';
import { defaultUserAgent } from '../../../../src/runtime/outputs/alerts/user-agent.js';
import type { DeliveryOutbox, DeliveryStateRow, FindUndeliveredQuery, StoredNotification } from '../../../../src/runtime/outputs/alerts/outbox.js';

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
      .filter((n) => n.storedAtMs >= q.sinceMs && q.severities.includes(n.alert.severity) && (q.closings || n.alert.status !== 'closed') && !final.has(`${n.alert.alert_id}.${n.alert.revision}`))
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

/** The dispatcher's options with webhook destinations given as endpoints (what these tests are about), as before the destination list. */
export type WebhookDispatcherOptions = Omit<AlertDispatcherOptions, 'destinations'> & {
  readonly endpoints: readonly { url: string; secret?: string | null; minSeverity?: Severity; id?: string }[];
  /** Default: the global fetch. */
  readonly fetch?: FetchLike;
  readonly userAgent?: string;
};

/** A dispatcher over webhook destinations, built the way the monitor builds configured ones. */
export function webhookDispatcher(o: WebhookDispatcherOptions): AlertDispatcher {
  const { endpoints, fetch, userAgent, ...rest } = o;
  const destinations = endpoints.map((e) =>
    webhookDestination(
      { url: e.url, ...(e.secret ? { secret: e.secret } : {}), ...(e.minSeverity ? { min_severity: e.minSeverity } : {}), ...(e.id ? { id: e.id } : {}) },
      { fetch: fetch ?? ((url, init) => globalThis.fetch(url, init)), userAgent: userAgent ?? defaultUserAgent() },
    ),
  );
  return new AlertDispatcher({ ...rest, destinations });
}
