/**
 * The message: Standard Webhooks style `{type, timestamp, data}`, where data
 * is the Alert with ISO-8601 times and the explanation as an object. The body
 * is built once per message and sent byte-identical on every retry.
 */
import type { Alert } from '../../../model/alert.js';

export type AlertEventType = 'custos.alert.opened' | 'custos.alert.escalated';

/** Revision 1 is the opening; any later notifying revision is an escalation. */
export function eventTypeOf(alert: Alert): AlertEventType {
  return alert.revision <= 1 ? 'custos.alert.opened' : 'custos.alert.escalated';
}

/**
 * `webhook-id`: unique per message, identical across its retries, so the
 * receiver can deduplicate. The opening is the alert_id itself (a receiver
 * that only knows alerts can use it as is); escalations add the revision.
 */
export function webhookIdOf(alert: Alert): string {
  return alert.revision <= 1 ? alert.alert_id : `${alert.alert_id}.r${alert.revision}`;
}

export interface AlertPayloadData extends Omit<Alert, 'window_start' | 'window_end' | 'first_event_ts' | 'last_event_ts'> {
  readonly window_start: string;
  readonly window_end: string;
  readonly first_event_ts: string;
  readonly last_event_ts: string;
}

export interface AlertPayload {
  readonly type: AlertEventType;
  /** When the notification was created (the revision was stored), ISO-8601 UTC. */
  readonly timestamp: string;
  readonly data: AlertPayloadData;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function alertPayload(alert: Alert, createdAtMs: number): AlertPayload {
  return {
    type: eventTypeOf(alert),
    timestamp: iso(createdAtMs),
    data: {
      ...alert,
      window_start: iso(alert.window_start),
      window_end: iso(alert.window_end),
      first_event_ts: iso(alert.first_event_ts),
      last_event_ts: iso(alert.last_event_ts),
    },
  };
}

export function alertPayloadBody(alert: Alert, createdAtMs: number): string {
  return JSON.stringify(alertPayload(alert, createdAtMs));
}
