import { describe, expect, it } from 'vitest';
import { type ObservedUpdate, aggregate, scoreRun, windowMs } from '../../../src/tools/bench/detection/scoring.js';
import type { SimLabels } from '../../../src/tools/sim/types.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 9);
const EVAL = T0 + 14 * 24 * H;

const labels: SimLabels = {
  version: 1,
  seed: 1,
  start: new Date(T0).toISOString(),
  days: 28,
  evaluation_start: new Date(EVAL).toISOString(),
  incidents: [
    { id: 'inc-1', type: 'burst_over_baseline', actor_id: 'a', actor_role: 'support_agent', start_ms: EVAL + 10 * H, end_ms: EVAL + 10.5 * H, start: '', end: '', window_ms: H, description: '', event_ids: ['e1'] },
    { id: 'inc-2', type: 'slow_scrape', actor_id: 'b', actor_role: 'support_agent', start_ms: EVAL + 30 * H, end_ms: EVAL + 54 * H, start: '', end: '', window_ms: 24 * H, description: '', event_ids: ['e2'] },
  ],
  lookalikes: [
    { id: 'la-1', type: 'analyst_usual_report', actor_id: 'c', actor_role: 'data_analyst', start_ms: EVAL + 5 * H, end_ms: EVAL + 5.1 * H, start: '', end: '', window_ms: 24 * H, description: '', event_ids: ['e3'] },
  ],
  counts: { events: 1000, incident_events: 2, lookalike_events: 1, by_role: {}, by_action: {}, actors: 10, actors_with_traffic: 10, benign_actor_days: 280, benign_actor_days_eval: 140 },
};

function upd(p: Partial<ObservedUpdate> & Pick<ObservedUpdate, 'alert_id' | 'actor_id' | 'at'>): ObservedUpdate {
  return { rule_id: 'r', notify: true, revision: 1, tier: 1, severity: 'medium', window_label: '1h', first_event_ts: p.at, summary: '', ...p };
}

describe('detection scoring', () => {
  it('classifies alerts and measures time to detect', () => {
    const s = scoreRun(labels, [
      upd({ alert_id: 'x1', actor_id: 'a', at: EVAL + 10.2 * H, rule_id: 'rate' }), // detects inc-1 after 12 min
      upd({ alert_id: 'x1', actor_id: 'a', at: EVAL + 10.3 * H, notify: false, revision: 2 }), // merge
      upd({ alert_id: 'x2', actor_id: 'a', at: EVAL + 12 * H, window_label: '24h' }), // 24h alert after the burst: still the incident
      upd({ alert_id: 'x3', actor_id: 'a', at: EVAL + 40 * H, window_label: '1h' }), // long after: false
      upd({ alert_id: 'x4', actor_id: 'c', at: EVAL + 6 * H }), // on the look-alike
      upd({ alert_id: 'x5', actor_id: 'd', at: T0 + 2 * H }), // warm-up
      upd({ alert_id: 'x6', actor_id: 'b', at: EVAL + 31 * H, notify: false }), // merge only: never notified
      upd({ alert_id: 'x1', actor_id: 'a', at: EVAL + 11 * H, notify: false, status: 'closed' }), // closing: not a merge
    ]);
    expect(s.counts).toEqual({ incident: 2, lookalike: 1, benign: 1, warmup: 1 });
    const i1 = s.incidents.find((i) => i.id === 'inc-1')!;
    expect(i1).toMatchObject({ detected: true, in_time: true, first_rule: 'rate', alerts: 2 });
    expect(i1.ttd_ms).toBeCloseTo(0.2 * H, -3);
    const i2 = s.incidents.find((i) => i.id === 'inc-2')!;
    expect(i2).toMatchObject({ detected: false, merged_only: true });
    expect(s.lookalikes[0]).toMatchObject({ alerted: true });
    expect(s.precision).toBeCloseTo(2 / 4);
    expect(s.false_per_1000_actor_days).toBeCloseTo((2 * 1000) / 140);
    expect(s.merges.total).toBe(2);
    expect(s.merges.into_incident_alerts).toBe(1);

    const agg = aggregate([s, s]);
    expect(agg.byType.find((t) => t.type === 'burst_over_baseline')).toMatchObject({ total: 2, detected: 2, recall: 1 });
    expect(agg.byType.find((t) => t.type === 'slow_scrape')).toMatchObject({ total: 2, detected: 0, recall: 0 });
    expect(agg.goals).toEqual({ recall: false, precision: false, false_rate: false, in_time: false });
  });

  it('parses window labels', () => {
    expect(windowMs('5m')).toBe(300_000);
    expect(windowMs('24h')).toBe(24 * H);
    expect(windowMs('request')).toBe(0);
  });
});
