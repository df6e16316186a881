import { describe, expect, it } from 'vitest';
import { alertPayload, alertPayloadBody, eventTypeOf, webhookIdOf } from '../../../../src/runtime/outputs/alerts/payload.js';
import { alert, T0 } from '../../sinks/fixtures.js';

describe('webhook payload', () => {
  it('webhook-id: the alert id for the opening, alert_id.r<revision> for escalations', () => {
    expect(webhookIdOf(alert({ alert_id: 'abc', revision: 1 }))).toBe('abc');
    expect(webhookIdOf(alert({ alert_id: 'abc', revision: 2 }))).toBe('abc.r2');
    expect(webhookIdOf(alert({ alert_id: 'abc', revision: 17 }))).toBe('abc.r17');
  });

  it('type: opened for revision 1, escalated after', () => {
    expect(eventTypeOf(alert({ revision: 1 }))).toBe('custos.alert.opened');
    expect(eventTypeOf(alert({ revision: 3 }))).toBe('custos.alert.escalated');
  });

  it('data is the alert with ISO times and the explanation as an object', () => {
    const a = alert();
    const payload = alertPayload(a, Date.UTC(2024, 2, 1, 12, 34, 56, 789));
    expect(payload.timestamp).toBe('2024-03-01T12:34:56.789Z');
    expect(payload.data).toEqual({
      ...a,
      window_start: new Date(a.window_start).toISOString(),
      window_end: new Date(a.window_end).toISOString(),
      first_event_ts: new Date(a.first_event_ts).toISOString(),
      last_event_ts: new Date(a.last_event_ts).toISOString(),
    });
    expect(payload.data.explanation).toEqual({ baseline: { source: 'own', median: 35.5 }, findings: ['volume'] });
  });

  it('the body is deterministic for one message (same bytes on every retry)', () => {
    expect(alertPayloadBody(alert(), T0)).toBe(alertPayloadBody(alert(), T0));
    expect(Object.keys(JSON.parse(alertPayloadBody(alert(), T0)))).toEqual(['type', 'timestamp', 'data']);
  });
});
