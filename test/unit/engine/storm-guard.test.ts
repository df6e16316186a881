import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { Alert } from '../../../src/model/alert.js';
import { storedAlert } from '../../../src/runtime/outputs/clickhouse/events-query.js';
import { ev, T0 } from './support/enrich.js';
import { ENGINE_RULES, rules } from './support/rules.js';

const RS = rules(ENGINE_RULES.replace('settings:\n', `settings:\n  alert_storm: { actors: 5, within: 10m, sample: 3 }\n`));

/** n distinct actors exporting (p.export fires for each), one batch of 10 a second apart. */
function flood(engine: ReturnType<typeof createEngine>, clock: ManualClock, from: number, n: number, prefix = 'x'): AlertUpdate[] {
  const out: AlertUpdate[] = [];
  for (let i = from; i < from + n; i += 10) {
    const batch = [];
    for (let k = i; k < Math.min(from + n, i + 10); k++) batch.push(ev({ event_id: `${prefix}${k}`, actor_id: `${prefix}-${k}`, action: 'export', n: 1, ts: T0 + k * 1_000 }));
    clock.set(T0 + (i + 10) * 1_000);
    out.push(...engine.evaluate(batch).alerts);
  }
  return out;
}

const latest = (ups: readonly AlertUpdate[]): Map<string, Alert> => {
  const m = new Map<string, Alert>();
  for (const u of ups) if ((m.get(u.alert.alert_id)?.revision ?? 0) < u.alert.revision) m.set(u.alert.alert_id, storedAlert(u, 'custos'));
  return m;
};

describe('alert-storm guard', () => {
  it('folds the alerts of one rule beyond the threshold into one storm alert with counts and a sample', () => {
    const clock = new ManualClock(T0);
    const engine = createEngine({ rules: RS, clock });
    const ups = flood(engine, clock, 0, 200);
    const alerts = [...latest(ups).values()];
    const own = alerts.filter((a) => a.actor_id !== '*');
    const storm = alerts.filter((a) => a.actor_id === '*');
    expect(own).toHaveLength(5);
    expect(storm).toHaveLength(1);
    const s = storm[0] as Alert;
    expect(s.rule_id).toBe('p.export');
    expect(s.event_count).toBe(195);
    const x = s.explanation.storm as { actors_estimate: number; events: number; sample_actor_ids: string[]; threshold: { actors: number } };
    expect(Math.abs(x.actors_estimate - 195)).toBeLessThanOrEqual(4);
    expect(x.sample_actor_ids).toEqual(['x-5', 'x-6', 'x-7']);
    expect(x.threshold.actors).toBe(5);
    expect(s.summary).toMatch(/^alert storm: about 19\d actors, export of customers \(195 events, one alert for all\); e\.g\. x-5, x-6, x-7/);
    expect(s.query).toContain("actor_id IN ('x-5', 'x-6', 'x-7')");
    // Notified when it opened and when it escalated (p.export's tier at 100 records); the other folds are silent.
    expect(s.tier).toBe(2);
    expect(ups.filter((u) => u.alert.alert_id === s.alert_id && u.notify)).toHaveLength(2);
    // One revision per batch of 10 (20 batches), plus the opening, plus the escalation:
    // rendered at the event that rose the tier, mid-batch, before that batch's silent last revision.
    expect(ups.filter((u) => u.alert.alert_id === s.alert_id)).toHaveLength(22);
    expect(engine.stats()).toMatchObject({ openAlerts: 6 });
    expect(engine.stats().caps?.stormFolds).toBe(195);
  });

  it('closes the storm alert once `within` passes without a fold, then counts again from zero', () => {
    const clock = new ManualClock(T0);
    const engine = createEngine({ rules: RS, clock });
    const first = flood(engine, clock, 0, 20);
    const stormId = [...latest(first).values()].find((a) => a.actor_id === '*')?.alert_id;
    expect(stormId).toBeDefined();
    clock.set(T0 + 20_000 + 11 * 60_000);
    const closed = engine.tick().alerts.filter((u) => u.alert.alert_id === stormId);
    expect(closed.map((u) => u.alert.status)).toEqual(['closed']);
    // Ten minutes later the guard starts over: five open their own alerts, the sixth folds into a new storm.
    const again = [...latest(flood(engine, clock, 2_000, 6, 'y')).values()];
    expect(again.filter((a) => a.actor_id !== '*')).toHaveLength(5);
    expect(again.filter((a) => a.actor_id === '*').map((a) => a.alert_id)).not.toContain(stormId);
  });

  it('below the threshold every actor gets its own alert', () => {
    const clock = new ManualClock(T0);
    const engine = createEngine({ rules: RS, clock });
    const alerts = [...latest(flood(engine, clock, 0, 5)).values()];
    expect(alerts.map((a) => a.actor_id).sort()).toEqual(['x-0', 'x-1', 'x-2', 'x-3', 'x-4']);
  });
});
