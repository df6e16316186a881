import { describe, expect, it } from 'vitest';
import { decide, effectiveStatus, UNTRIAGED, type TriageState } from '../../../src/console/triage/workflow.js';

const alert = { revision: 2, eventCount: 5 };
const after = (s: TriageState, change: { to: TriageState['status']; resolution: TriageState['resolution']; alertEventCount: number; changedAtMs: number }): TriageState => ({
  ...s,
  status: change.to,
  resolution: change.resolution,
  alertEventCount: change.alertEventCount,
  changedAtMs: change.changedAtMs,
});

describe('triage workflow', () => {
  it('open → acknowledged → resolved with a resolution; each change strictly later than the last', () => {
    const ack = decide(UNTRIAGED, alert, { action: 'acknowledge' }, 1000);
    expect(ack).toMatchObject({ ok: true, change: { from: 'open', to: 'acknowledged' } });
    if (!ack.ok) return;
    const s1 = after(UNTRIAGED, ack.change);
    const res = decide(s1, alert, { action: 'resolve', resolution: 'false_positive' }, 1000);
    expect(res).toMatchObject({ ok: true, change: { from: 'acknowledged', to: 'resolved', resolution: 'false_positive', alertEventCount: 5, changedAtMs: 1001 } });
  });

  it('refuses a resolve without a valid resolution and a second acknowledge', () => {
    expect(decide(UNTRIAGED, alert, { action: 'resolve', resolution: 'meh' }, 1).ok).toBe(false);
    const s = { ...UNTRIAGED, status: 'acknowledged' as const };
    expect(decide(s, alert, { action: 'acknowledge' }, 1).ok).toBe(false);
  });

  it('a resolved alert that gained triggering events is open again (reopened)', () => {
    const resolved: TriageState = { ...UNTRIAGED, status: 'resolved', resolution: 'true_positive', alertEventCount: 5 };
    expect(effectiveStatus(resolved, alert)).toEqual({ status: 'resolved', reopened: false });
    expect(effectiveStatus(resolved, { revision: 3, eventCount: 6 })).toEqual({ status: 'open', reopened: true });
    expect(decide(resolved, { revision: 3, eventCount: 6 }, { action: 'acknowledge' }, 1)).toMatchObject({ ok: true, change: { from: 'open', to: 'acknowledged' } });
  });
});
