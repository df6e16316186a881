/**
 * Which revisions notify does not depend on how events are cut into batches.
 * A live monitor evaluates whatever one fetch brought; after a restart the
 * same events arrive in other batches. Receivers must get the same
 * escalations either way: the revision at which tier or severity rose, not
 * the batch's last revision (which is what a coalesced update would carry).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref, T0 } from './support/enrich.js';
import { rules } from './support/rules.js';

const RS = rules(`
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
rules:
  - { id: p.export, version: 1, kind: policy, title: export of customers, severity: medium, when: { field: action, eq: export },
      escalate_records: [60], raise: [ { when: { field: local_time.business_hours, eq: false }, reason: outside business hours } ] }
  - { id: r.burst, version: 1, kind: rate, title: a burst, severity: low, measure: distinct_customers, windows: [ { window: 5m, limit: 100 } ], tiers: [2, 4] }
`);
const MIN = 60_000;

/** Reads of 30 new customers a minute (the burst fires and its tier rises twice), exports now and then, after hours late on. */
function stream(): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  for (let i = 0; i < 90; i++) {
    const action = i % 13 === 5 ? 'export' : 'read';
    const n = i < 30 ? 30 : 45;
    out.push(ev({ event_id: `e${i}`, ts: T0 + i * MIN, record_refs: Array.from({ length: n }, (_, j) => ref(`c${i}-${j}`)), action, business_hours: i < 50 }));
  }
  return out;
}

/** Every update the engine gives, evaluating `size` events per batch (clock at the batch's last event). */
function run(size: number): AlertUpdate[] {
  const events = stream();
  const clock = new ManualClock(T0);
  const engine = createEngine({ rules: RS, clock });
  const out: AlertUpdate[] = [];
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    clock.set(batch[batch.length - 1]!.ts);
    out.push(...engine.evaluate(batch).alerts);
  }
  return out;
}

const notified = (updates: readonly AlertUpdate[]) =>
  updates.filter((u) => u.notify).map((u) => `${u.alert.alert_id}#${u.alert.revision} ${u.alert.severity}`);

describe('notifications and batching', () => {
  it('the same revisions notify whether events come one at a time or in batches of any size', () => {
    const single = notified(run(1));
    // An opening and several escalations, or the comparison says little.
    expect(single.length).toBeGreaterThanOrEqual(3);
    for (const size of [2, 7, 16, 90]) expect(notified(run(size)), `batches of ${size}`).toEqual(single);
  });

  it('the last revision of each alert is the same whatever the batching', () => {
    const last = (updates: readonly AlertUpdate[]) => {
      const m = new Map<string, number>();
      for (const u of updates) m.set(u.alert.alert_id, Math.max(m.get(u.alert.alert_id) ?? 0, u.alert.revision));
      return [...m.entries()].sort();
    };
    const single = last(run(1));
    for (const size of [7, 90]) expect(last(run(size))).toEqual(single);
  });

  it('within one batch, an alert gives no revision twice', () => {
    const updates = run(90);
    const keys = updates.map((u) => `${u.alert.alert_id}#${u.alert.revision}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
